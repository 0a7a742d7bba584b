"""``houqin tick``: run the periodic jobs (every 5 minutes from cron or a systemd timer).

Apps register jobs in :mod:`houqin.core.ticks` when they load. Each job runs on its own:
one failing job is reported (with its traceback on stderr) and the others still run; the
command exits non-zero when any job failed. Jobs are idempotent, so running the command
again, or late, is harmless.
"""

import time
import traceback

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from houqin.core import ticks
from houqin.core.audit import audit_context


class Command(BaseCommand):
    help = "Run the periodic jobs (reminders, escalations, webhook retries…) once."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--job", action="append", dest="jobs", metavar="NAME", help="Run only this job (repeatable)."
        )
        parser.add_argument("--list", action="store_true", help="List the registered jobs and exit.")

    def handle(self, *args, **options):
        registered = ticks.jobs()
        if options["list"]:
            for job in registered:
                self.stdout.write(f"{job.name}\t{job.order}")
            return
        if options["jobs"]:
            known = {job.name: job for job in registered}
            unknown = [name for name in options["jobs"] if name not in known]
            if unknown:
                raise CommandError(
                    _("Unknown job: %(names)s. Registered jobs: %(known)s.")
                    % {"names": ", ".join(unknown), "known": ", ".join(sorted(known)) or "—"}
                )
            registered = [job for job in registered if job.name in options["jobs"]]

        now = timezone.now()
        failed = []
        with audit_context(source="cli"), scopes_disabled():
            for job in registered:
                started = time.monotonic()
                try:
                    summary = job.func(now)
                except Exception as exc:  # one job's failure must not stop the others
                    failed.append(job.name)
                    self.stdout.write(
                        self.style.ERROR("FAILED")
                        + f" {job.name}: {type(exc).__name__}: {exc} ({time.monotonic() - started:.2f} s)"
                    )
                    self.stderr.write(traceback.format_exc())
                else:
                    self.stdout.write(
                        self.style.SUCCESS("ok")
                        + f" {job.name}: {summary or '—'} ({time.monotonic() - started:.2f} s)"
                    )
        self.stdout.write(
            _("%(ok)d of %(total)d jobs succeeded.")
            % {"ok": len(registered) - len(failed), "total": len(registered)}
        )
        if failed:
            raise CommandError(_("Failed jobs: %(names)s") % {"names": ", ".join(failed)}, returncode=1)
