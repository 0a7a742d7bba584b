"""docs/roles.md is generated from houqin.core.roles and must be up to date."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from houqin.core.management.commands.roles_doc import default_path, render
from houqin.core.roles import PERMISSIONS, Role, role_permissions


def test_docs_roles_md_is_up_to_date():
    """Fails after a change to the role matrix: run `houqin roles_doc` and commit docs/roles.md."""
    assert default_path().exists(), "docs/roles.md is missing: run `houqin roles_doc`"
    call_command("roles_doc", check=True, stdout=io.StringIO())


def test_check_fails_on_a_stale_file(tmp_path):
    stale = tmp_path / "roles.md"
    stale.write_text(render().replace("✓", "", 1), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("roles_doc", check=True, output=str(stale), stdout=io.StringIO())
    call_command("roles_doc", output=str(stale), stdout=io.StringIO())
    call_command("roles_doc", check=True, output=str(stale), stdout=io.StringIO())


@translation.override("en")
def test_document_shows_every_role_and_permission():
    """The document is written in English (with the Chinese role names beside)."""
    text = render()
    for role in Role:
        assert f"`{role.value}`" in text
        assert str(role.label) in text
    assert "园长/校长" in text and "教育局/集团督查" in text
    by_role = role_permissions()
    for perm, description in PERMISSIONS.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{perm}` |"))
        assert str(description) in row
        marks = [cell.strip() for cell in row.strip("|").split("|")[2:]]
        assert marks == ["✓" if perm in by_role[str(r)] else "" for r in Role]


def test_render_ignores_the_active_language():
    from django.utils import translation

    with translation.override("en"):
        english = render()
    with translation.override("zh-hans"):
        assert render() == english
