"""Health care — the disease area: medication (喂药), infectious disease (cases, isolation,
return to class, terminal disinfection, class quarantines, outbreak alerts), disinfectant
concentration tests and health education (lessons, publicity board).

Same permissions and rules as the pages; every write goes through
:mod:`houqin.health.disease_services`. Writes that need a photo (an antibiotic's hospital
record, the return-to-class certificate, the disinfection photo, the board photo) are
multipart forms with the fields and the file(s); the rest take JSON.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import get_in_campus, resolve_refs
from houqin.api.helpers import user_name as _name
from houqin.api.pagination import LimitOffset
from houqin.core import audit
from houqin.core.models import Child, SchoolClass
from houqin.health import disease_services as services
from houqin.health.models import (
    ClassQuarantine,
    ConcentrationTest,
    Disease,
    DiseaseCase,
    HealthLesson,
    MedicationDose,
    MedicationOrder,
    OutbreakAlert,
    PublicityBoardChange,
    TerminalDisinfection,
)

router = Router(tags=["health-disease"])

VIEW_MEDICATION, REGISTER_MEDICATION, GIVE_MEDICATION = (
    "health.view_medication", "health.register_medication", "health.give_medication",
)  # fmt: skip
VIEW_DISEASE, MANAGE_DISEASE, MANAGE_SETTINGS = (
    "health.view_disease", "health.manage_disease", "health.manage_health_settings",
)  # fmt: skip
VIEW_DISINFECTION, RECORD_DISINFECTION = "health.view_disinfection", "health.record_disinfection"
VIEW_EDUCATION, RECORD_EDUCATION = "health.view_education", "health.record_education"
BASE = "/health"


class ReasonIn(Schema):
    reason: str


# --- Medication -------------------------------------------------------------------------------


class OrderOut(Schema):
    id: int
    child: int = Field(alias="child_id")
    child_name: str
    school_class: int = Field(alias="school_class_id")
    class_name: str
    drug: str
    dose: str
    route: str
    times: list[str]
    start_date: dt.date
    days: int
    end_date: dt.date
    is_antibiotic: bool
    storage: str
    notes: str
    parent_name: str
    parent_phone: str
    parent_confirmed: bool
    has_signature: bool
    registered_by: str | None
    registered_at: dt.datetime
    status: str
    stop_reason: str
    is_void: bool
    void_reason: str

    @staticmethod
    def resolve_child_name(obj):
        return obj.child.name

    @staticmethod
    def resolve_class_name(obj):
        return obj.school_class.name

    @staticmethod
    def resolve_registered_by(obj):
        return _name(obj.registered_by)


class OrderIn(Schema):
    child: int
    drug: str
    dose: str
    route: str = MedicationOrder.Route.ORAL.value
    times: str = Field(..., description="Times of day, comma-separated: 08:30,12:00")
    start_date: dt.date
    days: int = 1
    is_antibiotic: bool = False
    storage: str = ""
    notes: str = ""
    parent_name: str
    parent_phone: str = ""
    parent_confirmed: bool = False
    signature: str = Field("", description="Optional drawn signature: a data:image/png;base64,… URL")


class DoseOut(Schema):
    id: int
    order: int = Field(alias="order_id")
    child: int = Field(alias="child_id")
    date: dt.date
    slot: dt.time
    status: str
    reason: str
    note: str
    confirmed_child: bool
    confirmed_class: bool
    confirmed_dose: bool
    recorded_by: str | None
    recorded_at: dt.datetime
    is_void: bool
    void_reason: str

    @staticmethod
    def resolve_recorded_by(obj):
        return _name(obj.recorded_by)


class SlotOut(Schema):
    order: int
    child: int
    child_name: str
    school_class: int
    class_name: str
    drug: str
    dose_text: str
    route: str
    date: dt.date
    slot: dt.time
    state: str = Field(description="given, not_given, pending, due, missed or absent")
    dose: DoseOut | None = None


class GiveIn(Schema):
    order: int
    date: dt.date
    slot: dt.time
    confirmed_child: bool = False
    confirmed_class: bool = False
    confirmed_dose: bool = False
    note: str = ""


class NotGivenIn(Schema):
    order: int
    date: dt.date
    slot: dt.time
    reason: str = Field(description="absent, withdrawn, refused, sent_home or other (with a note)")
    note: str = ""


def _orders():
    return MedicationOrder.objects.select_related("child", "school_class", "registered_by")


@router.get(f"{BASE}/medication/orders", response=list[OrderOut], url_name="health_medication_list")
@requires(VIEW_MEDICATION)
@paginate(LimitOffset)
def medication_list(
    request, school_class: int | None = None, status: str | None = None, current: bool = False
):
    """Entrusted medicines, newest first; ``current``: running today."""
    qs = _orders().filter(campus=request.campus)
    if school_class is not None:
        qs = qs.filter(school_class_id=school_class)
    if status:
        qs = qs.filter(status=status)
    if current:
        today = timezone.localdate()
        qs = qs.filter(status=MedicationOrder.Status.ACTIVE, start_date__lte=today, end_date__gte=today)
    return qs.order_by("-start_date", "-id")


@router.post(f"{BASE}/medication/orders", response={201: OrderOut}, url_name="health_medication_create")
@requires(REGISTER_MEDICATION)
def medication_create(request, payload: Form[OrderIn], photos: File[list[UploadedFile]] = None):  # noqa: B008
    """Register an entrusted medicine (multipart): the fields, the hospital record ``photos``
    (required for an antibiotic) and an optional drawn ``signature``."""
    data = resolve_refs(request, payload.dict(), {"child": Child})
    order = services.medication_register(
        actor=request.user, campus=request.campus, child=data["child"],
        data={k: v for k, v in data.items() if k in services.ORDER_FIELDS}, photos=photos or [],
        signature=payload.signature or None,
    )  # fmt: skip
    return Status(201, get_in_campus(request, _orders(), pk=order.pk))


@router.get(f"{BASE}/medication/orders/{{order_id}}", response=OrderOut, url_name="health_medication_detail")
@requires(VIEW_MEDICATION)
def medication_detail(request, order_id: int):
    return get_in_campus(request, _orders(), pk=order_id)


@router.post(
    f"{BASE}/medication/orders/{{order_id}}/stop", response=OrderOut, url_name="health_medication_stop"
)
@requires(REGISTER_MEDICATION)
def medication_stop(request, order_id: int, payload: ReasonIn):
    services.medication_stop(actor=request.user, order=get_in_campus(request, _orders(), pk=order_id),
                             reason=payload.reason)  # fmt: skip
    return get_in_campus(request, _orders(), pk=order_id)


@router.post(
    f"{BASE}/medication/orders/{{order_id}}/void", response=OrderOut, url_name="health_medication_void"
)
@requires(REGISTER_MEDICATION)
def medication_void(request, order_id: int, payload: ReasonIn):
    services.medication_void(actor=request.user, order=get_in_campus(request, _orders(), pk=order_id),
                             reason=payload.reason)  # fmt: skip
    return get_in_campus(request, _orders(), pk=order_id)


@router.get(
    f"{BASE}/medication/orders/{{order_id}}/doses", response=list[DoseOut], url_name="health_medication_doses"
)
@requires(VIEW_MEDICATION)
def medication_doses(request, order_id: int):
    order = get_in_campus(request, _orders(), pk=order_id)
    return list(order.doses.select_related("recorded_by").order_by("-date", "-slot", "-id"))


@router.get(f"{BASE}/medication/schedule", response=list[SlotOut], url_name="health_medication_schedule")
@requires(VIEW_MEDICATION)
def medication_schedule(request, date: dt.date | None = None, school_class: int | None = None):
    """The dosing list of a day (today): every slot of every running medicine with its state."""
    cls = (
        get_in_campus(request, SchoolClass.objects.all(), pk=school_class)
        if school_class is not None
        else None
    )
    slots = services.dose_slots(request.campus, date or timezone.localdate(), school_class=cls)
    return [
        {"order": s.order.pk, "child": s.order.child_id, "child_name": s.order.child.name,
         "school_class": s.order.school_class_id, "class_name": s.order.school_class.name, "drug": s.order.drug,
         "dose_text": s.order.dose, "route": s.order.route, "date": s.date, "slot": s.slot, "state": s.state,
         "dose": s.dose}
        for s in slots
    ]  # fmt: skip


@router.post(f"{BASE}/medication/doses", response={201: DoseOut}, url_name="health_medication_give")
@requires(GIVE_MEDICATION)
def dose_give(request, payload: GiveIn):
    """Give a dose after the three checks (all three ``confirmed_*`` must be true), signed with
    the caller's login and the time."""
    order = get_in_campus(request, _orders(), pk=payload.order)
    dose = services.dose_give(
        actor=request.user, order=order, date=payload.date, slot=payload.slot,
        confirmed_child=payload.confirmed_child, confirmed_class=payload.confirmed_class,
        confirmed_dose=payload.confirmed_dose, note=payload.note,
    )  # fmt: skip
    return Status(201, dose)


