"""Registrations of the asset register: menu, rule settings, attachable assets, the
dashboard card for keepers and leaders, and the demo data. Imported from
:mod:`houqin.assets.registrations`."""

from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.assets.models import Asset
from houqin.core import dashboard, demo, navigation
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item(
    "assets",
    gettext_lazy("Asset register (资产台账)"),
    "assets:asset_list",
    "assets.view_assets",
    "ti-package",
)
item("assets", gettext_lazy("Asset categories"), "assets:category_list", "assets.view_assets", "ti-category")
item("assets", gettext_lazy("Asset summary"), "assets:asset_summary", "assets.view_assets", "ti-chart-bar")
item("assets", gettext_lazy("Import assets"), "assets:asset_import", "assets.manage_assets", "ti-file-import")

# --- Rule settings ------------------------------------------------------------------------
register_setting(Setting(
    "assets.valuable_price", gettext_lazy("Valuable items (贵重物品) from a unit price of"), "decimal",
    Decimal("5000"), module="assets", min_value=Decimal("0"), max_value=Decimal("1000000"),
    unit=gettext_lazy(" yuan"),
    help=gettext_lazy("Such items are always assigned to a named custodian (落实到人); 0 leaves it to the keeper."),
))  # fmt: skip

# --- Photos and scans on asset cards ------------------------------------------------------
register_attachable(
    "assets.Asset", "assets.view_assets", "assets.manage_assets", detail_url_name="assets:asset_detail"
)

# --- Dashboard ----------------------------------------------------------------------------
ATTENTION_STATUSES = (Asset.Status.DAMAGED, Asset.Status.MISSING, Asset.Status.UNDER_REPAIR)


@dashboard.register("assets.attention", "assets.manage_assets", order=40)
def assets_attention_card(request):
    """Damaged, missing and under-repair assets, and assets with no room (one query)."""
    counts = Asset.objects.exclude(status=Asset.Status.DISPOSED).aggregate(
        **{status.value: Count("id", filter=Q(status=status)) for status in ATTENTION_STATUSES},
        no_room=Count("id", filter=Q(room__isnull=True)),
    )
    list_url = request_url(request, "assets:asset_list")
    cards = []
    total = sum(counts[s.value] for s in ATTENTION_STATUSES)
    if total:
        items = [
            (f"{status.label} · {counts[status.value]}", f"{list_url}?status={status.value}")
            for status in ATTENTION_STATUSES
            if counts[status.value]
        ]
        cards.append(
            Attention(
                title=_("Assets needing attention"),
                count=total,
                url=items[0][1] if len(items) == 1 else list_url,
                level="danger" if counts[Asset.Status.MISSING.value] else "warning",
                detail=_("Damaged, missing (盘亏) or under repair"),
                items=items,
            )
        )
    if counts["no_room"]:
        cards.append(
            Attention(
                title=_("Assets without a room (室室有人管)"),
                count=counts["no_room"],
                url=f"{list_url}?no_room=1",
                level="info",
                detail=_("Give every asset a room and a custodian."),
            )
        )
    return cards


# --- Demo data ----------------------------------------------------------------------------
from houqin.assets import register_demo  # noqa: E402

demo.register(order=300)(register_demo.add_demo_rows)
