"""Template filters of the nutrition pages."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from houqin.canteen.models import Ingredient

register = template.Library()


@register.filter
def get(mapping, key):
    """``mapping[key]`` (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def nutrient_label(key):
    """The verbose name of a NUTRIENTS key ("energy (kcal)" …)."""
    try:
        return Ingredient._meta.get_field(key).verbose_name
    except Exception:  # noqa: BLE001
        return key


@register.filter
def edible_grams(line):
    return float(line.grams) * float(line.ingredient.edible_portion or 1)


@register.filter
def judgement(value):
    """A coloured badge for ok / low / high."""
    if not value:
        return ""
    colour = {"ok": "green", "low": "red", "high": "orange"}.get(value, "secondary")
    text = {"ok": _("OK"), "low": _("Low"), "high": _("High")}.get(value, value)
    return format_html('<span class="badge bg-{}-lt" data-judgement="{}">{}</span>', colour, value, text)


@register.filter
def meal_label(value):
    from houqin.canteen.models import MealKind

    try:
        return MealKind(value).label
    except ValueError:
        return value


@register.filter
def split_label(value):
    labels = {
        "breakfast": _("Breakfast (+ morning snack)"),
        "lunch": _("Lunch (+ afternoon snack)"),
        "dinner": _("Dinner"),
        "protein_g": _("Protein"),
        "fat_g": _("Fat"),
        "carbohydrate_g": _("Carbohydrate"),
    }
    return labels.get(value, value)
