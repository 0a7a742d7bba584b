"""The module menu: each app registers its sections and entries with the permission
needed to see them; the base layout shows what the user's roles allow."""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass
class NavItem:
    label: str
    url_name: str
    permission: str
    icon: str = ""


@dataclass
class NavSection:
    key: str
    label: str
    icon: str
    order: int
    items: list[NavItem] = field(default_factory=list)


_sections: dict[str, NavSection] = {}


def register_section(key, label, icon, order):
    _sections.setdefault(key, NavSection(key, label, icon, order))
    return _sections[key]


def register_item(section_key, label, url_name, permission, icon=""):
    section = _sections[section_key]
    if not any(i.url_name == url_name for i in section.items):
        section.items.append(NavItem(label, url_name, permission, icon))


def build_navigation(request):
    """[(section, [(item, url, active)])] visible to the request's roles on its campus."""
    perms = request.perms
    code = request.campus.code
    current = request.path_info
    out = []
    for section in sorted(_sections.values(), key=lambda s: s.order):
        items = []
        for item in section.items:
            if item.permission in perms:
                try:
                    url = reverse(item.url_name, kwargs={"campus": code})
                except NoReverseMatch:  # an app not installed; tests check every item resolves
                    continue
                items.append((item, url, current.startswith(url) and url != f"/c/{code}/"))
        if items:
            out.append((section, items))
    return out
