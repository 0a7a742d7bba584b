"""Panels other areas add to an asset's detail page (loans, damage, repairs, stocktakes…).

An app registers, from its ``registrations`` module::

    register_asset_panel(
        "maintenance.repairs", _("Repairs"), "maintenance/_asset_panel.html",
        get_context=lambda request, asset: {"repairs": ...}, permission="maintenance.view_repairs", order=30,
    )

The detail page renders, in ``order``, each panel whose permission the user holds, with
the panel's template and ``get_context(request, asset)`` merged into ``{"asset": asset}``.
``get_context`` must run a fixed number of queries (no per-row queries).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class AssetPanel:
    key: str
    title: object
    template_name: str
    get_context: Callable
    permission: str
    order: int = 100


_panels: dict[str, AssetPanel] = {}


def register_asset_panel(key, title, template_name, *, get_context, permission, order=100) -> AssetPanel:
    panel = AssetPanel(key, title, template_name, get_context, permission, order)
    _panels[key] = panel
    return panel


def panels_for(request, asset) -> list[tuple[AssetPanel, dict]]:
    """[(panel, context)] the user may see, in order."""
    perms = getattr(request, "perms", ()) or ()
    out = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        if panel.permission in perms:
            out.append((panel, {"asset": asset, **(panel.get_context(request, asset) or {})}))
    return out