@router.post(
    f"{BASE}/medication/doses/not-given", response={201: DoseOut}, url_name="health_medication_not_given"
)
@requires(GIVE_MEDICATION)
def dose_not_given(request, payload: NotGivenIn):
    order = get_in_campus(request, _orders(), pk=payload.order)
    dose = services.dose_not_given(actor=request.user, order=order, date=payload.date, slot=payload.slot,
                                   reason=payload.reason, note=payload.note)  # fmt: skip
    return Status(201, dose)


@router.post(
    f"{BASE}/medication/doses/{{dose_id}}/void", response=DoseOut, url_name="health_medication_dose_void"
)
@requires(GIVE_MEDICATION)
def dose_void(request, dose_id: int, payload: ReasonIn):
    """Void a recorded dose with a reason (the signer or a holder of register_medication)."""
    dose = get_in_campus(request, MedicationDose.objects.select_related("recorded_by"), pk=dose_id)
    return services.dose_void(actor=request.user, dose=dose, reason=payload.reason)


# --- Diseases -------------------------------------------------------------------------------------


class DiseaseOut(Schema):
    id: int
    name: str
    isolation_days: int
    quarantine_days: int
    cluster_cases: int
    cluster_days: int
    class_cluster_cases: int | None
    symptoms: str
    return_rule: str
    is_notifiable: bool
    is_active: bool
    sort_order: int


