"""Registrations of the supply area (定点供应商、进货查验、食品仓库): menu, rule settings,
attachable models, the expiry-reminder tick job, dashboard cards, the store's routines
in the library and demo data. Imported from :mod:`houqin.canteen.registrations`."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.canteen import supply_services as services
from houqin.core import dashboard, demo, navigation, routine_library, ticks
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.roles import Role
from houqin.core.routine_library import LibraryItem as I  # noqa: N817
from houqin.core.routine_library import LibraryRoutine
from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item(
    "canteen",
    gettext_lazy("Food suppliers"),
    "canteen:supply_supplier_list",
    services.VIEW_SUPPLIERS,
    "ti-truck",
)
item("canteen", gettext_lazy("Supplier certificates"), "canteen:supply_certificate_list", services.VIEW_SUPPLIERS,
     "ti-certificate")  # fmt: skip
item("canteen", gettext_lazy("Receiving inspections (进货查验)"), "canteen:supply_receiving_list",
     services.VIEW_RECEIVING, "ti-truck-delivery")  # fmt: skip
item("canteen", gettext_lazy("Food store"), "canteen:supply_batch_list", services.VIEW_RECEIVING,
     "ti-building-warehouse")  # fmt: skip
item("canteen", gettext_lazy("Stock-outs (出库)"), "canteen:supply_stockout_list", services.VIEW_RECEIVING,
     "ti-package-export")  # fmt: skip
item("canteen", gettext_lazy("Food disposals (销毁)"), "canteen:supply_disposal_list", services.VIEW_RECEIVING,
     "ti-trash")  # fmt: skip

# --- Rule settings (regulations.md §1.3, §6) -------------------------------------------------
module = "canteen"
register_setting(Setting(
    services.S_REQUIRED, gettext_lazy("Certificates a food supplier needs for its deliveries to be received"), "str",
    "business_licence,food_operation_licence", module=module,
    help=gettext_lazy("Comma-separated kinds: business_licence, food_operation_licence (a food production licence "
                      "counts too), food_production_licence, test_report, animal_quarantine, meat_quality."),
))  # fmt: skip
register_setting(Setting(
    services.S_MEAT_REQUIRED, gettext_lazy("Further certificates of meat and poultry suppliers"), "str",
    "animal_quarantine", module=module,
    help=gettext_lazy("动物检疫合格证明; add meat_quality for pork (肉品品质检验合格证明). Empty for none."),
))  # fmt: skip
register_setting(Setting(
    services.S_REMIND_FIRST, gettext_lazy("First reminder before a certificate or contract expires"), "int", 30,
    module=module, min_value=7, max_value=180, unit=gettext_lazy(" days"),
))  # fmt: skip
register_setting(Setting(
    services.S_REMIND_SECOND, gettext_lazy("Second reminder before a certificate or contract expires"), "int", 7,
    module=module, min_value=1, max_value=60, unit=gettext_lazy(" days"),
))  # fmt: skip
register_setting(Setting(
    services.S_KEEP_AFTER_SHELF, gettext_lazy("Keep receiving records after the end of the shelf life for"), "int", 6,
    module=module, min_value=6, max_value=120, unit=gettext_lazy(" months"),
    help=gettext_lazy("食品安全法第五十条: at least 6 months after the shelf life ends."),
))  # fmt: skip
register_setting(Setting(
    services.S_KEEP_NO_SHELF, gettext_lazy("Keep receiving records of food without a shelf life for"), "int", 24,
    module=module, min_value=24, max_value=240, unit=gettext_lazy(" months"),
    help=gettext_lazy("食品安全法第五十条: at least 2 years."),
))  # fmt: skip
register_setting(Setting(
    services.S_KEEP_PRODUCE, gettext_lazy("Keep receiving records of edible agricultural products for"), "int", 6,
    module=module, min_value=6, max_value=240, unit=gettext_lazy(" months"),
    help=gettext_lazy("食品安全法第六十五条: at least 6 months (食用农产品 without a shelf life)."),
))  # fmt: skip
register_setting(Setting(
    services.S_CHILLED_MAX, gettext_lazy("Chilled food must arrive at most at"), "decimal", Decimal("8"),
    module=module, min_value=Decimal("0"), max_value=Decimal("8"), unit=" °C",
    help=gettext_lazy("冷藏 0–8 °C (餐饮服务食品安全操作规范)."),
))  # fmt: skip
register_setting(Setting(
    services.S_FROZEN_MAX, gettext_lazy("Frozen food must arrive at most at"), "decimal", Decimal("-12"),
    module=module, min_value=Decimal("-30"), max_value=Decimal("-12"), unit=" °C",
    help=gettext_lazy("冷冻 ≤ −12 °C (餐饮服务食品安全操作规范)."),
))  # fmt: skip
register_setting(Setting(
    services.S_EXPIRING_DAYS, gettext_lazy("Show food in the store as expiring soon within"), "int", 3,
    module=module, min_value=1, max_value=30, unit=gettext_lazy(" days"),
))  # fmt: skip
register_setting(Setting(
    "canteen.supply.storage_clearance_cm", gettext_lazy("Food is stored off the wall and floor by at least"), "int",
    30, module=module, min_value=30, max_value=100, unit=" cm",
    help=gettext_lazy("隔墙离地 ≥ 30 cm; used by the storage checklist of the routine library."),
))  # fmt: skip


# --- Attachable models --------------------------------------------------------------------
def _receiving_writer(request, obj):
    return obj.status != obj.Status.VOID


def _not_void(request, obj):
    return not obj.is_void


register_attachable("canteen.SupplierCertificate", services.VIEW_SUPPLIERS, services.MANAGE_SUPPLIERS,
                    can_write=_not_void, detail_url_name="canteen:supply_certificate_detail")  # fmt: skip
register_attachable("canteen.SupplyContract", services.VIEW_SUPPLIERS, services.MANAGE_SUPPLIERS,
                    can_write=_not_void, detail_url_name="canteen:supply_contract_detail")  # fmt: skip
register_attachable("canteen.Receiving", services.VIEW_RECEIVING, services.RECEIVE,
                    can_write=_receiving_writer, detail_url_name="canteen:supply_receiving_detail")  # fmt: skip
register_attachable("canteen.FoodDisposal", services.VIEW_RECEIVING, services.KEEP,
                    detail_url_name="canteen:supply_disposal_detail")  # fmt: skip


# --- Tick job: certificate and contract expiry reminders -------------------------------------
@ticks.register("canteen.supply.expiry_reminders", order=150)
def expiry_reminders(now) -> str:
    """Certificates and contracts of food suppliers about to expire: once per threshold."""
    return f"supplier documents reminded: {services.expiry_reminders(now)}"


# --- Routine library: the food store's checks ----------------------------------------------
routine_library.register(LibraryRoutine(
    key="canteen.supply.expired_food_check", name="库存食品过期检查", category="canteen.inspection",
    role=Role.CANTEEN_HEAD, frequency={"frequency": "daily"}, window=("14:00", "16:30"),
    room_names=("食品仓库",), room_kind="store",
    items=(
        I("库存食品均在保质期内，无过期、变质、霉变食品"),
        I("临近保质期的食品已标示并优先使用（先到期先出）"),
        I("过期、变质食品已下架并登记销毁（销毁记录）",
          fail_hint="在系统中登记销毁：批次、数量、原因、见证人"),
        I("被封存（检测不合格）的批次单独存放并有标识"),
        I("发现过期或变质食品的数量", kind="value", unit="批", min_value=Decimal("0"), max_value=Decimal("0"),
          required=False, fail_hint="逐批登记销毁"),
        I("说明", kind="text", required=False),
    ),
    description="每日检查库存食品保质期，过期、变质食品及时下架、登记销毁。",
    source="[002]",
))  # fmt: skip
routine_library.register(LibraryRoutine(
    key="canteen.supply.storage_check", name="食品仓库储存检查（隔墙离地、三专四防）", category="canteen.inspection",
    role=Role.CANTEEN_HEAD, frequency={"frequency": "daily"}, window=("08:00", "10:00"),
    room_names=("食品仓库",), room_kind="store",
    items=(
        I("食品离墙离地距离", kind="value", unit="cm", min_setting="canteen.supply.storage_clearance_cm",
          fail_hint="调整货架或垫仓板，隔墙离地不少于30厘米"),
        I("专库专用：不存放有毒有害物品、个人物品和非食品"),
        I("专人管理：出入库登记、钥匙专人保管"),
        I("专用设施：货架、垫仓板、冷藏冷冻设备完好"),
        I("防鼠：挡鼠板、鼠夹完好，无鼠迹"),
        I("防蝇：纱窗、门帘、灭蝇灯完好，无蝇虫"),
        I("防潮：通风良好，无潮湿、霉变"),
        I("防尘：食品加盖或包装完好，货架清洁"),
        I("分类分架存放，标识清楚，生熟分开"),
        I("冷藏柜温度", kind="value", unit="℃", min_value=Decimal("0"), max_value=Decimal("8"), required=False),
        I("冷冻柜温度", kind="value", unit="℃", min_value=Decimal("-30"), max_value=Decimal("-12"), required=False),
        I("发现的问题及整改情况", kind="text", required=False),
    ),
    description="食品仓库隔墙离地≥30厘米，三专（专库、专人、专用设施）四防（防鼠、防蝇、防潮、防尘）。",
    source="[001] [002]",
))  # fmt: skip


# --- Dashboard ----------------------------------------------------------------------------
ITEMS = 5


@dashboard.register("canteen.supply.certificates_expiring", services.VIEW_SUPPLIERS, order=60)
def certificates_card(request):
    """Current certificates of food suppliers expired or expiring within the first reminder (2 queries)."""
    today = timezone.localdate()
    qs = services.expiring_certificates(request.campus, today)
    count = qs.count()
    if not count:
        return []
    rows = list(qs.select_related("supplier").order_by("expires_on", "id")[:ITEMS])
    items = []
    expired = False
    for c in rows:
        days = (c.expires_on - today).days
        expired = expired or days < 0
        text = (
            _("%(supplier)s · %(kind)s expired on %(date)s")
            if days < 0
            else _("%(supplier)s · %(kind)s expires on %(date)s (%(days)s days)")
        ) % {
            "supplier": c.supplier,
            "kind": c.get_kind_display(),
            "date": c.expires_on.isoformat(),
            "days": days,
        }
        items.append((text, request_url(request, "canteen:supply_certificate_detail", pk=c.pk)))
    return [
        Attention(
            title=_("Supplier certificates expiring"),
            count=count,
            url=request_url(request, "canteen:supply_certificate_list") + "?expiry=soon",
            level="danger" if expired else "warning",
            detail=_("Deliveries are refused once a required certificate has expired."),
            items=items,
        )
    ]


@dashboard.register("canteen.supply.expired_food", services.VIEW_RECEIVING, order=61)
def expired_food_card(request):
    """Expired food still in the store, and food expiring soon (4 queries)."""
    today = timezone.localdate()
    cards = []
    expired = services.expired_in_stock(request.campus, today)
    count = expired.count()
    if count:
        cards.append(Attention(
            title=_("Expired food in the store"), count=count, level="danger",
            url=request_url(request, "canteen:supply_batch_list") + "?flag=expired",
            detail=_("Take it off the shelf and log its disposal."),
            items=[(_("%(name)s · %(number)s · expired on %(date)s")
                    % {"name": b.name, "number": b.number, "date": b.best_before.isoformat()},
                    request_url(request, "canteen:supply_batch_detail", pk=b.pk))
                   for b in expired.order_by("best_before", "id")[:ITEMS]],
        ))  # fmt: skip
    soon = services.expiring_soon(request.campus, today)
    count = soon.count()
    if count:
        cards.append(Attention(
            title=_("Food expiring soon"), count=count, level="warning",
            url=request_url(request, "canteen:supply_batch_list") + "?flag=soon",
            items=[(_("%(name)s · %(left)s %(unit)s · best before %(date)s")
                    % {"name": b.name, "left": services._fmt(b.quantity_on_hand), "unit": b.unit,
                       "date": b.best_before.isoformat()},
                    request_url(request, "canteen:supply_batch_detail", pk=b.pk))
                   for b in soon.order_by("best_before", "id")[:ITEMS]],
        ))  # fmt: skip
    return cards


@dashboard.register("canteen.supply.to_sign", services.RECEIVE, order=62)
def to_sign_card(request):
    """Receivings waiting for a second signer and stock-outs waiting for a signature (4 queries)."""
    from houqin.canteen.models import Receiving, StockOut

    cards = []
    receivings = Receiving.objects.filter(campus=request.campus, status=Receiving.Status.PENDING).exclude(
        recorded_by=request.user
    )
    count = receivings.count()
    if count:
        cards.append(Attention(
            title=_("Receiving inspections to confirm"), count=count, level="info",
            url=request_url(request, "canteen:supply_receiving_list") + "?status=pending",
            items=[(f"{r.number} {r.supplier}", request_url(request, "canteen:supply_receiving_detail", pk=r.pk))
                   for r in receivings.select_related("supplier").order_by("delivered_at", "id")[:ITEMS]],
        ))  # fmt: skip
    outs = StockOut.objects.filter(campus=request.campus, status=StockOut.Status.PENDING).exclude(
        keeper=request.user).exclude(cook=request.user)  # fmt: skip
    count = outs.count()
    if count:
        cards.append(Attention(
            title=_("Stock-outs to sign"), count=count, level="info",
            url=request_url(request, "canteen:supply_stockout_list") + "?status=pending",
            items=[(f"{s.number} {s.date} {s.get_meal_display()}",
                    request_url(request, "canteen:supply_stockout_detail", pk=s.pk))
                   for s in outs.order_by("date", "id")[:ITEMS]],
        ))  # fmt: skip
    return cards


# --- Demo data ----------------------------------------------------------------------------
def _register_demo():
    from houqin.canteen import supply_demo

    demo.register(order=450)(supply_demo.add_demo_rows)


_register_demo()
