"""The zh_Hans catalogue is complete: every string in the code is in it, translated,
not fuzzy, and the compiled .mo matches the .po."""

import os
import pathlib
import shutil
import subprocess
import sys

import polib
import pytest

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "houqin"
PO = SRC / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_catalogue_has_no_untranslated_or_fuzzy_entries():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:10]}"
    assert len(po) > 100


def test_mo_is_compiled_from_po(tmp_path):
    po = polib.pofile(str(PO))
    compiled = tmp_path / "django.mo"
    po.save_as_mofile(str(compiled))
    committed = polib.mofile(str(MO))
    fresh = polib.mofile(str(compiled))
    assert {(e.msgid, e.msgstr) for e in committed} == {(e.msgid, e.msgstr) for e in fresh}, (
        "django.mo is stale: run `houqin i18n --compile`"
    )


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools not installed (CI installs them)")
def test_catalogue_covers_every_string_in_the_code(tmp_path):
    """Extract the strings from a copy of the source and compare with the committed catalogue."""
    copy = tmp_path / "houqin"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "migrations"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "DJANGO_SETTINGS_MODULE": "houqin.settings"}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "-d", "django", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    extracted = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    committed = polib.pofile(str(PO))
    known = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
    missing = sorted({e.msgid for e in extracted if (e.msgctxt, e.msgid) not in known})
    assert not missing, f"{len(missing)} strings missing from the catalogue, e.g. {missing[:15]}"