class DiseaseIn(Schema):
    name: str
    isolation_days: int
    quarantine_days: int = 7
    cluster_cases: int = 5
    cluster_days: int = 7
    class_cluster_cases: int | None = None
    symptoms: str = ""
    return_rule: str = ""
    is_notifiable: bool = True
    is_active: bool = True
    sort_order: int = 0


@router.get(f"{BASE}/diseases", response=list[DiseaseOut], url_name="health_disease_list")
@requires(VIEW_DISEASE)
@paginate(LimitOffset)
def disease_list(request):
    return Disease.objects.filter(campus=request.campus).order_by("sort_order", "name")


@router.post(f"{BASE}/diseases", response={201: DiseaseOut}, url_name="health_disease_create")
@requires(MANAGE_SETTINGS)
def disease_create(request, payload: DiseaseIn):
    disease = Disease(campus=request.campus, **payload.dict())
    return Status(201, services.disease_save(actor=request.user, instance=disease))


@router.post(f"{BASE}/diseases/seed", response=list[DiseaseOut], url_name="health_disease_seed")
@requires(MANAGE_SETTINGS)
def disease_seed(request):
    """Load the common diseases when the campus's list is empty."""
    services.diseases_ensure(request.campus, actor=request.user)
    return list(Disease.objects.filter(campus=request.campus).order_by("sort_order", "name"))


@router.patch(f"{BASE}/diseases/{{disease_id}}", response=DiseaseOut, url_name="health_disease_update")
@requires(MANAGE_SETTINGS)
def disease_update(request, disease_id: int, payload: DiseaseIn):
    disease = get_in_campus(request, Disease.objects.all(), pk=disease_id)
    before = audit.snapshot(disease)
    for field, value in payload.dict(exclude_unset=True).items():
        setattr(disease, field, value)
    return services.disease_save(actor=request.user, instance=disease, before=before)


# --- Cases ----------------------------------------------------------------------------------------


