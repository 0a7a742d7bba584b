"""Enumerate every URL pattern of the project with the view behind it."""

from django.urls import URLPattern, URLResolver, get_resolver


def iter_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from iter_patterns(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p, namespace


def view_attr(callback, name):
    """An attribute of a function view, or of the class behind ``as_view()``."""
    if hasattr(callback, name):
        return getattr(callback, name)
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return getattr(view_class, name, None)
    return None


def fill(route: str, campus_code: str) -> str:
    """A concrete path for a route pattern: campus filled in, other parameters dummies."""
    import re

    def repl(match):
        conv, name = match.group(1), match.group(2)
        if name in ("campus", "public_campus"):
            return campus_code
        if conv == "int" or name in ("pk", "object_id", "ct") or name.endswith("_id"):
            return "999999"
        return "x"

    path = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: repl(m), route)
    return "/" + path.lstrip("^").rstrip("$")
