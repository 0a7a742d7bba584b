"""``houqin restore FILE``: put back a backup made by ``houqin backup``.

* SQLite: the backup file is copied into the live database with sqlite3's backup API.
* PostgreSQL: ``pg_restore --clean --if-exists --single-transaction`` into the database of
  ``DATABASE_URL``.

The media archive beside the file (``….media.tar.gz``) becomes the new MEDIA_ROOT; the old
folder is kept beside it. A database that already holds data is overwritten only with
``--force``. Stop the web server and the worker first, and run ``houqin migrate``
afterwards when the backup comes from an older version.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from .backup import (
    database_has_data,
    detect_kind,
    media_path_for,
    media_restore,
    pg_restore,
    sqlite_restore,
    vendor,
)


class Command(BaseCommand):
    help = "Restore a backup made by “houqin backup” (database and uploaded files)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .sqlite3 or .pgdump file written by houqin backup.")
        parser.add_argument(
            "--force", action="store_true", help="Overwrite a database that already holds data."
        )
        parser.add_argument(
            "--media", default=None, help="Media archive (default: the .media.tar.gz beside the file)."
        )
        parser.add_argument("--no-media", action="store_true", help="Leave MEDIA_ROOT as it is.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args, **options):
        alias = options["database"]
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("%(path)s does not exist.") % {"path": path})
        kind = vendor(alias)
        found = detect_kind(path)
        if found != kind:
            raise CommandError(
                _("%(path)s is a %(found)s backup, but the database is %(kind)s.")
                % {"path": path, "found": found, "kind": kind}
            )
        media = None
        if not options["no_media"]:
            media = Path(options["media"]) if options["media"] else media_path_for(path)
            if options["media"] and not media.is_file():
                raise CommandError(_("%(path)s does not exist.") % {"path": media})
            if not media.is_file():
                self.stderr.write(
                    _("No media archive at %(path)s; uploaded files are left as they are.") % {"path": media}
                )
                media = None
        if database_has_data(alias) and not options["force"]:
            raise CommandError(
                _("The database already holds data; add --force to replace it with the backup.")
            )

        if kind == "sqlite":
            sqlite_restore(path, alias)
        else:
            pg_restore(path, alias)
        self.stdout.write(self.style.SUCCESS(_("Database restored from %(path)s") % {"path": path}))
        if media is not None:
            kept = media_restore(media)
            self.stdout.write(
                self.style.SUCCESS(_("Uploaded files restored from %(path)s") % {"path": media})
            )
            if kept is not None:
                self.stdout.write(_("The previous uploaded files were kept in %(path)s") % {"path": kept})
        self.stdout.write(_("If the backup comes from an older version, run “houqin migrate” now."))