class CaseOut(Schema):
    id: int
    number: str
    child: int = Field(alias="child_id")
    child_name: str
    school_class: int = Field(alias="school_class_id")
    class_name: str
    disease: int = Field(alias="disease_id")
    disease_name: str
    onset_date: dt.date
    diagnosis_source: str
    hospital: str
    symptoms: str
    reported_on: dt.date
    reported_by: str | None
    isolation_from: dt.date
    isolation_until: dt.date
    earliest_return: dt.date
    status: str
    returned_on: dt.date | None
    certificate_date: dt.date | None
    disinfection: int | None = Field(alias="disinfection_id")
    outbreaks: list[int] = []
    note: str
    is_void: bool
    void_reason: str

    @staticmethod
    def resolve_child_name(obj):
        return obj.child.name

    @staticmethod
    def resolve_class_name(obj):
        return obj.school_class.name

    @staticmethod
    def resolve_disease_name(obj):
        return obj.disease.name

    @staticmethod
    def resolve_reported_by(obj):
        return _name(obj.reported_by)

    @staticmethod
    def resolve_outbreaks(obj):
        return [a.pk for a in obj.outbreaks.all()]


class CaseIn(Schema):
    child: int
    disease: int
    onset_date: dt.date
    diagnosis_source: str = DiseaseCase.Source.HOSPITAL.value
    hospital: str = ""
    symptoms: str = ""
    note: str = ""


class ReturnIn(Schema):
    returned_on: dt.date
    certificate_date: dt.date
    note: str = ""


class ExtendIn(Schema):
    until: dt.date
    reason: str


def _cases():
    return DiseaseCase.objects.select_related(
        "child", "school_class", "disease", "reported_by"
    ).prefetch_related("outbreaks")


@router.get(f"{BASE}/cases", response=list[CaseOut], url_name="health_case_list")
@requires(VIEW_DISEASE)
@paginate(LimitOffset)
def case_list(request, school_class: int | None = None, disease: int | None = None, status: str | None = None,
              include_void: bool = False):  # fmt: skip
    qs = _cases().filter(campus=request.campus)
    if not include_void:
        qs = qs.filter(is_void=False)
    if school_class is not None:
        qs = qs.filter(school_class_id=school_class)
    if disease is not None:
        qs = qs.filter(disease_id=disease)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-onset_date", "-id")


@router.post(f"{BASE}/cases", response={201: CaseOut}, url_name="health_case_create")
@requires(MANAGE_DISEASE)
def case_create(request, payload: CaseIn):
    """Record a case: isolation from the onset, a terminal disinfection task for the class,
    and the outbreak thresholds checked (an alert is raised and notified when reached)."""
    data = resolve_refs(request, payload.dict(), {"child": Child, "disease": Disease})
    case = services.case_record(actor=request.user, campus=request.campus, **data)
    return Status(201, get_in_campus(request, _cases(), pk=case.pk))


@router.get(f"{BASE}/cases/{{case_id}}", response=CaseOut, url_name="health_case_detail")
@requires(VIEW_DISEASE)
def case_detail(request, case_id: int):
    return get_in_campus(request, _cases(), pk=case_id)


@router.post(f"{BASE}/cases/{{case_id}}/return", response=CaseOut, url_name="health_case_return")
@requires(MANAGE_DISEASE)
def case_return(request, case_id: int, payload: Form[ReturnIn], certificate: File[UploadedFile] = None):  # noqa: B008
    """Back in class (multipart): the date, the certificate's date and its photo
    (``certificate``); refused before the isolation has ended."""
    case = get_in_campus(request, _cases(), pk=case_id)
    services.case_return(actor=request.user, case=case, returned_on=payload.returned_on,
                         certificate_date=payload.certificate_date, certificate=certificate, note=payload.note)  # fmt: skip
    return get_in_campus(request, _cases(), pk=case_id)


@router.post(f"{BASE}/cases/{{case_id}}/extend", response=CaseOut, url_name="health_case_extend")
@requires(MANAGE_DISEASE)
def case_extend(request, case_id: int, payload: ExtendIn):
    services.case_extend(actor=request.user, case=get_in_campus(request, _cases(), pk=case_id), until=payload.until,
                         reason=payload.reason)  # fmt: skip
    return get_in_campus(request, _cases(), pk=case_id)


@router.post(f"{BASE}/cases/{{case_id}}/void", response=CaseOut, url_name="health_case_void")
@requires(MANAGE_DISEASE)
def case_void(request, case_id: int, payload: ReasonIn):
    services.case_void(
        actor=request.user, case=get_in_campus(request, _cases(), pk=case_id), reason=payload.reason
    )
    return get_in_campus(request, _cases(), pk=case_id)


