"""Registrations of the meals area: menu generation, traceability, accompanying meals and
the dietary committee (智能排餐、追溯、陪餐、膳委会) — menu items, rule settings, dashboard
cards and attachable models. Imported from :mod:`houqin.canteen.registrations`."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import dashboard, navigation
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item("canteen", gettext_lazy("Accompanying meals (陪餐)"), "canteen:meals_companion_list", "canteen.view_meals",
     "ti-users-group")  # fmt: skip
item("canteen", gettext_lazy("Accompanying meals by month"), "canteen:meals_companion_month", "canteen.view_meals",
     "ti-calendar-month")  # fmt: skip
item("canteen", gettext_lazy("Dietary committee (膳委会)"), "canteen:meals_meeting_list", "canteen.view_meals",
     "ti-users")  # fmt: skip
item("canteen", gettext_lazy("Parents' suggestions"), "canteen:meals_suggestion_list", "canteen.view_meals",
     "ti-message-2")  # fmt: skip
item("canteen", gettext_lazy("Menu generator (智能排餐)"), "canteen:meals_generator", "canteen.manage_menus",
     "ti-wand")  # fmt: skip
item("canteen", gettext_lazy("Traceability report (追溯)"), "canteen:meals_trace", "canteen.view_trace",
     "ti-route")  # fmt: skip

# --- Rule settings ------------------------------------------------------------------------
S = "canteen.meals."
register_setting(Setting(
    S + "companion_due_time", gettext_lazy("Accompanying meal (陪餐) recorded by"), "time", "13:00",
    module="canteen",
    help=gettext_lazy("On a school day after this time the leaders are reminded while nobody has recorded an "
                      "accompanying meal (2019 规定 第二十一条: a leader eats with the children at every meal)."),
))  # fmt: skip
register_setting(Setting(
    S + "committee_interval_months", gettext_lazy("Dietary committee (膳委会) meets at least every"), "int", 1,
    module="canteen", min_value=1, max_value=3, unit=gettext_lazy(" months"),
    help=gettext_lazy("The committee with parent representatives meets regularly (2012 规范); monthly by default."),
))  # fmt: skip
register_setting(Setting(
    S + "committee_remind_day", gettext_lazy("Remind of the month's committee meeting from day"), "int", 15,
    module="canteen", min_value=1, max_value=28,
))  # fmt: skip
register_setting(Setting(
    S + "gen_repeat_ok", gettext_lazy("Menu generator: dish categories that may repeat within a week"), "str", "",
    module="canteen",
    help=gettext_lazy("Comma-separated categories (e.g. drink for the daily milk); empty: no dish twice a week "
                      "(一周之内不重样)."),
))  # fmt: skip
for _meal, _default, _label in (
    ("breakfast", "staple:1,drink|soup:1", gettext_lazy("Menu generator: breakfast pattern")),
    ("morning_snack", "drink:1,snack:1", gettext_lazy("Menu generator: morning snack pattern (早点)")),
    ("lunch", "staple:1,main:1,side:1,soup:1", gettext_lazy("Menu generator: lunch pattern (午餐)")),
    ("afternoon_snack", "snack|fruit:1", gettext_lazy("Menu generator: afternoon snack pattern (午点)")),
    ("dinner", "staple:1,main:1,side:1", gettext_lazy("Menu generator: dinner pattern")),
):
    register_setting(Setting(
        S + f"gen_pattern_{_meal}", _label, "str", _default, module="canteen",
        help=gettext_lazy("Dish categories and how many of each, e.g. staple:1,main:1,side:1,soup:1; "
                          "“snack|fruit:1” means one snack or one fruit."),
    ))  # fmt: skip
for _source, _label in (
    ("fish", gettext_lazy("Menu generator: fish main dishes per week at least")),
    ("egg", gettext_lazy("Menu generator: egg main dishes per week at least")),
    ("bean", gettext_lazy("Menu generator: bean or soy main dishes per week at least")),
):
    register_setting(Setting(S + f"gen_min_{_source}", _label, "int", 1, module="canteen", min_value=0,
                             max_value=5))  # fmt: skip
register_setting(Setting(
    S + "gen_protein_rotation", gettext_lazy("Menu generator: no main protein source on two school days running"),
    "bool", True, module="canteen",
))  # fmt: skip
register_setting(Setting(
    S + "gen_time_limit", gettext_lazy("Menu generator: time limit of one solve"), "int", 20, module="canteen",
    min_value=2, max_value=120, unit=gettext_lazy(" s"),
))  # fmt: skip

# --- Attachable models --------------------------------------------------------------------
register_attachable("canteen.CompanionMeal", "canteen.view_meals", "canteen.accompany_meals",
                    can_write=lambda request, obj: not obj.is_void,
                    detail_url_name="canteen:meals_companion_detail")  # fmt: skip
register_attachable("canteen.CommitteeMeeting", "canteen.view_meals", "canteen.manage_committee",
                    can_write=lambda request, obj: not obj.is_void,
                    detail_url_name="canteen:meals_meeting_detail")  # fmt: skip

# --- Dashboard ----------------------------------------------------------------------------
ITEMS = 5


@dashboard.register("canteen.meals.companion_missing", "canteen.accompany_meals", order=41)
def companion_missing_card(request):
    """No accompanying meal recorded today after the campus's due time (≤ 4 queries)."""
    from houqin.canteen import meals_services

    if not meals_services.companion_missing_today(request.campus):
        return []
    return [
        Attention(
            title=_("No accompanying meal (陪餐) recorded today"),
            count=None,
            url=request_url(request, "canteen:meals_companion_create"),
            level="warning",
            detail=_("A school leader eats with the children at every meal and records it."),
        )
    ]


