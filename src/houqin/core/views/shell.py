"""The shell: home redirect, campus chooser, dashboard, login, QR landing."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from houqin.core import audit, dashboard
from houqin.core.forms import StyledFormMixin
from houqin.core.models import Child, Room, SchoolClass, Term
from houqin.core.permissions import campus_view, login_view, public_view
from houqin.core.selectors import campuses_for_user, organizations_for_user, room_by_qr_token


@login_view
@login_required
def home(request):
    """Open the user's campus directly, or let them choose when there are several."""
    campuses = list(campuses_for_user(request.user)[:2])
    if len(campuses) == 1:
        return redirect("core:dashboard", campus=campuses[0].code)
    return redirect("campus_choose")


@login_view
@login_required
def campus_choose(request):
    campuses = campuses_for_user(request.user)
    organizations = organizations_for_user(request.user)
    return render(
        request,
        "core/campus_choose.html",
        {"campuses": campuses, "organizations": organizations, "title": _("My campuses")},
    )


@campus_view("core.view_dashboard")
def dashboard_view(request, campus):
    campus_obj = request.campus
    today = timezone.localdate()
    term = Term.objects.filter(start_date__lte=today, end_date__gte=today).first()
    stats = None
    by_grade = []
    if "core.view_children" in request.perms:
        stats = Child.objects.filter(status=Child.Status.ENROLLED).aggregate(
            children=Count("id"), boys=Count("id", filter=Q(sex="M")), girls=Count("id", filter=Q(sex="F"))
        )
        stats["classes"] = SchoolClass.objects.filter(is_active=True).count()
        stats["rooms"] = Room.objects.filter(is_active=True).count()
        grades = dict(SchoolClass.Grade.choices)
        order = {code: i for i, code in enumerate(grades)}
        rows = (
            Child.objects.filter(status=Child.Status.ENROLLED)
            .values("school_class__grade")
            .annotate(n=Count("id"))
            .order_by()
        )
        by_grade = [
            {"name": str(grades.get(row["school_class__grade"], _("No class"))), "value": row["n"]}
            for row in sorted(rows, key=lambda r: order.get(r["school_class__grade"], 99))
        ]
    context = {
        "title": _("Home"),
        "cards": dashboard.attention_for(request),
        "term": term,
        "school_day": term.is_school_day(today) if term else None,
        "today": today,
        "stats": stats,
        "by_grade": by_grade,
        "campus_obj": campus_obj,
    }
    return render(request, "core/dashboard.html", context)


class StyledAuthenticationForm(StyledFormMixin, auth_views.AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


@method_decorator(public_view, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = StyledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(actor=form.get_user(), action="login", obj=form.get_user(), campus=None)
        return response


class StyledPasswordChangeForm(StyledFormMixin, auth_views.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


@method_decorator(login_view, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = StyledPasswordChangeForm
    extra_context = {"title": _("Change password")}

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(actor=self.request.user, action="password_change", obj=self.request.user, campus=None)
        messages.success(self.request, _("Your password was changed."))
        return response


@public_view
@require_GET
def qr_landing(request, token):
    """Where a printed room label points: the room page for staff of that campus,
    otherwise the public report form the maintenance and safety modules provide."""
    room = room_by_qr_token(token)
    if room is None:
        raise Http404
    if request.user.is_authenticated:
        return redirect(reverse("core:room_detail", kwargs={"campus": room.campus.code, "pk": room.pk}))
    from houqin.core.qr import actions_for

    return render(
        request,
        "core/qr_landing.html",
        {
            "room": room,
            "campus": None,
            "room_campus": room.campus,
            "title": str(room),
            "qr_actions": actions_for(room),
        },
    )
