"""The dashboard registry: apps register "needs attention" providers.

A provider is a function ``(request) -> list[Attention]`` registered with the permission
a user needs to see it. The home page calls every provider the user's roles allow; each
provider must run a bounded number of queries.
"""

from dataclasses import dataclass, field


@dataclass
class Attention:
    title: str
    count: int | None  # None: a condition to fix rather than a number of items
    url: str = ""
    level: str = "warning"  # info, warning, danger, success
    detail: str = ""
    items: list = field(default_factory=list)  # [(label, url)] a few examples


@dataclass
class Provider:
    key: str
    permission: str
    func: object
    order: int = 100


_providers: dict[str, Provider] = {}


def register(key, permission, order=100):
    def decorator(func):
        _providers[key] = Provider(key, permission, func, order)
        return func

    return decorator


def providers():
    return sorted(_providers.values(), key=lambda p: p.order)


def attention_for(request):
    cards = []
    for provider in providers():
        if provider.permission not in request.perms:
            continue
        for card in provider.func(request) or []:
            cards.append(card)
    return cards
