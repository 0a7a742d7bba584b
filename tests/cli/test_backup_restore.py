"""``houqin backup`` / ``houqin restore``: a round trip brings the rows and the files back.

The database copy must see committed rows (SQLite backup API, pg_dump in another process),
so these tests use real transactions. The PostgreSQL test runs when the suite runs on
PostgreSQL (CI runs it on both engines).
"""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from houqin.core.management.commands.backup import database_has_data, detect_kind
from houqin.core.models import Campus, Child, Organization
from tests import factories as f

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def run(*args, **kwargs):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **kwargs)
    return out.getvalue()


def make_rows(settings):
    campus = f.CampusFactory(code="roundtrip", name="往返幼儿园")
    children = [f.ChildFactory(campus=campus, name=name) for name in ("张小明", "李思琪", "王子涵")]
    media = Path(settings.MEDIA_ROOT)
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "photo.jpg").write_bytes(b"\xff\xd8 original photo")
    return campus, children


def change_rows(settings, campus, children):
    Campus.objects.filter(pk=campus.pk).update(name="改名幼儿园")
    Child.objects.filter(pk=children[0].pk).delete()
    f.ChildFactory(campus=campus, name="新来的")
    f.CampusFactory(code="after-backup")
    media = Path(settings.MEDIA_ROOT)
    (media / "attachments" / "photo.jpg").write_bytes(b"overwritten")
    (media / "attachments" / "later.jpg").write_bytes(b"added later")


def assert_rows_are_back(settings, campus, children):
    campus.refresh_from_db()
    assert campus.name == "往返幼儿园"
    assert sorted(Child.objects.filter(campus=campus).values_list("name", flat=True)) == sorted(
        c.name for c in children
    )
    assert not Campus.objects.filter(code="after-backup").exists()
    media = Path(settings.MEDIA_ROOT)
    assert (media / "attachments" / "photo.jpg").read_bytes() == b"\xff\xd8 original photo"
    assert not (media / "attachments" / "later.jpg").exists()


def round_trip(settings, tmp_path, suffix):
    campus, children = make_rows(settings)
    out = run("backup", output=str(tmp_path / "backups") + "/")
    files = sorted((tmp_path / "backups").iterdir())
    assert [p.name.endswith(suffix) or p.name.endswith(".media.tar.gz") for p in files] == [True, True]
    db_file = next(p for p in files if p.name.endswith(suffix))
    assert str(db_file) in out

    change_rows(settings, campus, children)
    with pytest.raises(CommandError, match="--force"):
        run("restore", str(db_file))
    run("restore", str(db_file), force=True)
    assert_rows_are_back(settings, campus, children)
    return db_file


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_sqlite_round_trip(settings, tmp_path):
    db_file = round_trip(settings, tmp_path, ".sqlite3")
    assert detect_kind(db_file) == "sqlite"


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_round_trip(settings, tmp_path):
    db_file = round_trip(settings, tmp_path, ".pgdump")
    assert detect_kind(db_file) == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_restore_into_an_empty_database_needs_no_force(settings, tmp_path):
    campus, children = make_rows(settings)
    run("backup", output=str(tmp_path) + "/")
    db_file = next(p for p in tmp_path.iterdir() if not p.name.endswith(".tar.gz") and p.is_file())
    call_command("flush", interactive=False, verbosity=0)
    assert not database_has_data()
    run("restore", str(db_file), no_media=True)
    assert Organization.objects.filter(pk=campus.organization_id).exists()
    assert Child.objects.filter(campus=campus).count() == 3


@pytest.mark.django_db
def test_restore_refuses_wrong_files(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all")
    with pytest.raises(CommandError):
        run("restore", str(junk), force=True)
    with pytest.raises(CommandError):
        run("restore", str(tmp_path / "missing.sqlite3"), force=True)


@pytest.mark.django_db
def test_backup_file_name_and_default_folder(settings, tmp_path):
    from houqin.core.management.commands.backup import backup_paths

    settings.VAR_DIR = tmp_path
    db_path, media_path = backup_paths()
    assert db_path.parent == tmp_path / "backups"
    assert db_path.name.startswith("houqin-") and db_path.suffix in (".sqlite3", ".pgdump")
    assert media_path.name == db_path.stem + ".media.tar.gz"
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"")
    second, _media = backup_paths()
    assert second != db_path and second.parent == db_path.parent
