"""Template filters of the warehouse pages."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def qty(value):
    """A quantity without trailing zeros and never in exponent form (10.000 → 10, 2.500 → 2.5)."""
    if value is None or value == "":
        return ""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        return value
    text = format(number.normalize(), "f")
    return text


@register.filter
def signed_qty(value):
    text = qty(value)
    if isinstance(value, Decimal) and value > 0:
        return "+" + text
    return text
