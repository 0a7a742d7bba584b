"""Weekly quantified menus (带量食谱): list, week grid editor, publish/withdraw, analysis with
charts, print; meal counts from the attendance; the purchase list; the campus's targets."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from houqin.canteen import nutrition_calc as calc
from houqin.canteen import nutrition_services as services
from houqin.canteen.models import AgeGroup, Dish, MealKind, Menu, MenuItem
from houqin.canteen.nutrition_forms import (
    DayForm,
    MenuCreateForm,
    MenuFilter,
    RangeForm,
    ReasonForm,
    StaffMealsForm,
)
from houqin.canteen.views.nutrition_catalogue import curl, error_text
from houqin.core import audit
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import Column, ObjectListView

VIEW, MANAGE, PUBLISH = "canteen.view_menus", "canteen.manage_menus", "canteen.publish_menus"
STATUS_COLOUR = {"draft": "secondary", "published": "green", "withdrawn": "orange"}


def status_badge(menu):
    from django.utils.html import format_html

    return format_html(
        '<span class="badge bg-{}-lt" data-status="{}">{}</span>',
        STATUS_COLOUR.get(menu.status, "secondary"), menu.status, menu.get_status_display(),
    )  # fmt: skip


class MenuListView(ObjectListView):
    model = Menu
    url_base = "canteen:nutrition_menu"
    permission_required = VIEW
    write_permission = MANAGE
    title = gettext_lazy("Weekly menus (带量食谱)")
    filterset_class = MenuFilter
    create_label = gettext_lazy("New weekly menu")
    ordering = ("-week_start", "age_group", "id")
    select_related = ("published_by",)

    def get_queryset(self):
        return super().get_queryset().annotate(item_count=Count("items"))

    @property
    def columns(self):
        return [
            Column(_("Week"), lambda m: f"{m.week_start:%Y-%m-%d} – {m.week_end:%m-%d}", link=True),
            Column(_("Age group"), "get_age_group_display"),
            Column(_("Status"), status_badge),
            Column(_("Dishes"), "item_count"),
            Column(_("Proposed by the generator"), "generated"),
            Column(_("Published"), "published_at"),
        ]

    @property
    def export_columns(self):
        return [
            Column(_("Week"), "week_start"),
            Column(_("Age group"), "get_age_group_display"),
            Column(_("Status"), "get_status_display"),
            Column(_("Dishes"), "item_count"),
            Column(_("Proposed by the generator"), "generated"),
            Column(_("Published"), "published_at"),
        ]


def _menu_or_404(request, pk):
    return get_object_or_404(Menu.objects.select_related("created_by", "published_by"), pk=pk)


def _week_days(menu, items):
    days = [menu.week_start + dt.timedelta(days=i) for i in range(5)]
    for item in items:
        if item.date not in days:
            days.append(item.date)
    return sorted(days)


@campus_view(VIEW)
def menu_detail(request, campus, pk):
    """The week grid: days × meals with their dishes; add and remove while not published."""
    menu = _menu_or_404(request, pk)
    items = list(menu.items.select_related("dish").order_by("date", "meal", "sort_order", "pk"))
    meals = services.meal_kinds(request.campus)
    for item in items:
        if item.meal not in meals:
            meals.append(item.meal)
    meals = [m for m in services.MEAL_ORDER if m in meals]
    days = _week_days(menu, items)
    cells = {(i.date, i.meal): [] for i in items}
    for item in items:
        cells[(item.date, item.meal)].append(item)
    can_edit = has_perm(request, MANAGE) and menu.status != Menu.Status.PUBLISHED
    dishes = (
        list(Dish.objects.filter(campus=request.campus, is_active=True).order_by("category", "name"))
        if can_edit
        else []
    )
    by_meal = {}
    for meal in meals:
        by_meal[meal] = [d for d in dishes if not d.meal_kinds() or meal in d.meal_kinds()]
    grid = [
        {
            "date": day,
            "meals": [{"meal": meal, "label": MealKind(meal).label, "items": cells.get((day, meal), []),
                       "dishes": by_meal.get(meal, [])} for meal in meals],
        }
        for day in days
    ]  # fmt: skip
    problems = services.menu_problems(menu, items) if menu.status != Menu.Status.PUBLISHED else []
    previous = Menu.objects.filter(
        campus=request.campus, age_group=menu.age_group, week_start=menu.week_start - dt.timedelta(days=7)
    ).first()
    return render(
        request,
        "canteen/nutrition_menu_detail.html",
        {
            "title": _("Menu %(group)s, week of %(day)s")
            % {"group": menu.get_age_group_display(), "day": menu.week_start.strftime("%Y-%m-%d")},
            "menu": menu,
            "grid": grid,
            "can_edit": can_edit,
            "can_publish": has_perm(request, PUBLISH),
            "problems": problems,
            "withdraw_form": ReasonForm(campus=request.campus),
            "previous": previous,
            "history": audit.history_for(menu).order_by("-created_at")[:30],
        },
    )


@campus_view(MANAGE)
def menu_create(request, campus):
    form = MenuCreateForm(request.POST or None, campus=request.campus)
    if request.method == "POST" and form.is_valid():
        week = form.cleaned_data["week_start"]
        group = form.cleaned_data["age_group"]
        try:
            source = None
            if form.cleaned_data["copy_last_week"]:
                source = Menu.objects.filter(
                    campus=request.campus, age_group=group, week_start=week - dt.timedelta(days=7)
                ).first()
            if source is not None:
                menu = services.menu_copy_week(
                    actor=request.user, campus=request.campus, source=source, week_start=week
                )
            else:
                menu = services.menu_create(
                    actor=request.user, campus=request.campus, week_start=week, age_group=group, items=[]
                )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("Menu created."))
            return HttpResponseRedirect(curl(request, "canteen:nutrition_menu_detail", pk=menu.pk))
    return render(
        request,
        "generic/form.html",
        {
            "title": _("New weekly menu"),
            "form": form,
            "cancel_url": curl(request, "canteen:nutrition_menu_list"),
        },
    )


def _back(request, menu):
    return HttpResponseRedirect(curl(request, "canteen:nutrition_menu_detail", pk=menu.pk))


@campus_view(MANAGE)
@require_POST
def menu_item_add(request, campus, pk):
    menu = _menu_or_404(request, pk)
    try:
        date = dt.date.fromisoformat(request.POST.get("date", ""))
        dish = Dish.objects.get(pk=int(request.POST.get("dish") or 0))
        services.menu_item_add(
            actor=request.user, menu=menu, date=date, meal=request.POST.get("meal", ""), dish=dish
        )
    except (ValueError, Dish.DoesNotExist):
        messages.error(request, _("Choose a dish."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return _back(request, menu)


@campus_view(MANAGE)
@require_POST
def menu_item_remove(request, campus, pk, item):
    menu = _menu_or_404(request, pk)
    row = get_object_or_404(MenuItem, pk=item, menu=menu)
    try:
        services.menu_item_remove(actor=request.user, item=row)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return _back(request, menu)


@campus_view(PUBLISH)
@require_POST
def menu_publish(request, campus, pk):
    menu = _menu_or_404(request, pk)
    try:
        services.menu_publish(actor=request.user, menu=menu)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Menu published."))
    return _back(request, menu)


@campus_view(PUBLISH)
@require_POST
def menu_withdraw(request, campus, pk):
    menu = _menu_or_404(request, pk)
    try:
        services.menu_withdraw(actor=request.user, menu=menu, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Menu withdrawn; correct it and publish it again."))
    return _back(request, menu)


@campus_view(MANAGE)
@require_POST
def menu_delete(request, campus, pk):
    menu = _menu_or_404(request, pk)
    try:
        services.menu_delete(actor=request.user, menu=menu)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return _back(request, menu)
    messages.success(request, _("Deleted."))
    return HttpResponseRedirect(curl(request, "canteen:nutrition_menu_list"))


def chart_data(analysis):
    """The ECharts data of an analysis: % of DRI per nutrient with the minimum line, and the
    energy split."""
    from houqin.canteen.templatetags.canteen_nutrition import nutrient_label, split_label

    week = analysis["week"]
    if not week:
        return None
    return {
        "labels": [str(nutrient_label(r["key"])) for r in week["nutrients"]],
        "pct": [round(r["pct"], 1) if r["pct"] is not None else 0 for r in week["nutrients"]],
        "min_pct": [round(r["min_pct"], 1) if r["min_pct"] is not None else None for r in week["nutrients"]],
        "judgements": [r["judgement"] for r in week["nutrients"]],
        "line": round(
            max([r["min_pct"] or 0 for r in week["nutrients"] if r["key"] == "energy_kcal"] or [80]), 1
        ),
        "split": [
            {"name": str(split_label(r["key"])), "value": round(r["pct"] or 0, 1)} for r in week["split"]
        ],
    }


@campus_view(VIEW)
def menu_analysis(request, campus, pk):
    menu = _menu_or_404(request, pk)
    analysis = services.menu_analysis(menu)
    return render(
        request,
        "canteen/nutrition_menu_analysis.html",
        {
            "title": _("Nutrition analysis: %(group)s, week of %(day)s")
            % {"group": menu.get_age_group_display(), "day": menu.week_start.strftime("%Y-%m-%d")},
            "menu": menu,
            "a": analysis,
            "chart": chart_data(analysis),
        },
    )


@campus_view(VIEW)
def menu_print(request, campus, pk):
    """A4: the week's dishes with their grams per child (带量) and the analysis summary."""
    menu = _menu_or_404(request, pk)
    analysis = services.menu_analysis(menu)
    items = [item for day in analysis["days"] for _m, rows in day["by_meal"] for item in rows]
    lines = services._load_menu_lines(menu, items)
    meals = [m for m in services.MEAL_ORDER if any(i.meal == m for i in items)]
    days = sorted({i.date for i in items})
    grid = []
    for meal in meals:
        row = []
        for day in days:
            row.append(
                [(i.dish, lines.get(i.dish_id, [])) for i in items if i.date == day and i.meal == meal]
            )
        grid.append((MealKind(meal).label, row))
    return render(
        request,
        "canteen/nutrition_menu_print.html",
        {
            "title": _("Weekly quantified menu (带量食谱)"),
            "menu": menu,
            "a": analysis,
            "days": days,
            "grid": grid,
        },
    )


