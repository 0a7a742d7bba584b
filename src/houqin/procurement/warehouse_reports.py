"""Reads of the warehouse: the consumption per class per month (班级日常用品消耗量) and the
optional hand-over of the "to order" list to purchasing.

Consumption is the net of the issues to classes: ``out`` moves with a class, minus their
reversals (a reversal keeps the class of the move it cancels). Quantities of different
items do not add up, so the matrix shows values (yuan); with one item chosen it shows
quantities too. Every figure comes from one grouped query.
"""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core.forms import CampusForm
from houqin.core.models import Child, SchoolClass
from houqin.procurement.models import Item, ItemCategory, StockMove

ZERO = Decimal("0")
MAX_MONTHS = 24


def month_start(day):
    return day.replace(day=1)


def add_months(day, n):
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return dt.datetime.strptime(value.strip()[:7], "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."))


class ConsumptionForm(CampusForm):
    start = MonthField(label=gettext_lazy("From month"), required=False)
    end = MonthField(label=gettext_lazy("To month"), required=False)
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"), queryset=ItemCategory.objects.none(), required=False,
        empty_label=gettext_lazy("All"),
    )  # fmt: skip
    item = forms.ModelChoiceField(
        label=gettext_lazy("Goods"),
        queryset=Item.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        self.fields["category"].queryset = ItemCategory.objects.filter(campus=campus).order_by(
            "sort_order", "name"
        )
        self.fields["item"].queryset = Item.objects.filter(campus=campus).order_by("name", "spec")
        self.style_fields()

    @staticmethod
    def defaults():
        end = month_start(timezone.localdate())
        return {"start": add_months(end, -5), "end": end, "category": None, "item": None}

    def clean(self):
        data = super().clean()
        defaults = self.defaults()
        start = data.get("start") or defaults["start"]
        end = data.get("end") or max(defaults["end"], start)
        if end < start:
            self.add_error("end", _("The last month is before the first."))
        elif (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
            self.add_error("end", _("Choose at most %(n)s months.") % {"n": MAX_MONTHS})
        data["start"], data["end"] = start, end
        return data

    def cleaned(self):
        return {k: self.cleaned_data.get(k) for k in ("start", "end", "category", "item")}


def consumption_by_class(campus, *, start, end, category=None, item=None):
    """The month × class matrix of net issues to classes between two months (inclusive)."""
    months = []
    day = month_start(start)
    while day <= end:
        months.append(day)
        day = add_months(day, 1)
    tz = timezone.get_current_timezone()
    lo = timezone.make_aware(dt.datetime.combine(months[0], dt.time.min), tz)
    hi = timezone.make_aware(dt.datetime.combine(add_months(months[-1], 1), dt.time.min), tz)
    moves = StockMove.objects.filter(
        campus=campus,
        to_class__isnull=False,
        kind__in=[StockMove.Kind.OUT, StockMove.Kind.REVERSAL],
        moved_at__gte=lo,
        moved_at__lt=hi,
    )
    if category is not None:
        moves = moves.filter(item__category=category)
    if item is not None:
        moves = moves.filter(item=item)
    grouped = (
        moves.annotate(month=TruncMonth("moved_at", tzinfo=tz))
        .values("to_class", "month")
        .annotate(q=Sum("quantity"), v=Sum("value"))
        .order_by()
    )
    cells = {}
    for row in grouped:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        cells[(row["to_class"], month_start(month))] = (-(row["q"] or ZERO), -(row["v"] or ZERO))
    by_category = (
        moves.values("to_class", "item__category__name")
        .annotate(v=Sum("value"))
        .order_by("item__category__name")
    )
    category_names = []
    category_cells = {}
    for row in by_category:
        name = row["item__category__name"]
        if name not in category_names:
            category_names.append(name)
        category_cells[(row["to_class"], name)] = -(row["v"] or ZERO)

    class_ids = {key[0] for key in cells} | {key[0] for key in category_cells}
    classes = list(
        SchoolClass.objects.filter(campus=campus)
        .filter(Q(is_active=True) | Q(pk__in=class_ids))
        .order_by("sort_order", "name")
    )
    children = dict(
        Child.objects.filter(campus=campus, status=Child.Status.ENROLLED, school_class__isnull=False)
        .values("school_class")
        .annotate(n=Count("id"))
        .values_list("school_class", "n")
    )
    rows = []
    month_totals = [[ZERO, ZERO] for _m in months]
    for cls in classes:
        row_cells = []
        total_q = total_v = ZERO
        for i, month in enumerate(months):
            q, v = cells.get((cls.pk, month), (ZERO, ZERO))
            row_cells.append({"quantity": q, "value": v})
            total_q += q
            total_v += v
            month_totals[i][0] += q
            month_totals[i][1] += v
        n = children.get(cls.pk, 0)
        rows.append(
            {
                "school_class": cls,
                "cells": row_cells,
                "total_quantity": total_q,
                "total_value": total_v,
                "children": n,
                "per_child": (total_v / n / len(months)).quantize(Decimal("0.01")) if n else None,
                "categories": [category_cells.get((cls.pk, name), ZERO) for name in category_names],
            }
        )
    grand = sum((r["total_value"] for r in rows), ZERO)
    average = (grand / len(rows)).quantize(Decimal("0.01")) if rows else ZERO
    from houqin.core.settings_registry import campus_setting

    percent = campus_setting(campus, "procurement.consumption_flag_percent")
    limit = average * (1 + Decimal(percent) / 100)
    for r in rows:
        r["above_average"] = average > 0 and r["total_value"] > limit
    return {
        "months": months,
        "rows": rows,
        "month_totals": [{"quantity": q, "value": v} for q, v in month_totals],
        "grand_quantity": sum((r["total_quantity"] for r in rows), ZERO),
        "grand_value": grand,
        "average_value": average,
        "flag_percent": percent,
        "show_quantity": item is not None,
        "item": item,
        "category": category,
        "category_names": category_names,
        "start": months[0],
        "end": months[-1],
    }


def consumption_xlsx(request, report):
    from houqin.core.exports import xlsx_response

    months = report["months"]
    columns = [(_("Class"), lambda r: str(r["school_class"])), (_("Children"), lambda r: r["children"])]
    for i, month in enumerate(months):
        label = month.strftime("%Y-%m")
        if report["show_quantity"]:
            columns.append((f"{label} {_('Quantity')}", lambda r, i=i: r["cells"][i]["quantity"]))
        columns.append((f"{label} {_('Value')}", lambda r, i=i: r["cells"][i]["value"]))
    if report["show_quantity"]:
        columns.append((_("Total quantity"), lambda r: r["total_quantity"]))
    columns.append((_("Total value"), lambda r: r["total_value"]))
    columns.append((_("Per child per month"), lambda r: r["per_child"]))
    for j, name in enumerate(report["category_names"]):
        columns.append((name, lambda r, j=j: r["categories"][j]))
    title = _("Consumption per class")
    return xlsx_response(
        filename=f"{title}-{months[0]:%Y%m}-{months[-1]:%Y%m}-{request.campus.display_name}.xlsx",
        title=title,
        columns=columns,
        rows=report["rows"],
    )


# --- To order → purchase request (optional: purchasing may not offer it) ------------------


def _purchasing():
    try:
        from houqin.procurement import purchasing_services
    except ImportError:  # pragma: no cover - purchasing is part of the same app
        return None
    return purchasing_services if hasattr(purchasing_services, "purchase_request_save") else None


def purchase_request_url(request):
    """The URL that turns the "to order" list into a draft purchase request, or None."""
    from django.urls import NoReverseMatch, reverse

    from houqin.core.permissions import has_perm

    if _purchasing() is None or not has_perm(request, "procurement.request_purchases"):
        return None
    if not has_perm(request, "procurement.manage_stock"):
        return None
    try:
        return reverse("procurement:to_order_request", kwargs={"campus": request.campus.code})
    except NoReverseMatch:  # pragma: no cover
        return None


def start_purchase_request(request):
    """A draft purchase request (申购) of every item to order, at its reorder quantity."""
    from houqin.core.permissions import has_perm
    from houqin.procurement import warehouse_services as services

    purchasing = _purchasing()
    if purchasing is None:
        return None
    if not has_perm(request, "procurement.request_purchases"):
        raise PermissionDenied(_("You do not have permission to do this."))
    items = list(services.items_to_order(request.campus))
    lines = [
        {
            "kind": "stock",
            "item": it,
            "quantity": it.reorder_quantity
            if it.reorder_quantity > 0
            else max(it.reorder_level - it.total, Decimal("1")),
            "estimated_unit_price": services._last_receipt_cost(it).quantize(Decimal("0.01")),
            "note": _("In stock %(total)s, reorder level %(level)s")
            % {"total": services._fmt(it.total), "level": services._fmt(it.reorder_level)},
        }
        for it in items
    ]
    if not lines:
        from django.core.exceptions import ValidationError

        raise ValidationError(_("No item is at or below its reorder level."))
    return purchasing.purchase_request_save(
        actor=request.user,
        campus=request.campus,
        data={
            "title": _("Restock the warehouse (%(date)s)") % {"date": timezone.localdate().isoformat()},
            "department": _("Warehouse"),
            "reason": _("Items at or below their reorder level (库存预警)."),
        },
        lines=lines,
    )
