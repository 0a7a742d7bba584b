"""Shared helpers of the maintenance tests."""

from houqin.maintenance import services
from tests.safety.hazard_helpers import png

__all__ = ["png", "report", "dispatched", "done"]


def report(people, room, who="teacher", **kwargs):
    kwargs.setdefault("description", "水龙头漏水，关不紧")
    return services.repair_request_create(
        actor=people[who], campus=room.campus, room=room, **kwargs
    )


def dispatched(people, room, **kwargs):
    repair = report(people, room, **kwargs)
    services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"])
    return repair


def done(people, room, **kwargs):
    repair = dispatched(people, room, **kwargs)
    services.work_order_finish(actor=people["repair"], repair=repair, work_done="更换阀芯", photos=[png()])
    return repair
