"""``houqin demo``: bring up the demo in one command.

Migrates the database, creates the cache table, collects the static files, loads the demo
group when the database is still empty (running it again changes nothing), prints the
address and the demo logins, and serves on 127.0.0.1 (``houqin serve``).
"""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from houqin.core import demo


class Command(BaseCommand):
    help = "Set up and serve the demo: migrate, collect static files, load the demo data, serve on 127.0.0.1."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="Port on 127.0.0.1 (default 8000).")
        parser.add_argument("--dev", action="store_true", help="Serve with Django's development server.")
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare everything but do not start the server."
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        port = options["port"]
        if not 0 < port < 65536:
            raise CommandError(_("The port must be between 1 and 65535."))
        quiet = {"verbosity": max(0, self.verbosity - 1), "stdout": self.stdout, "stderr": self.stderr}

        # A fresh checkout has no var/ yet; SQLite cannot create the folder of its file.
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
        db = connection.settings_dict
        if connection.vendor == "sqlite" and not str(db["NAME"]).startswith(("file:", ":memory:")):
            Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)

        self.step(_("Applying database migrations …"))
        call_command("migrate", interactive=False, **quiet)
        call_command("createcachetable", **quiet)
        self.step(_("Collecting static files …"))
        call_command("collectstatic", interactive=False, **quiet)

        with scopes_disabled():
            if demo.demo_present():
                self.step(_("The demo data is already loaded."))
                show_logins = True
            elif demo.database_is_empty():
                self.step(_("Loading the demo data …"))
                demo.load_demo()
                show_logins = True
            else:
                self.stderr.write(
                    _("The database already holds other data, so the demo data was not loaded.")
                )
                show_logins = False

        url = f"http://127.0.0.1:{port}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Houqin demo: open %(url)s in your browser.") % {"url": url}))
        if show_logins:
            self.stdout.write(_("Demo logins (every account uses the same password):"))
            self.stdout.write("")
            self.stdout.write(demo.format_logins(demo.demo_logins()))
            self.stdout.write("")
            self.stdout.write(
                _(
                    "The head teachers of the other classes log in as teacher02 … teacher12 with the same password."
                )
            )
        self.stdout.write(_("Stop the server with Ctrl+C."))
        self.stdout.write("")
        if options["no_serve"]:
            return
        # Two workers with four threads each are plenty for a demo on a laptop.
        call_command("serve", bind=f"127.0.0.1:{port}", dev=options["dev"], workers=2)

    def step(self, message):
        self.stdout.write(self.style.MIGRATE_HEADING(message))
