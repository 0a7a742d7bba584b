"""Links to pages under /c/<campus>/: one place for the "reverse with the campus code" helper
that views, registrations (dashboard, panels) and services (notification links) share."""

from django.urls import NoReverseMatch, reverse


def campus_url(campus_or_code, name, /, *, strict=False, **kwargs) -> str:
    """The path of the URL ``name`` on a campus (a ``Campus`` or its code).

    "" when the URL does not resolve (an app not installed), unless ``strict``: then the
    ``NoReverseMatch`` propagates, as ``reverse()`` does.
    """
    code = campus_or_code if isinstance(campus_or_code, str) else campus_or_code.code
    try:
        return reverse(name, kwargs={"campus": code, **kwargs})
    except NoReverseMatch:
        if strict:
            raise
        return ""


def request_url(request, name, /, *, strict=False, **kwargs) -> str:
    """``campus_url`` on the request's campus."""
    return campus_url(request.campus, name, strict=strict, **kwargs)


def strict_request_url(request, name, /, **kwargs) -> str:
    """``request_url`` that raises ``NoReverseMatch`` (views: a missing URL is a bug)."""
    return campus_url(request.campus, name, strict=True, **kwargs)