# --- Terminal disinfection ---------------------------------------------------------------------


class DisinfectionOut(Schema):
    id: int
    school_class: int = Field(alias="school_class_id")
    class_name: str
    disease: int = Field(alias="disease_id")
    due_date: dt.date
    status: str
    is_overdue: bool
    method: str
    areas: str
    done_by: str | None
    done_at: dt.datetime | None
    note: str
    cases: list[int] = []
    is_void: bool

    @staticmethod
    def resolve_class_name(obj):
        return obj.school_class.name

    @staticmethod
    def resolve_done_by(obj):
        return _name(obj.done_by)

    @staticmethod
    def resolve_cases(obj):
        return [c.pk for c in obj.cases.all()]


class DoneIn(Schema):
    method: str
    areas: str = ""
    note: str = ""


def _disinfections():
    return TerminalDisinfection.objects.select_related("school_class", "done_by").prefetch_related("cases")


@router.get(
    f"{BASE}/disinfection/terminal", response=list[DisinfectionOut], url_name="health_disinfection_list"
)
@requires(VIEW_DISINFECTION)
@paginate(LimitOffset)
def disinfection_list(request, status: str | None = None, overdue: bool = False):
    qs = _disinfections().filter(campus=request.campus, is_void=False)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=TerminalDisinfection.Status.PENDING, due_date__lt=timezone.localdate())
    return qs.order_by("-due_date", "-id")


@router.get(f"{BASE}/disinfection/terminal/{{task_id}}", response=DisinfectionOut,
            url_name="health_disinfection_detail")  # fmt: skip
@requires(VIEW_DISINFECTION)
def disinfection_detail(request, task_id: int):
    return get_in_campus(request, _disinfections(), pk=task_id)


@router.post(f"{BASE}/disinfection/terminal/{{task_id}}/done", response=DisinfectionOut,
             url_name="health_disinfection_done")  # fmt: skip
@requires(RECORD_DISINFECTION)
def disinfection_done(request, task_id: int, payload: Form[DoneIn], photos: File[list[UploadedFile]] = None):  # noqa: B008
    """Record the terminal disinfection done (multipart): method, areas and ``photos`` (required)."""
    task = get_in_campus(request, _disinfections(), pk=task_id)
    services.disinfection_done(actor=request.user, task=task, method=payload.method, areas=payload.areas,
                               photos=photos or [], note=payload.note)  # fmt: skip
    return get_in_campus(request, _disinfections(), pk=task_id)


# --- Quarantines ----------------------------------------------------------------------------------


class QuarantineOut(Schema):
    id: int
    school_class: int = Field(alias="school_class_id")
    class_name: str
    disease: int | None = Field(alias="disease_id")
    outbreak: int | None = Field(alias="outbreak_id")
    start_date: dt.date
    end_date: dt.date
    status: str
    active: bool
    reason: str
    end_reason: str

    @staticmethod
    def resolve_class_name(obj):
        return obj.school_class.name


class QuarantineIn(Schema):
    school_class: int
    start_date: dt.date
    end_date: dt.date
    disease: int | None = None
    reason: str = ""


class ConfirmIn(Schema):
    start_date: dt.date | None = None
    end_date: dt.date | None = None


def _quarantines():
    return ClassQuarantine.objects.select_related("school_class")


@router.get(f"{BASE}/quarantines", response=list[QuarantineOut], url_name="health_quarantine_list")
@requires(VIEW_DISEASE)
@paginate(LimitOffset)
def quarantine_list(request, status: str | None = None, in_force: bool = False):
    qs = _quarantines().filter(campus=request.campus)
    if status:
        qs = qs.filter(status=status)
    if in_force:
        today = timezone.localdate()
        qs = qs.filter(active=True, start_date__lte=today, end_date__gte=today)
    return qs.order_by("-start_date", "-id")


@router.post(f"{BASE}/quarantines", response={201: QuarantineOut}, url_name="health_quarantine_create")
@requires(MANAGE_DISEASE)
def quarantine_create(request, payload: QuarantineIn):
    data = resolve_refs(request, payload.dict(), {"school_class": SchoolClass, "disease": Disease})
    q = services.quarantine_create(actor=request.user, campus=request.campus, **data)
    return Status(201, get_in_campus(request, _quarantines(), pk=q.pk))


