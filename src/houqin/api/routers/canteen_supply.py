"""Canteen supply (定点供应商、进货查验、食品仓库): food suppliers with their certificates and
contracts, receiving inspections with two signers, the food store's batches, stock-outs
signed by the keeper and the cook, and disposals.

The same permissions as the pages, and every write through
:mod:`houqin.canteen.supply_services` (validated, audited). Scans and photos are uploaded
as multipart ``file`` to ``…/files``. A receiving recorded by one person takes effect
only when another confirms it; a stock-out when both the keeper and the cook have signed.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Field, File, PatchDict, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import get_in_campus, resolve_refs
from houqin.api.helpers import user_name as _name
from houqin.api.pagination import LimitOffset
from houqin.api.schemas import AttachmentOut
from houqin.canteen import supply_services as services
from houqin.canteen.models import (
    FoodBatch,
    FoodDisposal,
    FoodSupplier,
    Ingredient,
    Receiving,
    ReceivingLine,
    StockOut,
    StockOutLine,
    SupplierCertificate,
    SupplyContract,
)
from houqin.core.attachments import attachment_add

router = Router(tags=["canteen-supply"])

VIEW_SUPPLIERS, MANAGE_SUPPLIERS = services.VIEW_SUPPLIERS, services.MANAGE_SUPPLIERS
VIEW_RECEIVING, RECEIVE, KEEP, COOK = services.VIEW_RECEIVING, services.RECEIVE, services.KEEP, services.COOK


class ReasonIn(Schema):
    reason: str


# --- Suppliers ----------------------------------------------------------------------------


class FoodSupplierOut(Schema):
    id: int
    supplier: int = Field(alias="supplier_id")
    name: str = Field(alias="supplier.name")
    contact: str = Field(alias="supplier.contact")
    phone: str = Field(alias="supplier.phone")
    address: str = Field(alias="supplier.address")
    credit_code: str = Field(alias="supplier.credit_code")
    is_active: bool = Field(alias="supplier.is_active")
    is_designated: bool
    categories: list[str] = Field(alias="category_list")
    designated_on: dt.date | None
    note: str


class FoodSupplierIn(Schema):
    supplier: int | None = Field(None, description="An existing supplier of the campus; else give a name")
    name: str = ""
    contact: str = ""
    phone: str = ""
    address: str = ""
    credit_code: str = ""
    is_designated: bool = True
    categories: list[str] = Field(default_factory=list, description="vegetable, meat, poultry, dairy, egg…")
    designated_on: dt.date | None = None
    note: str = ""


class CertificateOut(Schema):
    id: int
    supplier: int = Field(alias="supplier_id")
    supplier_name: str = Field(alias="supplier.name")
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    title: str
    number: str
    issuer: str
    issued_on: dt.date | None
    expires_on: dt.date | None
    note: str
    is_void: bool
    void_reason: str


class CertificateIn(Schema):
    supplier: int
    kind: str
    title: str = ""
    number: str
    issuer: str = ""
    issued_on: dt.date | None = None
    expires_on: dt.date | None = Field(None, description="Empty: no expiry (长期)")
    note: str = ""


class ContractOut(Schema):
    id: int
    supplier: int = Field(alias="supplier_id")
    supplier_name: str = Field(alias="supplier.name")
    number: str
    title: str
    signed_on: dt.date | None
    start_date: dt.date
    end_date: dt.date
    note: str
    is_void: bool
    void_reason: str


class ContractIn(Schema):
    supplier: int
    number: str = ""
    title: str
    signed_on: dt.date | None = None
    start_date: dt.date
    end_date: dt.date
    note: str = ""


class SupplierStatusOut(Schema):
    supplier: int
    on_date: dt.date
    can_deliver: bool
    required: list[str]
    problems: list[str]


def _profiles():
    return FoodSupplier.objects.select_related("supplier")


@router.get("/canteen/suppliers", response=list[FoodSupplierOut], url_name="canteen_supply_supplier_list")
@requires(VIEW_SUPPLIERS)
@paginate(LimitOffset)
def supplier_list(request, category: str | None = None, designated: bool | None = None):
    """Food suppliers (定点供应商): procurement suppliers with the canteen's profile."""
    qs = _profiles().filter(campus=request.campus).order_by("supplier__name", "id")
    if category:
        qs = qs.filter(categories__contains=f",{category},")
    if designated is not None:
        qs = qs.filter(is_designated=designated)
    return qs


