"""The public disclosure page (公示) registry: apps add sections to /p/<campus>/.

A section is a function ``(request, campus) -> dict | None`` returning the context for its
template; ``None`` hides the section. Sections show only published data.
"""

from dataclasses import dataclass


@dataclass
class Section:
    key: str
    title: str
    template: str
    func: object
    order: int = 100


_sections: dict[str, Section] = {}


def register(key, title, template, order=100):
    def decorator(func):
        _sections[key] = Section(key, title, template, func, order)
        return func

    return decorator


def sections_for(request, campus):
    out = []
    for section in sorted(_sections.values(), key=lambda s: s.order):
        ctx = section.func(request, campus)
        if ctx is not None:
            out.append((section, ctx))
    return out