# --- Meal counts ----------------------------------------------------------------------------


def _day(request, key="date"):
    try:
        return dt.date.fromisoformat(request.GET.get(key) or request.POST.get(key) or "")
    except ValueError:
        return timezone.localdate()


@campus_view(VIEW)
def meal_counts(request, campus):
    """Children's meals of a day per class from the attendance; staff meals apart."""
    day = _day(request)
    counts = services.meal_counts(request.campus, day)
    can_enter = has_perm(request, MANAGE)
    return render(
        request,
        "canteen/nutrition_meal_counts.html",
        {
            "title": _("Meal counts (就餐人数)"),
            "day": day,
            "prev": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "c": counts,
            "day_form": DayForm(initial={"date": day}, campus=request.campus),
            "staff_form": StaffMealsForm(
                initial={
                    "count": counts["staff_count"],
                    "note": counts["staff"].note if counts["staff"] else "",
                },
                campus=request.campus,
            )
            if can_enter
            else None,
            "served": services.served_items(request.campus, day),
        },
    )


@campus_view(MANAGE)
@require_POST
def staff_meals(request, campus):
    day = _day(request)
    form = StaffMealsForm(request.POST, campus=request.campus)
    url = curl(request, "canteen:nutrition_meal_counts") + f"?date={day:%Y-%m-%d}"
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(v) for v in form.errors.values()))
        return HttpResponseRedirect(url)
    try:
        services.staff_meals_set(
            actor=request.user, campus=request.campus, date=day, count=form.cleaned_data["count"],
            note=form.cleaned_data["note"],
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Saved."))
    return HttpResponseRedirect(url)


# --- Purchase list --------------------------------------------------------------------------


def _range(request):
    today = timezone.localdate()
    start = end = None
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today + dt.timedelta(days=1)
    try:
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = start
    return start, end


@campus_view(VIEW)
def purchase_list(request, campus):
    """Ingredients to buy: menu × attendance (enrolled count for future days)."""
    start, end = _range(request)
    result, error = None, ""
    try:
        result = services.purchase_list(request.campus, start, end)
    except ValidationError as exc:
        error = error_text(exc)
    query = f"start={start:%Y-%m-%d}&end={end:%Y-%m-%d}"
    if result is not None and request.GET.get("export") == "xlsx":
        if not has_perm(request, "core.export"):
            raise PermissionDenied
        from houqin.core.exports import xlsx_response

        rows = [(g["label"], r) for g in result["groups"] for r in g["rows"]]
        return xlsx_response(
            filename=f"{_('Purchase list')}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
            title=str(_("Purchase list")),
            columns=[
                (str(_("Food group")), lambda x: str(x[0])),
                (str(_("Ingredient")), lambda x: x[1]["ingredient"].name),
                (str(_("Quantity (kg)")), lambda x: x[1]["kg"]),
                (str(_("Portions")), lambda x: x[1]["portions"]),
                (str(_("Price per kg (yuan)")), lambda x: x[1]["ingredient"].price_per_kg),
                (str(_("Estimated cost (yuan)")), lambda x: x[1]["cost"]),
            ],
            rows=rows,
        )
    template = (
        "canteen/nutrition_purchase_print.html"
        if request.GET.get("print")
        else "canteen/nutrition_purchase_list.html"
    )
    return render(
        request,
        template,
        {
            "title": _("Purchase list (采购清单)"),
            "start": start,
            "end": end,
            "r": result,
            "error": error,
            "form": RangeForm(initial={"start": start, "end": end}, campus=request.campus),
            "query": query,
            "can_export": has_perm(request, "core.export"),
        },
    )


# --- Targets --------------------------------------------------------------------------------


@campus_view(VIEW)
def targets(request, campus):
    """The DRIs and the campus's targets per age group (from the DRI file and the settings)."""
    groups = []
    for group in AgeGroup:
        t = services.daily_targets(request.campus, group.value)
        groups.append({"group": group, "t": t, "rows": [(k, u, t[k]) for k, u in services.NUTRIENTS]})
    return render(
        request,
        "canteen/nutrition_targets.html",
        {
            "title": _("Nutrition targets (DRIs)"),
            "groups": groups,
            "meals": [MealKind(m).label for m in services.meal_kinds(request.campus)],
            "banned": services.banned_keywords(request.campus),
            "edition": groups[0]["t"]["edition"],
            "pal": groups[0]["t"]["pal"],
            "ok": calc.OK,
        },
    )


urlpatterns = [
    path("menus/", MenuListView.as_view(), name="nutrition_menu_list"),
    path("menus/new/", menu_create, name="nutrition_menu_create"),
    path("menus/<int:pk>/", menu_detail, name="nutrition_menu_detail"),
    path("menus/<int:pk>/add/", menu_item_add, name="nutrition_menu_item_add"),
    path("menus/<int:pk>/items/<int:item>/remove/", menu_item_remove, name="nutrition_menu_item_remove"),
    path("menus/<int:pk>/publish/", menu_publish, name="nutrition_menu_publish"),
    path("menus/<int:pk>/withdraw/", menu_withdraw, name="nutrition_menu_withdraw"),
    path("menus/<int:pk>/delete/", menu_delete, name="nutrition_menu_delete"),
    path("menus/<int:pk>/analysis/", menu_analysis, name="nutrition_menu_analysis"),
    path("menus/<int:pk>/print/", menu_print, name="nutrition_menu_print"),
    path("meal-counts/", meal_counts, name="nutrition_meal_counts"),
    path("meal-counts/staff/", staff_meals, name="nutrition_staff_meals"),
    path("purchase-list/", purchase_list, name="nutrition_purchase_list"),
    path("nutrition/targets/", targets, name="nutrition_targets"),
]