@router.post("/canteen/suppliers", response={201: FoodSupplierOut}, url_name="canteen_supply_supplier_create")
@requires(MANAGE_SUPPLIERS)
def supplier_create(request, payload: FoodSupplierIn):
    """Make a supplier a food supplier (an existing one, or a new one from the name)."""
    from houqin.procurement.models import Supplier

    supplier = None
    if payload.supplier is not None:
        supplier = get_in_campus(request, Supplier.objects.all(), pk=payload.supplier)
    data = payload.dict()
    profile = services.food_supplier_save(
        actor=request.user, campus=request.campus, supplier=supplier,
        supplier_data={k: data[k] for k in services.SUPPLIER_FIELDS if data.get(k)},
        data={k: data[k] for k in ("is_designated", "categories", "designated_on", "note")},
    )  # fmt: skip
    return Status(201, get_in_campus(request, _profiles(), pk=profile.pk))


@router.get(
    "/canteen/suppliers/{int:profile_id}", response=FoodSupplierOut, url_name="canteen_supply_supplier_detail"
)
@requires(VIEW_SUPPLIERS)
def supplier_detail(request, profile_id: int):
    return get_in_campus(request, _profiles(), pk=profile_id)


@router.patch("/canteen/suppliers/{int:profile_id}", response=FoodSupplierOut,
              url_name="canteen_supply_supplier_update")  # fmt: skip
@requires(MANAGE_SUPPLIERS)
def supplier_update(request, profile_id: int, payload: PatchDict[FoodSupplierIn]):
    """Change the supplier's contact data or the canteen's profile (only the fields sent)."""
    profile = get_in_campus(request, _profiles(), pk=profile_id)
    data = dict(payload)
    services.food_supplier_save(
        actor=request.user, campus=request.campus, profile=profile,
        supplier_data={k: data[k] for k in services.SUPPLIER_FIELDS if k in data},
        data={k: data[k] for k in ("is_designated", "categories", "designated_on", "note") if k in data},
    )  # fmt: skip
    return get_in_campus(request, _profiles(), pk=profile_id)


@router.get("/canteen/suppliers/{int:profile_id}/status", response=SupplierStatusOut,
            url_name="canteen_supply_supplier_status")  # fmt: skip
@requires(VIEW_SUPPLIERS)
def supplier_status(request, profile_id: int, on_date: dt.date | None = None):
    """Whether the supplier's deliveries can be received on a date, and why not."""
    from django.utils import timezone

    profile = get_in_campus(request, _profiles(), pk=profile_id)
    on_date = on_date or timezone.localdate()
    problems = services.certificate_problems(profile.supplier, on_date, profile=profile)
    return {
        "supplier": profile.supplier_id, "on_date": on_date, "required": services.required_kinds(request.campus, profile),
        "problems": problems, "can_deliver": not problems and profile.is_designated and profile.supplier.is_active,
    }  # fmt: skip


def _certificates():
    return SupplierCertificate.objects.select_related("supplier")


def _food_supplier(request, pk):
    from houqin.procurement.models import Supplier

    return get_in_campus(request, Supplier.objects.filter(food_profile__isnull=False), pk=pk)


