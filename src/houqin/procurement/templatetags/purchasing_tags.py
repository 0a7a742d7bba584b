"""Template filters of the purchasing pages: quantities without trailing zeros, yuan amounts."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def qty(value):
    """12.500 → 12.5, 3.000 → 3; empty stays empty."""
    if value is None or value == "":
        return ""
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    text = f"{value.normalize():f}"
    return text


@register.filter
def yuan(value):
    """An amount in yuan with two decimals and thousands separators."""
    if value is None or value == "":
        return ""
    return number_format(value, decimal_pos=2, force_grouping=True)