@router.get(
    f"{BASE}/quarantines/{{quarantine_id}}", response=QuarantineOut, url_name="health_quarantine_detail"
)
@requires(VIEW_DISEASE)
def quarantine_detail(request, quarantine_id: int):
    return get_in_campus(request, _quarantines(), pk=quarantine_id)


@router.post(f"{BASE}/quarantines/{{quarantine_id}}/confirm", response=QuarantineOut,
             url_name="health_quarantine_confirm")  # fmt: skip
@requires(MANAGE_DISEASE)
def quarantine_confirm(request, quarantine_id: int, payload: ConfirmIn):
    q = get_in_campus(request, _quarantines(), pk=quarantine_id)
    return services.quarantine_confirm(actor=request.user, quarantine=q, start_date=payload.start_date,
                                       end_date=payload.end_date)  # fmt: skip


@router.post(
    f"{BASE}/quarantines/{{quarantine_id}}/end", response=QuarantineOut, url_name="health_quarantine_end"
)
@requires(MANAGE_DISEASE)
def quarantine_end(request, quarantine_id: int, payload: ReasonIn):
    """Lift a quarantine in force, or cancel a proposed one."""
    q = get_in_campus(request, _quarantines(), pk=quarantine_id)
    return services.quarantine_end(actor=request.user, quarantine=q, reason=payload.reason)


# --- Outbreak alerts --------------------------------------------------------------------------------


class OutbreakOut(Schema):
    id: int
    number: str
    school_class: int = Field(alias="school_class_id")
    class_name: str
    disease: int | None = Field(alias="disease_id")
    rule: str
    rule_label: str
    case_count: int
    cases: list[int] = []
    first_onset: dt.date
    last_onset: dt.date
    raised_at: dt.datetime
    report_due_at: dt.datetime
    is_overdue: bool
    status: str
    symptoms: str
    measures: str
    reported_at: dt.datetime | None
    reported_to: str
    report_method: str
    reported_by: str | None
    closed_at: dt.datetime | None
    close_note: str

    @staticmethod
    def resolve_class_name(obj):
        return obj.school_class.name

    @staticmethod
    def resolve_reported_by(obj):
        return _name(obj.reported_by)

    @staticmethod
    def resolve_cases(obj):
        return [c.pk for c in obj.cases.all()]


class ReportIn(Schema):
    reported_to: str
    method: str = ""
    measures: str = ""
    reported_at: dt.datetime | None = None


class CloseIn(Schema):
    note: str = ""


def _alerts():
    return OutbreakAlert.objects.select_related("school_class", "reported_by").prefetch_related("cases")


@router.get(f"{BASE}/outbreaks", response=list[OutbreakOut], url_name="health_outbreak_list")
@requires(VIEW_DISEASE)
@paginate(LimitOffset)
def outbreak_list(request, status: str | None = None):
    qs = _alerts().filter(campus=request.campus)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-raised_at", "-id")


@router.get(f"{BASE}/outbreaks/{{alert_id}}", response=OutbreakOut, url_name="health_outbreak_detail")
@requires(VIEW_DISEASE)
def outbreak_detail(request, alert_id: int):
    return get_in_campus(request, _alerts(), pk=alert_id)


@router.post(f"{BASE}/outbreaks/{{alert_id}}/report", response=OutbreakOut, url_name="health_outbreak_report")
@requires(MANAGE_DISEASE)
def outbreak_report(request, alert_id: int, payload: ReportIn):
    """Mark as reported: to whom, how, when (now by default) and the measures taken."""
    alert = get_in_campus(request, _alerts(), pk=alert_id)
    services.outbreak_report(actor=request.user, alert=alert, reported_to=payload.reported_to,
                             method=payload.method, measures=payload.measures, reported_at=payload.reported_at)  # fmt: skip
    return get_in_campus(request, _alerts(), pk=alert_id)


@router.post(f"{BASE}/outbreaks/{{alert_id}}/close", response=OutbreakOut, url_name="health_outbreak_close")
@requires(MANAGE_DISEASE)
def outbreak_close(request, alert_id: int, payload: CloseIn):
    alert = get_in_campus(request, _alerts(), pk=alert_id)
    services.outbreak_close(actor=request.user, alert=alert, note=payload.note)
    return get_in_campus(request, _alerts(), pk=alert_id)