@router.get(
    "/canteen/suppliers/certificates",
    response=list[CertificateOut],
    url_name="canteen_supply_certificate_list",
)
@requires(VIEW_SUPPLIERS)
@paginate(LimitOffset)
def certificate_list(request, supplier: int | None = None, kind: str | None = None, expiring: bool = False):
    """Supplier certificates; ``expiring``: current ones expired or within the first reminder."""
    qs = (
        services.expiring_certificates(request.campus)
        if expiring
        else _certificates().filter(campus=request.campus)
    )
    if supplier is not None:
        qs = qs.filter(supplier_id=supplier)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("supplier").order_by("expires_on", "id")


@router.post(
    "/canteen/suppliers/certificates",
    response={201: CertificateOut},
    url_name="canteen_supply_certificate_create",
)
@requires(MANAGE_SUPPLIERS)
def certificate_create(request, payload: CertificateIn):
    data = payload.dict()
    cert = services.certificate_save(
        actor=request.user, campus=request.campus, supplier=_food_supplier(request, payload.supplier),
        data={k: data[k] for k in services.CERTIFICATE_FIELDS},
    )  # fmt: skip
    return Status(201, get_in_campus(request, _certificates(), pk=cert.pk))


@router.get(
    "/canteen/suppliers/certificates/{cert_id}",
    response=CertificateOut,
    url_name="canteen_supply_certificate_detail",
)
@requires(VIEW_SUPPLIERS)
def certificate_detail(request, cert_id: int):
    return get_in_campus(request, _certificates(), pk=cert_id)


@router.patch("/canteen/suppliers/certificates/{cert_id}", response=CertificateOut,
              url_name="canteen_supply_certificate_update")  # fmt: skip
@requires(MANAGE_SUPPLIERS)
def certificate_update(request, cert_id: int, payload: PatchDict[CertificateIn]):
    """Correct a certificate (a changed expiry date starts the reminders again)."""
    cert = get_in_campus(request, _certificates(), pk=cert_id)
    data = dict(payload)
    services.certificate_save(actor=request.user, campus=request.campus, certificate=cert,
                              data={k: data[k] for k in services.CERTIFICATE_FIELDS if k in data})  # fmt: skip
    return get_in_campus(request, _certificates(), pk=cert_id)


@router.post("/canteen/suppliers/certificates/{cert_id}/void", response=CertificateOut,
             url_name="canteen_supply_certificate_void")  # fmt: skip
@requires(MANAGE_SUPPLIERS)
def certificate_void(request, cert_id: int, payload: ReasonIn):
    services.certificate_void(actor=request.user, certificate=get_in_campus(request, _certificates(), pk=cert_id),
                              reason=payload.reason)  # fmt: skip
    return get_in_campus(request, _certificates(), pk=cert_id)


@router.post("/canteen/suppliers/certificates/{cert_id}/files", response={201: AttachmentOut},
             url_name="canteen_supply_certificate_file")  # fmt: skip
@requires(MANAGE_SUPPLIERS)
def certificate_file(request, cert_id: int, file: UploadedFile = File(...)):  # noqa: B008
    """Attach a scan or photo of the certificate."""
    cert = get_in_campus(request, _certificates(), pk=cert_id)
    if cert.is_void:
        raise ValidationError(_("A void certificate is not changed."))
    return Status(201, attachment_add(actor=request.user, obj=cert, uploaded_file=file, kind="scan"))


def _contracts():
    return SupplyContract.objects.select_related("supplier")


@router.get(
    "/canteen/suppliers/contracts", response=list[ContractOut], url_name="canteen_supply_contract_list"
)
@requires(VIEW_SUPPLIERS)
@paginate(LimitOffset)
def contract_list(request, supplier: int | None = None):
    qs = _contracts().filter(campus=request.campus).order_by("-end_date", "-id")
    if supplier is not None:
        qs = qs.filter(supplier_id=supplier)
    return qs


@router.post(
    "/canteen/suppliers/contracts", response={201: ContractOut}, url_name="canteen_supply_contract_create"
)
@requires(MANAGE_SUPPLIERS)
def contract_create(request, payload: ContractIn):
    data = payload.dict()
    contract = services.contract_save(
        actor=request.user, campus=request.campus, supplier=_food_supplier(request, payload.supplier),
        data={k: data[k] for k in services.CONTRACT_FIELDS},
    )  # fmt: skip
    return Status(201, get_in_campus(request, _contracts(), pk=contract.pk))


