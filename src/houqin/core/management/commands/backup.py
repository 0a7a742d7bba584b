"""``houqin backup``: a consistent copy of the database plus a tar.gz of the uploaded files.

* SQLite: an online backup through sqlite3's ``Connection.backup`` API (safe while the
  server runs; WAL included), written to ``var/backups/houqin-YYYYmmdd-HHMMSS.sqlite3``.
* PostgreSQL: ``pg_dump -Fc`` with the connection parameters of ``DATABASE_URL`` (the
  password goes through ``PGPASSWORD``), written to ``houqin-YYYYmmdd-HHMMSS.pgdump``.

Beside the database file goes ``houqin-YYYYmmdd-HHMMSS.media.tar.gz`` with MEDIA_ROOT
(attachments, photos). ``houqin restore FILE`` puts both back. The helpers here are shared
with the restore command.
"""

import os
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


def vendor(alias=DEFAULT_DB_ALIAS) -> str:
    return connections[alias].vendor  # "sqlite" or "postgresql"


def default_directory() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def media_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.stem + ".media.tar.gz")


def backup_paths(output=None, alias=DEFAULT_DB_ALIAS) -> tuple[Path, Path]:
    """(database file, media archive) for a new backup; ``output`` is a file or a directory."""
    suffix = ".sqlite3" if vendor(alias) == "sqlite" else ".pgdump"
    name = f"houqin-{datetime.now():%Y%m%d-%H%M%S}{suffix}"
    if output is None:
        db_path = default_directory() / name
    else:
        as_dir = str(output).endswith(("/", os.sep))
        output = Path(output)
        if not (as_dir or output.is_dir()):
            return output, media_path_for(output)  # an explicit file name
        db_path = output / name
    n = 1
    while db_path.exists() or media_path_for(db_path).exists():  # two backups within one second
        n += 1
        db_path = db_path.with_name(f"{name[: -len(suffix)]}-{n}{suffix}")
    return db_path, media_path_for(db_path)


def database_has_data(alias=DEFAULT_DB_ALIAS) -> bool:
    """True when any table of the project (or the user table) holds a row."""
    from django.db.utils import DatabaseError

    connection = connections[alias]
    try:
        tables = set(connection.introspection.table_names())
    except DatabaseError:
        return False
    for model in apps.get_models():
        if not (model.__module__.startswith("houqin.") or model._meta.label == settings.AUTH_USER_MODEL):
            continue
        if model._meta.db_table not in tables or model._meta.proxy:
            continue
        if model._base_manager.using(alias).exists():
            return True
    return False


# --- PostgreSQL ---------------------------------------------------------------------------


def pg_connection_args(alias=DEFAULT_DB_ALIAS) -> tuple[list[str], dict]:
    """Command-line arguments and environment for pg_dump/pg_restore from Django's settings."""
    params = connections[alias].settings_dict
    args, env = [], dict(os.environ)
    if params.get("HOST"):
        args += ["--host", str(params["HOST"])]
    if params.get("PORT"):
        args += ["--port", str(params["PORT"])]
    if params.get("USER"):
        args += ["--username", str(params["USER"])]
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    options = params.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    args += ["--dbname", str(params["NAME"])]
    return args, env


def _run(cmd, env):
    if shutil.which(cmd[0]) is None:
        raise CommandError(
            _("%(tool)s is not installed: install the PostgreSQL client tools (Debian: postgresql-client).")
            % {"tool": cmd[0]}
        )
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CommandError(
            _("%(tool)s failed (exit code %(code)s): %(err)s")
            % {"tool": cmd[0], "code": result.returncode, "err": result.stderr.strip()[-2000:]}
        )
    return result


def pg_dump(dest: Path, alias=DEFAULT_DB_ALIAS):
    args, env = pg_connection_args(alias)
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dest), *args], env)


def pg_restore(src: Path, alias=DEFAULT_DB_ALIAS):
    connections[alias].close()  # hold no locks while pg_restore drops and recreates tables
    args, env = pg_connection_args(alias)
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(src),
        ],
        env,
    )


