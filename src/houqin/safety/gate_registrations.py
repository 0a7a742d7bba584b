"""Registrations of the gate side of the safety module (门卫: visitors and pickup): menu,
dashboard cards, tick jobs, attachable models and demo data. Imported from
:mod:`houqin.safety.registrations`."""

from django.utils.translation import gettext_lazy

from houqin.core import dashboard, demo, navigation, ticks
from houqin.core.attachables import register_attachable
from houqin.safety import gate_demo
from houqin.safety import gate_services as gate

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item(
    "safety",
    gettext_lazy("Register a visitor"),
    "safety:visitor_create",
    "safety.register_visitors",
    "ti-user-plus",
)
item("safety", gettext_lazy("Visitor log"), "safety:visitor_list", "safety.view_visitors", "ti-id-badge")
item("safety", gettext_lazy("Visitor watch list"), "safety:watchentry_list", "safety.manage_watchlist",
     "ti-eye-exclamation")  # fmt: skip
item(
    "safety",
    gettext_lazy("Pickup release"),
    "safety:pickup_release",
    "safety.release_children",
    "ti-door-exit",
)
item("safety", gettext_lazy("Pickup log"), "safety:release_list", "safety.view_pickup", "ti-list-check")
item("safety", gettext_lazy("Pickup persons"), "safety:pickupperson_list", "safety.view_pickup", "ti-users")

# --- Dashboard ----------------------------------------------------------------------------
dashboard.register("safety.my_visitors", "core.view_dashboard", order=12)(gate.my_visitors_card)
dashboard.register("safety.children_after_closing", "safety.view_pickup", order=25)(
    gate.children_after_closing_card
)
dashboard.register("safety.visitors_on_campus", "safety.view_visitors", order=30)(
    gate.visitors_on_campus_card
)

# --- Attachments (visitor photos; pickup persons' photos and signed proxy agreements) -----
register_attachable(
    "safety.Visitor",
    "safety.view_visitors",
    "safety.register_visitors",
    detail_url_name="safety:visitor_detail",
)
register_attachable(
    "safety.PickupPerson",
    "safety.view_pickup",
    "safety.manage_pickup",
    detail_url_name="safety:pickupperson_detail",
)

# --- houqin tick --------------------------------------------------------------------------
ticks.register("safety.visitors_after_closing", order=70)(gate.flag_visitors_after_closing)
ticks.register("safety.children_after_closing", order=71)(gate.flag_children_after_closing)

# --- Demo data ----------------------------------------------------------------------------
demo.register(order=210)(gate_demo.add_demo_rows)