@router.get(
    "/canteen/suppliers/contracts/{contract_id}",
    response=ContractOut,
    url_name="canteen_supply_contract_detail",
)
@requires(VIEW_SUPPLIERS)
def contract_detail(request, contract_id: int):
    return get_in_campus(request, _contracts(), pk=contract_id)


@router.post(
    "/canteen/suppliers/contracts/{contract_id}/void",
    response=ContractOut,
    url_name="canteen_supply_contract_void",
)
@requires(MANAGE_SUPPLIERS)
def contract_void(request, contract_id: int, payload: ReasonIn):
    services.contract_void(actor=request.user, contract=get_in_campus(request, _contracts(), pk=contract_id),
                           reason=payload.reason)  # fmt: skip
    return get_in_campus(request, _contracts(), pk=contract_id)


@router.post("/canteen/suppliers/contracts/{contract_id}/files", response={201: AttachmentOut},
             url_name="canteen_supply_contract_file")  # fmt: skip
@requires(MANAGE_SUPPLIERS)
def contract_file(request, contract_id: int, file: UploadedFile = File(...)):  # noqa: B008
    contract = get_in_campus(request, _contracts(), pk=contract_id)
    if contract.is_void:
        raise ValidationError(_("A void contract is not changed."))
    return Status(201, attachment_add(actor=request.user, obj=contract, uploaded_file=file, kind="file"))


# --- Receiving ----------------------------------------------------------------------------


class ReceivingLineOut(Schema):
    id: int
    position: int
    ingredient: int | None = Field(alias="ingredient_id")
    name: str
    spec: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    production_date: dt.date | None
    batch_no: str
    shelf_life_days: int | None
    best_before: dt.date | None
    is_fresh_produce: bool
    storage: str
    appearance_ok: bool
    smell_ok: bool
    packaging_ok: bool
    temperature_c: Decimal | None
    result: str
    reject_reason: str
    location: str
    batch: int | None = Field(alias="batch_id")


class ReceivingOut(Schema):
    id: int
    number: str
    supplier: int = Field(alias="supplier_id")
    supplier_name: str = Field(alias="supplier.name")
    delivered_at: dt.datetime
    delivery_note_no: str
    note: str
    status: str
    status_display: str = Field(alias="get_status_display")
    recorded_by: int = Field(alias="recorded_by_id")
    recorded_by_name: str | None = None
    confirmed_by: int | None = Field(alias="confirmed_by_id")
    confirmed_by_name: str | None = None
    confirmed_at: dt.datetime | None
    void_reason: str
    retain_until: dt.date | None
    certificates_checked: list[dict]
    lines: list[ReceivingLineOut] = []

    @staticmethod
    def resolve_recorded_by_name(obj):
        return _name(obj.recorded_by)

    @staticmethod
    def resolve_confirmed_by_name(obj):
        return _name(obj.confirmed_by)

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class ReceivingLineIn(Schema):
    ingredient: int | None = Field(None, description="An ingredient of the campus; or give the name")
    name: str = ""
    spec: str = ""
    quantity: Decimal
    unit: str = "kg"
    unit_price: Decimal = Decimal("0")
    production_date: dt.date | None = None
    batch_no: str = ""
    shelf_life_days: int | None = None
    best_before: dt.date | None = None
    is_fresh_produce: bool = False
    storage: str = Field("ambient", description="ambient, chilled or frozen")
    appearance_ok: bool = True
    smell_ok: bool = True
    packaging_ok: bool = True
    temperature_c: Decimal | None = None
    result: str = Field("accepted", description="accepted or rejected")
    reject_reason: str = ""
    location: str = ""


