"""Periodic work run by ``houqin tick`` (from cron or a systemd timer).

Apps register idempotent jobs: ``@register("name")`` on ``def job(now) -> str``; each
returns a one-line summary. A job must be safe to run any number of times.
"""

from dataclasses import dataclass


@dataclass
class Job:
    name: str
    func: object
    order: int = 100


_jobs: dict[str, Job] = {}


def register(name, order=100):
    def decorator(func):
        _jobs[name] = Job(name, func, order)
        return func

    return decorator


def jobs():
    return sorted(_jobs.values(), key=lambda j: j.order)