# --- Concentration tests ------------------------------------------------------------------------------


class TestOut(Schema):
    id: int
    date: dt.date
    disinfectant: str
    product: str
    purpose: str
    school_class: int | None = Field(alias="school_class_id")
    place: str
    target_min: Decimal
    target_max: Decimal
    measured: Decimal
    passed: bool
    method: str
    redo_of: int | None = Field(alias="redo_of_id")
    tested_by: str | None
    tested_at: dt.datetime
    note: str
    is_void: bool
    void_reason: str

    @staticmethod
    def resolve_tested_by(obj):
        return _name(obj.tested_by)


class TestIn(Schema):
    date: dt.date | None = None
    disinfectant: str = ConcentrationTest.Disinfectant.CHLORINE.value
    product: str = ""
    purpose: str = ""
    school_class: int | None = None
    place: str = ""
    target_min: Decimal | None = Field(None, description="Empty: the campus setting for chlorine")
    target_max: Decimal | None = None
    measured: Decimal
    method: str = "试纸比色"
    note: str = ""
    redo_of: int | None = Field(None, description="The failed test this one redoes")


def _tests():
    return ConcentrationTest.objects.select_related("tested_by")


@router.get(f"{BASE}/disinfection/tests", response=list[TestOut], url_name="health_concentration_list")
@requires(VIEW_DISINFECTION)
@paginate(LimitOffset)
def concentration_list(request, passed: bool | None = None, awaiting_redo: bool = False):
    qs = _tests().filter(campus=request.campus)
    if passed is not None:
        qs = qs.filter(passed=passed, is_void=False)
    if awaiting_redo:
        redone = ConcentrationTest.objects.filter(redo_of=OuterRef("pk"), is_void=False)
        qs = qs.filter(passed=False, is_void=False).exclude(Exists(redone))
    return qs.order_by("-date", "-tested_at", "-id")


@router.post(f"{BASE}/disinfection/tests", response={201: TestOut}, url_name="health_concentration_create")
@requires(RECORD_DISINFECTION)
def concentration_create(request, payload: TestIn):
    """Record a test; failed when outside the target. A redo names the failed test in ``redo_of``."""
    data = resolve_refs(request, payload.dict(), {"school_class": SchoolClass, "redo_of": ConcentrationTest})
    redo_of = data.pop("redo_of", None)
    test = services.concentration_test_record(
        actor=request.user, campus=request.campus, data=data, redo_of=redo_of
    )
    return Status(201, get_in_campus(request, _tests(), pk=test.pk))


@router.get(
    f"{BASE}/disinfection/tests/{{test_id}}", response=TestOut, url_name="health_concentration_detail"
)
@requires(VIEW_DISINFECTION)
def concentration_detail(request, test_id: int):
    return get_in_campus(request, _tests(), pk=test_id)


@router.post(
    f"{BASE}/disinfection/tests/{{test_id}}/void", response=TestOut, url_name="health_concentration_void"
)
@requires(RECORD_DISINFECTION)
def concentration_void(request, test_id: int, payload: ReasonIn):
    services.concentration_test_void(actor=request.user, test=get_in_campus(request, _tests(), pk=test_id),
                                     reason=payload.reason)  # fmt: skip
    return get_in_campus(request, _tests(), pk=test_id)


# --- Health education ---------------------------------------------------------------------------------


class LessonOut(Schema):
    id: int
    school_class: int = Field(alias="school_class_id")
    date: dt.date
    topic: str
    teacher: int | None = Field(alias="teacher_id")
    teacher_name: str | None
    summary: str
    is_void: bool
    void_reason: str

    @staticmethod
    def resolve_teacher_name(obj):
        return _name(obj.teacher)


class LessonIn(Schema):
    school_class: int
    date: dt.date
    topic: str
    teacher: int | None = None
    summary: str = ""


class BoardOut(Schema):
    id: int
    date: dt.date
    topic: str
    location: str
    note: str
    changed_by: str | None
    is_void: bool
    void_reason: str

    @staticmethod
    def resolve_changed_by(obj):
        return _name(obj.changed_by)


