"""Registrations of the nutrition area: Ingredients, dishes, weekly menus and nutrition analysis (带量食谱与营养分析).

Menu items, rule settings (``nutrition_settings``), the public disclosure section (this
week's published menus with their analysis summary), the dashboard card and the demo data."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.canteen import nutrition_settings  # noqa: F401  (registers the settings)
from houqin.core import dashboard, demo, disclosure, navigation
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url

VIEW, MANAGE = "canteen.view_menus", "canteen.manage_menus"

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item(
    "canteen",
    gettext_lazy("Weekly menus (带量食谱)"),
    "canteen:nutrition_menu_list",
    VIEW,
    "ti-calendar-week",
)
item("canteen", gettext_lazy("Dishes and recipes"), "canteen:nutrition_dish_list", VIEW, "ti-bowl")
item(
    "canteen", gettext_lazy("Ingredients (食物成分)"), "canteen:nutrition_ingredient_list", VIEW, "ti-carrot"
)
item(
    "canteen", gettext_lazy("Meal counts (就餐人数)"), "canteen:nutrition_meal_counts", VIEW, "ti-users-group"
)
item(
    "canteen",
    gettext_lazy("Purchase list (采购清单)"),
    "canteen:nutrition_purchase_list",
    VIEW,
    "ti-shopping-cart",
)
item("canteen", gettext_lazy("Nutrition targets (DRIs)"), "canteen:nutrition_targets", VIEW, "ti-target")

register_attachable("canteen.Dish", VIEW, MANAGE, detail_url_name="canteen:nutrition_dish_detail")


# --- Public disclosure: this week's menus ---------------------------------------------------
@disclosure.register(
    "canteen.nutrition_menus", gettext_lazy("This week's menus (每周带量食谱)"), "canteen/nutrition_disclosure.html",
    order=45,
)  # fmt: skip
def menus_disclosure(request, campus):
    """This week's published menus per age group with the analysis summary (a few queries per
    age group). Hidden when none is published."""
    from houqin.canteen import nutrition_services as services
    from houqin.canteen.models import Menu

    today = timezone.localdate()
    week = services.monday(today)
    menus = list(
        Menu.objects.filter(campus=campus, week_start=week, status=Menu.Status.PUBLISHED).order_by(
            "age_group"
        )
    )
    if not menus:
        return None
    entries = []
    for menu in menus:
        analysis = services.menu_analysis(menu)
        entries.append({"menu": menu, "a": analysis})
    return {"week": week, "week_end": week + dt.timedelta(days=6), "entries": entries}


# --- Dashboard: next week's menus not yet published ----------------------------------------
@dashboard.register("canteen.nutrition_next_week", "canteen.publish_menus", order=60)
def next_week_card(request):
    """From Thursday: next week's menus still unpublished (1–2 queries)."""
    from houqin.canteen import nutrition_services as services
    from houqin.canteen.models import Menu

    today = timezone.localdate()
    if today.weekday() < 3:
        return []
    week = services.monday(today) + dt.timedelta(days=7)
    menus = list(Menu.objects.filter(campus=request.campus, week_start=week).order_by("age_group"))
    if not menus or all(m.status == Menu.Status.PUBLISHED for m in menus):
        return []
    pending = [m for m in menus if m.status != Menu.Status.PUBLISHED]
    return [
        Attention(
            title=_("Next week's menus are not published"),
            count=len(pending),
            url=request_url(request, "canteen:nutrition_menu_list") + f"?status={pending[0].status}",
            level="warning",
            items=[(str(m), request_url(request, "canteen:nutrition_menu_detail", pk=m.pk)) for m in pending],
        )
    ]


# --- Demo data ----------------------------------------------------------------------------
from houqin.canteen import nutrition_demo  # noqa: E402

demo.register(order=455)(nutrition_demo.add_demo_rows)