# --- SQLite -------------------------------------------------------------------------------


def _django_sqlite_connection(alias=DEFAULT_DB_ALIAS):
    connection = connections[alias]
    if connection.in_atomic_block:
        raise CommandError(_("Cannot copy the database inside a transaction."))
    connection.ensure_connection()
    return connection.connection  # the sqlite3.Connection


def sqlite_backup(dest: Path, alias=DEFAULT_DB_ALIAS):
    source = _django_sqlite_connection(alias)
    target = sqlite3.connect(dest)
    try:
        source.backup(target, pages=1024)
    finally:
        target.close()


def sqlite_check(src: Path):
    """Refuse a file that is not a sound SQLite database of this application."""
    with open(src, "rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise CommandError(_("%(path)s is not an SQLite database.") % {"path": src})
    conn = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        has_migrations = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='django_migrations'"
        ).fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise CommandError(_("%(path)s cannot be read: %(err)s") % {"path": src, "err": exc})
    finally:
        conn.close()
    if ok != "ok":
        raise CommandError(_("%(path)s is damaged: %(err)s") % {"path": src, "err": ok})
    if not has_migrations:
        raise CommandError(_("%(path)s is not a Houqin database.") % {"path": src})


def sqlite_restore(src: Path, alias=DEFAULT_DB_ALIAS):
    sqlite_check(src)
    target = _django_sqlite_connection(alias)
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        source.backup(target, pages=1024)
    finally:
        source.close()


# --- Media --------------------------------------------------------------------------------


def media_archive(dest: Path):
    root = Path(settings.MEDIA_ROOT)
    with tarfile.open(dest, "w:gz") as tar:
        if root.is_dir():
            for child in sorted(root.iterdir()):
                tar.add(child, arcname=child.name)


def media_restore(archive: Path) -> Path | None:
    """Unpack the archive as the new MEDIA_ROOT; the old folder is kept beside it (returned)."""
    root = Path(settings.MEDIA_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
    staging = root.with_name(f"{root.name}.restoring-{stamp}")
    staging.mkdir()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(staging, filter="data")
            else:  # pragma: no cover - Python without PEP 706
                for member in tar.getmembers():
                    if member.name.startswith(("/", "..")) or ".." in Path(member.name).parts:
                        raise CommandError(
                            _("Unsafe path in the media archive: %(name)s") % {"name": member.name}
                        )
                tar.extractall(staging)  # noqa: S202
    except (tarfile.TarError, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise CommandError(_("The media archive cannot be unpacked: %(err)s") % {"err": exc})
    kept = None
    if root.exists():
        kept = root.with_name(f"{root.name}.before-restore-{stamp}")
        root.rename(kept)
    staging.rename(root)
    return kept


def detect_kind(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return "unknown"


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup or pg_dump) and the uploaded files."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=None, help="File or directory for the backup (default var/backups/)."
        )
        parser.add_argument("--no-media", action="store_true", help="Do not archive MEDIA_ROOT.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args, **options):
        alias = options["database"]
        kind = vendor(alias)
        if kind not in ("sqlite", "postgresql"):
            raise CommandError(_("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": kind})
        db_path, media_path = backup_paths(options["output"], alias)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        partial = db_path.with_name(db_path.name + ".part")
        try:
            if kind == "sqlite":
                sqlite_backup(partial, alias)
            else:
                pg_dump(partial, alias)
            partial.replace(db_path)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(self.style.SUCCESS(_("Database saved to %(path)s") % {"path": db_path}))
        if not options["no_media"]:
            partial = media_path.with_name(media_path.name + ".part")
            try:
                media_archive(partial)
                partial.replace(media_path)
            finally:
                partial.unlink(missing_ok=True)
            self.stdout.write(
                self.style.SUCCESS(_("Uploaded files saved to %(path)s") % {"path": media_path})
            )
