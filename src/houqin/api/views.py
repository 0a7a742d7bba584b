"""The page where a user manages their own API tokens (/account/tokens/)."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from houqin.api import services
from houqin.core.models import ApiToken
from houqin.core.permissions import login_view

SESSION_KEY = "houqin_new_api_token"


class TokenForm(forms.Form):
    EXPIRY_CHOICES = [
        ("30", gettext_lazy("30 days")),
        ("90", gettext_lazy("90 days")),
        ("365", gettext_lazy("One year")),
        ("", gettext_lazy("Never")),
    ]

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=60,
        help_text=gettext_lazy("What the token is for, e.g. “canteen tablet”."),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    expires_in = forms.ChoiceField(
        label=gettext_lazy("Expires after"),
        choices=EXPIRY_CHOICES,
        required=False,
        initial="90",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + dt.timedelta(days=int(days)) if days else None


@login_view
@login_required
def tokens(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, key = services.token_create(
                actor=request.user,
                user=request.user,
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(None if field in ("__all__", "expires_at") else field, errors)
        else:
            # Shown once on the next page view, then gone (post/redirect/get).
            request.session[SESSION_KEY] = {"id": token.pk, "key": key}
            messages.success(
                request,
                _("Token “%(name)s” created. Copy the key now: it is shown only once.")
                % {"name": token.name},
            )
            return redirect("api_tokens")
    new = request.session.pop(SESSION_KEY, None)
    context = {
        "title": _("API tokens"),
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user).order_by("-created_at")[:200],
        "new_key": new["key"] if new else "",
        "new_token_id": new["id"] if new else None,
        "api_docs_url": reverse("api:openapi-view"),
    }
    return render(request, "api/tokens.html", context)


@login_view
@login_required
@require_POST
def token_revoke(request, token_id):
    token = ApiToken.objects.filter(user=request.user, pk=token_id).select_related("user").first()
    if token is None:
        raise Http404
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked; it no longer works.") % {"name": token.name})
    return redirect("api_tokens")
