"""``houqin seed --size demo|large``: load the demo group or the benchmark data set.

* ``demo``: the 示范教育集团 with two kindergartens, classes, children and one user per role
  (see :mod:`houqin.core.demo`); prints the logins. Running it again changes nothing.
* ``large``: for benchmarks, at least 3 campuses, 60 classes, 1,500 children, 300 rooms and
  a user for every role on each campus, written with ``bulk_create``.

``--reset`` first deletes every row of the database (``flush``); it asks for confirmation,
or needs ``--yes`` when there is no terminal to ask on.
"""

import argparse
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from houqin.core import demo


class Command(BaseCommand):
    help = "Load the demo data (--size demo) or the large benchmark data set (--size large)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--size", choices=["demo", "large"], default="demo", help="Which data set to load."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete ALL data in the database first (asks for confirmation).",
        )
        parser.add_argument("--yes", action="store_true", help="Confirm --reset without asking.")
        # Hidden: scale the per-campus counts of the large set down (tests) or up.
        parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
        parser.add_argument("--campuses", type=int, default=demo.LARGE_CAMPUSES, help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        if options["reset"]:
            self.reset(confirmed=options["yes"])
        if options["size"] == "demo":
            self.seed_demo()
        else:
            self.seed_large(options["scale"], options["campuses"])

    def reset(self, *, confirmed):
        if not confirmed:
            if not sys.stdin.isatty():
                raise CommandError(
                    _("--reset deletes all data; add --yes to confirm when not running in a terminal.")
                )
            answer = input(_("This deletes ALL data in the database. Type 'yes' to continue: "))
            if answer.strip().lower() != "yes":
                raise CommandError(_("Reset cancelled; nothing was changed."))
        call_command("flush", interactive=False, verbosity=0)
        self.stdout.write(_("All data deleted."))

    def seed_demo(self):
        if demo.load_demo(stdout=self.stdout if self.verbosity > 1 else None):
            self.stdout.write(self.style.SUCCESS(_("Demo data loaded.")))
        else:
            self.stdout.write(_("The demo data is already there; nothing changed."))
        self.stdout.write("")
        self.stdout.write(demo.format_logins(demo.demo_logins()))
        self.stdout.write("")
        self.stdout.write(
            _(
                "The head teachers of the other classes log in as teacher02 … teacher12 with the same password."
            )
        )

    def seed_large(self, scale, campuses):
        if scale <= 0:
            raise CommandError(_("The scale must be above zero."))
        counts = demo.load_large(scale=scale, campuses=campuses, stdout=self.stdout)
        if counts is None:
            self.stdout.write(_("The large data set is already there; nothing changed."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Large data set loaded: %(campuses)s campuses, %(users)s users, %(rooms)s rooms, "
                    "%(classes)s classes, %(children)s children, %(guardians)s guardians."
                )
                % counts
            )
        )
        self.stdout.write(
            _("Users are named bench1-principal, bench1-cook … (one per role and campus); password: %(pw)s")
            % {"pw": demo.LARGE_PASSWORD}
        )