class BoardIn(Schema):
    date: dt.date
    topic: str
    location: str = ""
    note: str = ""


class GridRow(Schema):
    school_class: int
    class_name: str
    counts: list[int]


class GridOut(Schema):
    months: list[str]
    rows: list[GridRow]


@router.get(f"{BASE}/education/lessons", response=list[LessonOut], url_name="health_lesson_list")
@requires(VIEW_EDUCATION)
@paginate(LimitOffset)
def lesson_list(
    request, school_class: int | None = None, month: str | None = Query(None, description="2026-11")
):  # noqa: B008
    qs = HealthLesson.objects.select_related("teacher").filter(campus=request.campus, is_void=False)
    if school_class is not None:
        qs = qs.filter(school_class_id=school_class)
    if month:
        from houqin.health.disease_forms import parse_month

        first, last = services.month_bounds(parse_month(month))
        qs = qs.filter(date__range=(first, last))
    return qs.order_by("-date", "-id")


@router.post(f"{BASE}/education/lessons", response={201: LessonOut}, url_name="health_lesson_create")
@requires(RECORD_EDUCATION)
def lesson_create(request, payload: Form[LessonIn], photos: File[list[UploadedFile]] = None):  # noqa: B008
    """Record a lesson (multipart: the fields and optional materials ``photos``)."""
    data = resolve_refs(request, payload.dict(), {"school_class": SchoolClass, "teacher": "member"})
    lesson = services.lesson_record(actor=request.user, campus=request.campus, data=data, photos=photos or [])
    return Status(201, lesson)


@router.post(
    f"{BASE}/education/lessons/{{lesson_id}}/void", response=LessonOut, url_name="health_lesson_void"
)
@requires(RECORD_EDUCATION)
def lesson_void(request, lesson_id: int, payload: ReasonIn):
    lesson = get_in_campus(request, HealthLesson.objects.select_related("teacher"), pk=lesson_id)
    return services.lesson_void(actor=request.user, lesson=lesson, reason=payload.reason)


@router.get(f"{BASE}/education/lessons/grid", response=GridOut, url_name="health_lesson_grid")
@requires(VIEW_EDUCATION)
def lesson_grid(request, date_from: str = Query(..., description="First month, 2026-09"),  # noqa: B008
                date_to: str = Query(..., description="Last month, 2027-01")):  # noqa: B008  # fmt: skip
    """Lessons per class and month (a month with 0 is a class without a lesson)."""
    from houqin.health.disease_forms import parse_month

    start, end = parse_month(date_from), parse_month(date_to)
    if end < start:
        raise ValidationError({"date_to": [_("The end must not be before the start.")]})
    months = []
    while start <= end and len(months) < 24:
        months.append(start)
        start = (start + dt.timedelta(days=32)).replace(day=1)
    grid = services.lesson_grid(request.campus, months)
    return {"months": [f"{m:%Y-%m}" for m in months],
            "rows": [{"school_class": c.pk, "class_name": c.name, "counts": counts} for c, counts in grid["rows"]]}  # fmt: skip


@router.get(f"{BASE}/education/board", response=list[BoardOut], url_name="health_board_list")
@requires(VIEW_EDUCATION)
@paginate(LimitOffset)
def board_list(request):
    return (
        PublicityBoardChange.objects.select_related("changed_by")
        .filter(campus=request.campus)
        .order_by("-date", "-id")
    )


@router.post(f"{BASE}/education/board", response={201: BoardOut}, url_name="health_board_create")
@requires(RECORD_EDUCATION)
def board_create(request, payload: Form[BoardIn], photos: File[list[UploadedFile]] = None):  # noqa: B008
    """Log a publicity board change (multipart: the fields and ``photos``, required)."""
    change = services.board_record(
        actor=request.user, campus=request.campus, data=payload.dict(), photos=photos or []
    )
    return Status(201, change)


@router.post(f"{BASE}/education/board/{{change_id}}/void", response=BoardOut, url_name="health_board_void")
@requires(RECORD_EDUCATION)
def board_void(request, change_id: int, payload: ReasonIn):
    change = get_in_campus(request, PublicityBoardChange.objects.select_related("changed_by"), pk=change_id)
    return services.board_void(actor=request.user, change=change, reason=payload.reason)