@dashboard.register("canteen.meals.companion_issues", "canteen.view_meals", order=42)
def companion_issues_card(request):
    """Open problems found at accompanying meals (2 queries)."""
    from houqin.canteen import meals_services

    qs = meals_services.open_companion_issues(request.campus)
    count = qs.count()
    if not count:
        return []
    today = timezone.localdate()
    rows = list(qs[:ITEMS])
    overdue = any(r.followup_due and r.followup_due < today for r in rows)
    return [
        Attention(
            title=_("Problems found at accompanying meals to follow up"),
            count=count,
            url=request_url(request, "canteen:meals_companion_list") + "?issue=open",
            level="danger" if overdue else "warning",
            items=[
                (
                    f"{r.date:%m-%d} · {r.companion_display} · {' '.join(r.issues.split())[:30]}",
                    request_url(request, "canteen:meals_companion_detail", pk=r.pk),
                )
                for r in rows
            ],  # fmt: skip
        )
    ]


@dashboard.register("canteen.meals.committee_due", "canteen.manage_committee", order=43)
def committee_due_card(request):
    """The dietary committee has not met this month (1–2 queries)."""
    from houqin.canteen import meals_services

    start = meals_services.committee_meeting_due(request.campus)
    if start is None:
        return []
    return [
        Attention(
            title=_("The dietary committee (膳委会) has not met this month"),
            count=None,
            url=request_url(request, "canteen:meals_meeting_create"),
            level="warning",
            detail=_("No meeting recorded since %(date)s.") % {"date": start.strftime("%Y-%m-%d")},
        )
    ]


@dashboard.register("canteen.meals.open_suggestions", "canteen.manage_committee", order=44)
def open_suggestions_card(request):
    """Parents' suggestions awaiting an answer (2 queries)."""
    from houqin.canteen import meals_services

    qs = meals_services.open_suggestions(request.campus)
    count = qs.count()
    if not count:
        return []
    return [
        Attention(
            title=_("Parents' suggestions about the meals awaiting an answer"),
            count=count,
            url=request_url(request, "canteen:meals_suggestion_list") + "?status=open",
            level="info",
            items=[
                (
                    f"{s.received_on:%m-%d} · {s.from_name} · {s.short_content[:30]}",
                    request_url(request, "canteen:meals_suggestion_detail", pk=s.pk),
                )
                for s in qs[:ITEMS]
            ],  # fmt: skip
        )
    ]


from houqin.canteen import meals_demo  # noqa: E402,F401  (registers the demo data)
