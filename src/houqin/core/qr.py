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


# --- Rate limit of the public report forms behind the labels -------------------------------

QR_LIMIT_PER_IP = 5
QR_LIMIT_PER_TARGET = 10
QR_WINDOW_SECONDS = 3600


def qr_rate_limited(*, ip, targets=(), per_ip=QR_LIMIT_PER_IP, per_target=QR_LIMIT_PER_TARGET,
                    window=QR_WINDOW_SECONDS) -> bool:  # fmt: skip
    """Count one public report attempt (a hazard, a repair…) for the IP and for each target
    (``"room:12"``, ``"asset:7"``); True when any count is over its limit within the window
    (by default 5 an hour per IP and 10 an hour per room or asset, whatever the form).
    Uses the Django cache, no captcha."""
    from django.core.cache import cache

    over = False
    keys = [(f"qr:ip:{ip or 'unknown'}", per_ip)] + [(f"qr:{t}", per_target) for t in targets]
    for key, limit in keys:
        try:
            cache.add(key, 0, window)
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
            count = 1
        if count > limit:
            over = True
    return over
