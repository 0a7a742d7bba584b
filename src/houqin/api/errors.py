"""Every API error is JSON: ``{"detail": "…"}``, plus ``"errors": {field: [messages]}`` for 422.

Messages are translated into the request's language. Django's ``ValidationError`` (raised
by ``full_clean()`` in the services) keeps its own translated messages; pydantic's
request-parsing errors are mapped onto Django's standard messages so they are translated
too (Django ships their zh_Hans translations).
"""

import logging

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger("houqin.api")

NON_FIELD = NON_FIELD_ERRORS  # "__all__": errors not tied to one field


def json_error(status: int, detail: str, **extra) -> JsonResponse:
    return JsonResponse(
        {"detail": str(detail), **extra}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _invalid(errors: dict) -> JsonResponse:
    if set(errors) == {NON_FIELD}:  # one rule about the whole object: say it
        detail = " ".join(errors[NON_FIELD])
    else:
        detail = _("Some fields are not valid; see “errors”.")
    return json_error(422, detail, errors=errors)


def django_validation_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {NON_FIELD: [str(m) for m in exc.messages]}


# pydantic error type → (Django's own msgid, params from ctx). Using Django's exact
# English messages means they arrive translated from Django's catalogue.
def _pydantic_message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind.startswith(("float_", "decimal_")):
        return _("Enter a number.")
    if kind.startswith("datetime_"):
        return _("Enter a valid date/time.")
    if kind.startswith("date_"):
        return _("Enter a valid date.")
    if kind.startswith("time_"):
        return _("Enter a valid time.")
    if kind == "list_type":
        return _("Enter a list of values.")
    if kind == "greater_than_equal" and "ge" in ctx:
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {
            "limit_value": ctx["ge"]
        }
    if kind == "less_than_equal" and "le" in ctx:
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {"limit_value": ctx["le"]}
    if kind in ("literal_error", "enum"):
        return _("Select a valid choice. That choice is not one of the available choices.")
    if kind.startswith(("string_", "bool_", "model_", "dict_", "json_")):
        return _("Enter a valid value.")
    return error.get("msg") or _("Enter a valid value.")


def _pydantic_field(loc) -> str:
    parts = list(loc or ())
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
        source = parts.pop(0)
        # Body parameters are nested under the parameter name (``payload``).
        if source == "body" and parts and isinstance(parts[0], str) and parts[0] in ("payload", "data"):
            parts.pop(0)
    return ".".join(str(p) for p in parts) or NON_FIELD


def ninja_validation_errors(exc: NinjaValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_pydantic_field(error.get("loc")), []).append(_pydantic_message(error))
    return errors


def install(api):
    """Register the JSON error handlers on a NinjaAPI."""

    @api.exception_handler(DjangoValidationError)
    def on_django_validation(request, exc):
        return _invalid(django_validation_errors(exc))

    @api.exception_handler(NinjaValidationError)
    def on_ninja_validation(request, exc):
        return _invalid(ninja_validation_errors(exc))

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        return json_error(401, _("Authentication required: log in or send an API token."))

    @api.exception_handler(AuthorizationError)
    @api.exception_handler(PermissionDenied)
    def on_forbidden(request, exc):
        message = str(exc) if isinstance(exc, PermissionDenied) and exc.args else ""
        return json_error(403, message or _("You do not have permission to do this."))

    @api.exception_handler(Http404)
    @api.exception_handler(ObjectDoesNotExist)
    def on_not_found(request, exc):
        return json_error(404, _("Not found."))

    @api.exception_handler(Throttled)
    def on_throttled(request, exc):
        return json_error(429, _("Too many requests; please wait a moment."))

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        return json_error(exc.status_code, str(exc))

    @api.exception_handler(Exception)
    def on_error(request, exc):
        logger.exception("API error on %s %s", request.method, request.path)
        return json_error(
            500,
            _("Internal error; it has been logged (request id %(id)s).")
            % {"id": getattr(request, "request_id", "")},
        )