class ReceivingIn(Schema):
    supplier: int
    delivered_at: dt.datetime | None = Field(None, description="Empty: now")
    delivery_note_no: str = ""
    note: str = ""
    lines: list[ReceivingLineIn]


def _receivings():
    lines = ReceivingLine.objects.order_by("position", "id")
    return Receiving.objects.select_related("supplier", "recorded_by", "confirmed_by").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def _receiving(request, receiving_id):
    return get_in_campus(request, _receivings(), pk=receiving_id)


def _receiving_lines(request, lines):
    out = []
    for line in lines:
        data = resolve_refs(request, line.dict(), {"ingredient": Ingredient})
        out.append(data)
    return out


@router.get("/canteen/receiving", response=list[ReceivingOut], url_name="canteen_supply_receiving_list")
@requires(VIEW_RECEIVING)
@paginate(LimitOffset)
def receiving_list(request, status: str | None = None, supplier: int | None = None,
                   date_from: dt.date | None = None, date_to: dt.date | None = None):  # fmt: skip
    """Receiving inspections (进货查验), newest first."""
    qs = _receivings().filter(campus=request.campus).order_by("-delivered_at", "-id")
    if status:
        qs = qs.filter(status=status)
    if supplier is not None:
        qs = qs.filter(supplier_id=supplier)
    if date_from:
        qs = qs.filter(delivered_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(delivered_at__date__lte=date_to)
    return qs


@router.post("/canteen/receiving", response={201: ReceivingOut}, url_name="canteen_supply_receiving_create")
@requires(RECEIVE)
def receiving_create(request, payload: ReceivingIn):
    """Record a delivery as the first signer; refused when a required certificate of the
    supplier is missing or expired."""
    receiving = services.receiving_record(
        actor=request.user, campus=request.campus, supplier=_food_supplier(request, payload.supplier),
        delivered_at=payload.delivered_at, lines=_receiving_lines(request, payload.lines),
        delivery_note_no=payload.delivery_note_no, note=payload.note,
    )  # fmt: skip
    return Status(201, _receiving(request, receiving.pk))


@router.get(
    "/canteen/receiving/{receiving_id}", response=ReceivingOut, url_name="canteen_supply_receiving_detail"
)
@requires(VIEW_RECEIVING)
def receiving_detail(request, receiving_id: int):
    return _receiving(request, receiving_id)


@router.patch(
    "/canteen/receiving/{receiving_id}", response=ReceivingOut, url_name="canteen_supply_receiving_update"
)
@requires(RECEIVE)
def receiving_update(request, receiving_id: int, payload: ReceivingIn):
    """Correct a receiving still waiting for its second signer (lines replaced)."""
    from django.utils import timezone

    services.receiving_update(
        actor=request.user, receiving=_receiving(request, receiving_id),
        supplier=_food_supplier(request, payload.supplier), delivered_at=payload.delivered_at or timezone.now(),
        lines=_receiving_lines(request, payload.lines), delivery_note_no=payload.delivery_note_no, note=payload.note,
    )  # fmt: skip
    return _receiving(request, receiving_id)


@router.post("/canteen/receiving/{receiving_id}/confirm", response=ReceivingOut,
             url_name="canteen_supply_receiving_confirm")  # fmt: skip
@requires(RECEIVE)
def receiving_confirm(request, receiving_id: int):
    """The second signer (another person) confirms: accepted lines become food batches."""
    services.receiving_confirm(actor=request.user, receiving=_receiving(request, receiving_id))
    return _receiving(request, receiving_id)


@router.post("/canteen/receiving/{receiving_id}/void", response=ReceivingOut,
             url_name="canteen_supply_receiving_void")  # fmt: skip
@requires(RECEIVE)
def receiving_void(request, receiving_id: int, payload: ReasonIn):
    services.receiving_void(
        actor=request.user, receiving=_receiving(request, receiving_id), reason=payload.reason
    )
    return _receiving(request, receiving_id)


@router.delete(
    "/canteen/receiving/{receiving_id}", response={204: None}, url_name="canteen_supply_receiving_delete"
)
@requires(KEEP)
def receiving_delete(request, receiving_id: int):
    """Delete a record whose retention period is over; refused before."""
    services.receiving_delete(actor=request.user, receiving=_receiving(request, receiving_id))
    return Status(204, None)


@router.post("/canteen/receiving/{receiving_id}/files", response={201: AttachmentOut},
             url_name="canteen_supply_receiving_file")  # fmt: skip
@requires(RECEIVE)
def receiving_file(request, receiving_id: int, file: UploadedFile = File(...)):  # noqa: B008
    """Attach a ticket or photo (索证索票)."""
    receiving = _receiving(request, receiving_id)
    if receiving.status == Receiving.Status.VOID:
        raise ValidationError(_("The receiving is void."))
    return Status(201, attachment_add(actor=request.user, obj=receiving, uploaded_file=file, kind="photo"))


# --- Food store -----------------------------------------------------------------------------


class BatchOut(Schema):
    id: int
    number: str
    name: str
    ingredient: int | None = Field(alias="ingredient_id")
    supplier: int = Field(alias="supplier_id")
    supplier_name: str = Field(alias="supplier.name")
    spec: str
    unit: str
    quantity_received: Decimal
    quantity_on_hand: Decimal
    unit_price: Decimal
    received_on: dt.date
    production_date: dt.date | None
    batch_no: str
    shelf_life_days: int | None
    best_before: dt.date | None
    location: str
    status: str
    is_blocked: bool
    blocked_reason: str


class BatchFilters(Schema):
    status: str | None = None
    ingredient: int | None = None
    expired: bool | None = Field(None, description="In stock and past the best-before date")
    blocked: bool | None = None
    issuable_on: dt.date | None = Field(
        None, description="Only batches that may be issued that day, FEFO order"
    )


@router.get("/canteen/store/batches", response=list[BatchOut], url_name="canteen_supply_batch_list")
@requires(VIEW_RECEIVING)
@paginate(LimitOffset)
def batch_list(request, filters: Query[BatchFilters]):
    """Food batches of the store (食品仓库)."""
    from django.utils import timezone

    if filters.issuable_on:
        qs = services.issuable_batches(request.campus, filters.issuable_on).order_by(
            "name", "best_before", "received_on", "pk"
        )
    else:
        qs = (
            FoodBatch.objects.filter(campus=request.campus)
            .select_related("supplier")
            .order_by("best_before", "received_on", "pk")
        )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.ingredient is not None:
        qs = qs.filter(ingredient_id=filters.ingredient)
    if filters.expired:
        qs = qs.filter(status=FoodBatch.Status.IN_STOCK, best_before__lt=timezone.localdate())
    if filters.blocked is not None:
        qs = qs.filter(is_blocked=filters.blocked)
    return qs


@router.get("/canteen/store/batches/{batch_id}", response=BatchOut, url_name="canteen_supply_batch_detail")
@requires(VIEW_RECEIVING)
def batch_detail(request, batch_id: int):
    return get_in_campus(request, FoodBatch.objects.select_related("supplier"), pk=batch_id)


class FefoLineOut(Schema):
    batch: BatchOut
    quantity: Decimal


@router.get("/canteen/store/fefo", response=list[FefoLineOut], url_name="canteen_supply_fefo")
@requires(VIEW_RECEIVING)
def fefo(
    request, quantity: Decimal, on_date: dt.date | None = None, ingredient: int | None = None, name: str = ""
):
    """Proposed stock-out lines for a food: its batches first expiry, first out (先到期先出)."""
    from django.utils import timezone

    found = (
        get_in_campus(request, Ingredient.objects.all(), pk=ingredient) if ingredient is not None else None
    )
    if found is None and not name:
        raise ValidationError({"ingredient": [_("Give an ingredient or a name.")]})
    lines = services.fefo_suggestion(request.campus, on_date or timezone.localdate(), ingredient=found, name=name,
                                     quantity=quantity)  # fmt: skip
    return [{"batch": b, "quantity": q} for b, q in lines]


class StockOutLineOut(Schema):
    id: int
    batch: int = Field(alias="batch_id")
    batch_number: str = Field(alias="batch.number")
    name: str = Field(alias="batch.name")
    quantity: Decimal
    fefo_reason: str


class StockOutOut(Schema):
    id: int
    number: str
    date: dt.date
    meal: str
    meal_display: str = Field(alias="get_meal_display")
    note: str
    status: str
    recorded_by: int = Field(alias="recorded_by_id")
    keeper: int | None = Field(alias="keeper_id")
    keeper_signed_at: dt.datetime | None
    cook: int | None = Field(alias="cook_id")
    cook_signed_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    reversed_at: dt.datetime | None
    reverse_reason: str
    void_reason: str
    lines: list[StockOutLineOut] = []

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class StockOutLineIn(Schema):
    batch: int
    quantity: Decimal
    fefo_reason: str = ""


class StockOutIn(Schema):
    date: dt.date
    meal: str = Field(description="breakfast, morning_snack, lunch, afternoon_snack or dinner")
    note: str = ""
    sign_as: str | None = Field(None, description="keeper or cook: sign at once")
    lines: list[StockOutLineIn]


class SignIn(Schema):
    role: str = Field(description="keeper or cook")


def _stock_outs():
    lines = StockOutLine.objects.select_related("batch").order_by("id")
    return StockOut.objects.prefetch_related(Prefetch("lines", queryset=lines))


def _stock_out(request, pk):
    return get_in_campus(request, _stock_outs(), pk=pk)


@router.get("/canteen/store/stock-outs", response=list[StockOutOut], url_name="canteen_supply_stockout_list")
@requires(VIEW_RECEIVING)
@paginate(LimitOffset)
def stockout_list(request, date: dt.date | None = None, meal: str | None = None, status: str | None = None):
    qs = _stock_outs().filter(campus=request.campus).order_by("-date", "-id")
    if date:
        qs = qs.filter(date=date)
    if meal:
        qs = qs.filter(meal=meal)
    if status:
        qs = qs.filter(status=status)
    return qs


@router.post(
    "/canteen/store/stock-outs", response={201: StockOutOut}, url_name="canteen_supply_stockout_create"
)
@requires(COOK)
def stockout_create(request, payload: StockOutIn):
    """Record a stock-out for a date and meal (expired/blocked batches refused; a later batch
    than the first-expiring one needs ``fefo_reason``)."""
    batches = {
        b.pk: b
        for b in FoodBatch.objects.filter(campus=request.campus, pk__in=[ln.batch for ln in payload.lines])
    }
    missing = [ln.batch for ln in payload.lines if ln.batch not in batches]
    if missing:
        raise ValidationError(
            {"lines": [_("Select a valid choice. That choice is not one of the available choices.")]}
        )
    stock_out = services.stock_out_create(
        actor=request.user, campus=request.campus, date=payload.date, meal=payload.meal, note=payload.note,
        sign_as=payload.sign_as or None,
        lines=[{"batch": batches[ln.batch], "quantity": ln.quantity, "fefo_reason": ln.fefo_reason}
               for ln in payload.lines],
    )  # fmt: skip
    return Status(201, _stock_out(request, stock_out.pk))


@router.get("/canteen/store/stock-outs/{stockout_id}", response=StockOutOut,
            url_name="canteen_supply_stockout_detail")  # fmt: skip
@requires(VIEW_RECEIVING)
def stockout_detail(request, stockout_id: int):
    return _stock_out(request, stockout_id)


@router.post("/canteen/store/stock-outs/{stockout_id}/sign", response=StockOutOut,
             url_name="canteen_supply_stockout_sign")  # fmt: skip
@requires(COOK)
def stockout_sign(request, stockout_id: int, payload: SignIn):
    """Sign as the keeper or the cook (two different people); the second signature confirms."""
    services.stock_out_sign(actor=request.user, stock_out=_stock_out(request, stockout_id), role=payload.role)
    return _stock_out(request, stockout_id)


@router.post("/canteen/store/stock-outs/{stockout_id}/void", response=StockOutOut,
             url_name="canteen_supply_stockout_void")  # fmt: skip
@requires(COOK)
def stockout_void(request, stockout_id: int, payload: ReasonIn):
    services.stock_out_void(
        actor=request.user, stock_out=_stock_out(request, stockout_id), reason=payload.reason
    )
    return _stock_out(request, stockout_id)


@router.post("/canteen/store/stock-outs/{stockout_id}/reverse", response=StockOutOut,
             url_name="canteen_supply_stockout_reverse")  # fmt: skip
@requires(KEEP)
def stockout_reverse(request, stockout_id: int, payload: ReasonIn):
    """Reverse a confirmed stock-out once: the quantities go back to their batches."""
    services.stock_out_reverse(
        actor=request.user, stock_out=_stock_out(request, stockout_id), reason=payload.reason
    )
    return _stock_out(request, stockout_id)


class DisposalOut(Schema):
    id: int
    number: str
    batch: int = Field(alias="batch_id")
    batch_number: str = Field(alias="batch.number")
    name: str = Field(alias="batch.name")
    quantity: Decimal
    disposed_on: dt.date
    reason: str
    detail: str
    method: str
    recorded_by: int = Field(alias="recorded_by_id")
    witness: int = Field(alias="witness_id")
    is_void: bool
    void_reason: str


class DisposalIn(Schema):
    batch: int
    quantity: Decimal
    reason: str = Field(description="expired, spoiled, positive_test or other")
    detail: str = ""
    method: str = ""
    witness: int
    disposed_on: dt.date | None = None


def _disposals():
    return FoodDisposal.objects.select_related("batch")


@router.get("/canteen/store/disposals", response=list[DisposalOut], url_name="canteen_supply_disposal_list")
@requires(VIEW_RECEIVING)
@paginate(LimitOffset)
def disposal_list(request, reason: str | None = None):
    qs = _disposals().filter(campus=request.campus).order_by("-disposed_on", "-id")
    if reason:
        qs = qs.filter(reason=reason)
    return qs


@router.post(
    "/canteen/store/disposals", response={201: DisposalOut}, url_name="canteen_supply_disposal_create"
)
@requires(KEEP)
def disposal_create(request, payload: DisposalIn):
    """Log food thrown away with the reason and a witness (another member of the campus)."""
    data = resolve_refs(request, payload.dict(), {"batch": FoodBatch, "witness": "member"})
    disposal = services.disposal_record(
        actor=request.user, campus=request.campus, batch=data["batch"], quantity=payload.quantity,
        reason=payload.reason, witness=data["witness"], detail=payload.detail, method=payload.method,
        disposed_on=payload.disposed_on,
    )  # fmt: skip
    return Status(201, get_in_campus(request, _disposals(), pk=disposal.pk))


@router.get("/canteen/store/disposals/{disposal_id}", response=DisposalOut,
            url_name="canteen_supply_disposal_detail")  # fmt: skip
@requires(VIEW_RECEIVING)
def disposal_detail(request, disposal_id: int):
    return get_in_campus(request, _disposals(), pk=disposal_id)


@router.post("/canteen/store/disposals/{disposal_id}/void", response=DisposalOut,
             url_name="canteen_supply_disposal_void")  # fmt: skip
@requires(KEEP)
def disposal_void(request, disposal_id: int, payload: ReasonIn):
    services.disposal_void(actor=request.user, disposal=get_in_campus(request, _disposals(), pk=disposal_id),
                           reason=payload.reason)  # fmt: skip
    return get_in_campus(request, _disposals(), pk=disposal_id)
