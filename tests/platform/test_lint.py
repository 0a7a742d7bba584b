"""Static rules for views: no bypassing the campus scope or the access helpers."""

import ast
import pathlib

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "houqin"
FORBIDDEN_CALLS = {"scopes_disabled", "with_scopes_disabled", "_base_manager", "_default_manager"}


def view_files():
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if "views" in rel.parts or rel.name in ("views.py", "api.py") or (rel.parts[0] == "api" and rel.name != "auth.py"):
            yield path


def test_views_never_disable_scopes():
    offenders = []
    for path in view_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.Name):
                name = node.id
            if name in FORBIDDEN_CALLS:
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno} {name}")
    assert not offenders, "views must not bypass the campus scope (use a selector): " + ", ".join(offenders)


def test_views_do_not_query_users_or_memberships_unfiltered():
    """User and Membership are not campus-scoped; views must go through helpers that filter."""
    offenders = []
    for path in view_files():
        text = path.read_text(encoding="utf-8")
        for lineno, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            for model in ("User.objects.all()", "Membership.objects.all()", "Campus.objects.all()"):
                if model in stripped:
                    offenders.append(f"{path.relative_to(SRC)}:{lineno}")
    assert not offenders, offenders


def test_no_cdn_references():
    offenders = []
    for path in list(SRC.rglob("*.html")) + list(SRC.rglob("*.py")) + list(SRC.rglob("*.js")):
        text = path.read_text(encoding="utf-8", errors="ignore")
        for marker in ("cdn.jsdelivr", "unpkg.com", "cdnjs.", "fonts.googleapis", "bootcdn"):
            if marker in text:
                offenders.append(f"{path.relative_to(SRC)}: {marker}")
    assert not offenders, offenders
