"""Filter sets of the custody list pages (querysets are callables: evaluated in the campus scope)."""

import django_filters
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.assets.models import Condition, Damage, DisposalRequest, Handover, Loan
from houqin.core.filters import CampusFilterSet
from houqin.core.forms import campus_users
from houqin.core.models import Room, SchoolClass, Term

YES = (("1", _("Yes")),)


def _terms(request):
    return Term.objects.order_by("-start_date")


def _rooms(request):
    return Room.objects.filter(is_active=True).order_by("code")


def _classes(request):
    return SchoolClass.objects.filter(is_active=True)


def _members(request):
    return campus_users(request.campus)


class HandoverFilter(CampusFilterSet):
    term = django_filters.ModelChoiceFilter(label=_("Term"), queryset=_terms, empty_label=_("All"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Handover.Kind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Handover.Status.choices, empty_label=_("All")
    )
    room = django_filters.ModelChoiceFilter(label=_("Room"), queryset=_rooms, empty_label=_("All"))
    unsigned = django_filters.ChoiceFilter(
        label=_("Waiting for a signature"), choices=YES, method="filter_unsigned", empty_label=_("All")
    )
    follow_up = django_filters.ChoiceFilter(
        label=_("Discrepancies to follow up"), choices=YES, method="filter_follow_up", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = Handover
        fields = ["term", "kind", "status", "room"]

    def filter_unsigned(self, qs, name, value):
        return qs.filter(status=Handover.Status.OPEN).filter(
            Q(from_signed_at__isnull=True) | Q(to_signed_at__isnull=True)
        )

    def filter_follow_up(self, qs, name, value):
        pending = Q(lines__on_loan=False, lines__damage__isnull=True, lines__resolved_at__isnull=True) & (
            Q(lines__present=False) | Q(lines__condition=Condition.DAMAGED)
        )
        ids = Handover.objects.filter(pending, status=Handover.Status.COMPLETED).values("pk")
        return qs.filter(pk__in=ids)


class LoanFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Loan.Status.choices, empty_label=_("All"))
    borrower = django_filters.ModelChoiceFilter(label=_("Borrower"), queryset=_members, empty_label=_("All"))
    school_class = django_filters.ModelChoiceFilter(label=_("Class"), queryset=_classes, empty_label=_("All"))
    overdue = django_filters.ChoiceFilter(
        label=_("Overdue"), choices=YES, method="filter_overdue", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = Loan
        fields = ["status", "borrower", "school_class"]

    def filter_overdue(self, qs, name, value):
        return qs.filter(status=Loan.Status.OUT, due_on__lt=timezone.localdate())


class DamageFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Damage.Status.choices, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Damage.Kind.choices, empty_label=_("All"))
    responsible_kind = django_filters.ChoiceFilter(
        label=_("Responsible"), choices=Damage.Responsible.choices, empty_label=_("All")
    )
    responsible_class = django_filters.ModelChoiceFilter(
        label=_("Responsible class"), queryset=_classes, empty_label=_("All")
    )
    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=Damage.Source.choices, empty_label=_("All")
    )
    outstanding = django_filters.ChoiceFilter(
        label=_("Compensation outstanding"), choices=YES, method="filter_outstanding", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = Damage
        fields = ["status", "kind", "responsible_kind", "responsible_class", "source"]

    def filter_outstanding(self, qs, name, value):
        return qs.filter(status=Damage.Status.OPEN, compensation_due__gt=F("compensation_received"))


class DisposalFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=DisposalRequest.Status.choices, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=DisposalRequest.Kind.choices, empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = DisposalRequest
        fields = ["status", "kind"]
