"""Actions offered on the public page a room's QR label opens (``/q/<token>/``).

Apps register what a person standing in the room may do without logging in — report a
hazard, report a repair — from their ``registrations`` module::

    register_qr_action("safety.hazard", _("Report a hazard"), "qr_hazard_report", "ti-alert-triangle")

``url_name`` is a URL name (outside any campus) taking the room's ``token``; the landing
page lists the registered actions in ``order``.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class QrAction:
    key: str
    label: object
    url_name: str
    icon: str = ""
    order: int = 100


_actions: dict[str, QrAction] = {}


def register_qr_action(key, label, url_name, icon="", order=100):
    action = QrAction(key, label, url_name, icon, order)
    _actions[key] = action
    return action


def all_actions() -> list[QrAction]:
    return sorted(_actions.values(), key=lambda a: (a.order, a.key))


def actions_for(room) -> list[tuple[QrAction, str]]:
    """[(action, url)] for a room's QR token; actions whose URL does not resolve are left out."""
    out = []
    for action in all_actions():
        try:
            out.append((action, reverse(action.url_name, kwargs={"token": room.qr_token})))
        except NoReverseMatch:
            continue
    return out
