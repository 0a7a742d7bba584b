"""Factories of procurement (suppliers, purchasing); list-page models are added to LIST_FACTORIES.

``purchasing_world(campus)`` builds the people and catalogue a purchase needs (buyer,
logistics head, principal, accountant, teacher; a warehouse item with a location; a fixed
and a low-value asset category; suppliers) for the flow tests.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import factory

from houqin.procurement import models as pm
from tests.factories import LIST_FACTORIES, CampusFactory, MembershipFactory, UserFactory

__all__ = [
    "AcceptanceFactory",
    "InvoiceFactory",
    "PurchaseOrderFactory",
    "PurchaseOrderLineFactory",
    "PurchaseRequestFactory",
    "PurchaseRequestLineFactory",
    "QuoteFactory",
    "SupplierFactory",
    "approve_all",
    "approved_request",
    "asset_line",
    "direct_order",
    "purchasing_world",
    "raise_request",
    "stock_line",
]


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Supplier

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"供应商{n}")
    contact = "王经理"
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    scope = "办公用品"


class PurchaseRequestFactory(factory.django.DjangoModelFactory):
    """A request as a row (list pages); tests of the rules go through the services."""

    class Meta:
        model = pm.PurchaseRequest

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"CG-2026-{n + 1:04d}")
    title = factory.Sequence(lambda n: f"采购申请{n}")
    department = "后勤处"
    reason = "教学需要"
    requested_by = factory.SubFactory(UserFactory)
    estimated_total = Decimal("800.00")


class PurchaseRequestLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.PurchaseRequestLine

    request = factory.SubFactory(PurchaseRequestFactory)
    campus = factory.SelfAttribute("request.campus")
    kind = pm.LineKind.OTHER
    description = factory.Sequence(lambda n: f"服务{n}")
    quantity = Decimal("1")
    unit = "次"
    estimated_unit_price = Decimal("800.00")


class QuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Quote

    request = factory.SubFactory(PurchaseRequestFactory)
    campus = factory.SelfAttribute("request.campus")
    supplier = factory.SubFactory(SupplierFactory, campus=factory.SelfAttribute("..campus"))
    total = Decimal("780.00")


class PurchaseOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.PurchaseOrder

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"CGD-2026-{n + 1:04d}")
    request = factory.SubFactory(
        PurchaseRequestFactory,
        campus=factory.SelfAttribute("..campus"),
        status=pm.PurchaseRequest.Status.ORDERED,
    )
    supplier = factory.SubFactory(SupplierFactory, campus=factory.SelfAttribute("..campus"))
    ordered_on = dt.date(2026, 3, 2)
    total = Decimal("800.00")


class PurchaseOrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.PurchaseOrderLine

    order = factory.SubFactory(PurchaseOrderFactory)
    campus = factory.SelfAttribute("order.campus")
    kind = pm.LineKind.OTHER
    description = factory.Sequence(lambda n: f"服务{n}")
    quantity = Decimal("1")
    unit = "次"
    unit_price = Decimal("800.00")


class AcceptanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Acceptance

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"YS-2026-{n + 1:04d}")
    order = factory.SubFactory(PurchaseOrderFactory, campus=factory.SelfAttribute("..campus"))
    delivered_on = dt.date(2026, 3, 5)
    recorded_by = factory.SubFactory(UserFactory)


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Invoice

    campus = factory.SubFactory(CampusFactory)
    order = factory.SubFactory(PurchaseOrderFactory, campus=factory.SelfAttribute("..campus"))
    number = factory.Sequence(lambda n: f"{24330000 + n:08d}")
    issued_on = dt.date(2026, 3, 6)
    amount = Decimal("800.00")
    recorded_by = factory.SubFactory(UserFactory)


LIST_FACTORIES[pm.Supplier] = SupplierFactory
LIST_FACTORIES[pm.PurchaseRequest] = PurchaseRequestFactory
LIST_FACTORIES[pm.PurchaseOrder] = PurchaseOrderFactory
LIST_FACTORIES[pm.Acceptance] = AcceptanceFactory
LIST_FACTORIES[pm.Invoice] = InvoiceFactory


def purchasing_world(campus, prefix="p"):
    """People, catalogue and suppliers for a purchase on ``campus`` (call inside scopes_disabled)."""
    from houqin.core.roles import Role
    from tests.factories import RoomFactory
    from tests.factories_assets import AssetCategoryFactory
    from tests.factories_warehouse import ItemFactory, StockLocationFactory

    def person(username, role):
        user = UserFactory(username=f"{prefix}-{username}")
        MembershipFactory(user=user, campus=campus, role=role)
        return user

    from houqin.assets.models import AssetCategory

    location = StockLocationFactory(campus=campus, name="总务仓库")
    return SimpleNamespace(
        teacher=person("teacher", Role.CLASS_TEACHER),
        head=person("head", Role.LOGISTICS_HEAD),
        principal=person("principal", Role.PRINCIPAL),
        keeper=person("keeper", Role.ASSET_KEEPER),
        accountant=person("accountant", Role.ACCOUNTANT),
        cook=person("cook", Role.COOK),
        location=location,
        item=ItemFactory(
            campus=campus, name="A4复印纸", spec="70g 500张/包", unit="包", default_location=location
        ),
        fixed=AssetCategoryFactory(campus=campus, name="教学设备", kind=AssetCategory.Kind.FIXED),
        low_value=AssetCategoryFactory(campus=campus, name="幼儿桌椅", kind=AssetCategory.Kind.LOW_VALUE),
        room=RoomFactory(campus=campus, name="大一班活动室"),
        suppliers=[SupplierFactory(campus=campus, name=n) for n in ("文汇办公", "启明教具", "华联商贸")],
    )


# --- Helpers of the purchasing tests (call inside scopes_disabled) -------------------------


def stock_line(w, qty="10", price="25"):
    return {"kind": "stock", "item": w.item, "quantity": Decimal(qty), "estimated_unit_price": Decimal(price)}


def asset_line(w, category, qty="2", price="3000", description="投影仪"):
    return {
        "kind": "asset", "asset_category": category, "description": description, "spec": "3LCD",
        "quantity": Decimal(qty), "estimated_unit_price": Decimal(price),
    }  # fmt: skip


def raise_request(campus, w, lines, who=None, title="大班教学设备"):
    from houqin.procurement import purchasing_services as s

    return s.purchase_request_save(
        actor=who or w.teacher,
        campus=campus,
        data={"title": title, "department": "大班年级组", "reason": "新学期教学需要"},
        lines=lines,
    )


def approve_all(pr, w):
    """Submit and approve every step with the right person; returns the approval."""
    from houqin.core import approvals
    from houqin.core.models import ApprovalRequest
    from houqin.core.roles import Role
    from houqin.procurement import purchasing_services as s

    approval = s.purchase_request_submit(actor=pr.requested_by, purchase_request=pr)
    while approval.status == ApprovalRequest.Status.PENDING:
        signer = w.head if approval.current_role == Role.LOGISTICS_HEAD else w.principal
        approvals.approve(actor=signer, approval=approval)
    pr.refresh_from_db()
    return approval


def approved_request(campus, w, lines):
    from houqin.procurement.models import PurchaseRequest

    pr = raise_request(campus, w, lines)
    approve_all(pr, w)
    assert pr.status == PurchaseRequest.Status.APPROVED
    return pr


def direct_order(campus, w, lines, supplier=None):
    from houqin.procurement import purchasing_services as s

    pr = approved_request(campus, w, lines)
    return s.purchase_order_create(actor=w.keeper, purchase_request=pr, supplier=supplier or w.suppliers[0])
