"""``houqin serve``: the production web server (gunicorn), or Django's ``runserver`` with ``--dev``.

gunicorn runs ``houqin.wsgi:application`` with threaded workers, the access log on stdout
and the error log on stderr; put nginx in front of it (docs/deployment.md). Static files
are served by WhiteNoise from STATIC_ROOT, so run ``houqin collectstatic`` after each
upgrade (``houqin demo`` does).

The number of workers defaults to ``$WEB_CONCURRENCY`` or 2 × CPUs + 1 (at most 8); more
gunicorn options can be given in ``$GUNICORN_CMD_ARGS``.
"""

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


def default_workers():
    env = os.environ.get("WEB_CONCURRENCY", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def gunicorn_argv(*, bind, workers, threads, timeout, max_requests=1000):
    """The command line that runs gunicorn with our application."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "houqin.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "30",
        "--max-requests",
        str(max_requests),
        "--max-requests-jitter",
        str(max(1, max_requests // 10)),
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        "--forwarded-allow-ips",
        os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
    ]
    if os.path.isdir("/dev/shm"):
        argv += ["--worker-tmp-dir", "/dev/shm"]
    if _gunicorn_knows("control_socket_disable"):
        # Recent gunicorn versions open a control socket in ~/.gunicorn by default; we do not use it,
        # and two servers (demo and production, say) would fight over the one path.
        argv += ["--no-control-socket"]
    return argv


def _gunicorn_knows(setting_name):
    try:
        from gunicorn import config
    except ImportError:
        return False
    return any(s.name == setting_name for s in config.KNOWN_SETTINGS)


class Command(BaseCommand):
    help = "Run the production web server (gunicorn); --dev runs Django's development server instead."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="Address to listen on (default 127.0.0.1:8000)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Worker processes (default $WEB_CONCURRENCY or 2×CPUs+1).",
        )
        parser.add_argument("--threads", type=int, default=4, help="Threads per worker (default 4).")
        parser.add_argument(
            "--timeout", type=int, default=60, help="Seconds before a silent worker is restarted."
        )
        parser.add_argument(
            "--dev", action="store_true", help="Use Django's runserver (auto-reload, DEBUG tooling)."
        )

    def handle(self, *args, **options):
        bind = options["bind"]
        if options["dev"]:
            addrport = bind.replace("[", "").replace("]", "") if bind.count(":") > 1 else bind
            call_command("runserver", addrport, use_reloader=True)
            return
        if options["workers"] is not None and options["workers"] < 1:
            raise CommandError(_("There must be at least one worker."))
        if options["threads"] < 1:
            raise CommandError(_("There must be at least one thread."))
        self.warn_missing_static()
        argv = gunicorn_argv(
            bind=bind,
            workers=options["workers"] or default_workers(),
            threads=options["threads"],
            timeout=options["timeout"],
        )
        self.stdout.write(_("Starting gunicorn on %(bind)s …") % {"bind": bind})
        self.stdout.flush()
        sys.stderr.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "houqin.settings")
        os.execv(argv[0], argv)  # replaces this process: gunicorn gets the signals directly

    def warn_missing_static(self):
        backend = settings.STORAGES["staticfiles"]["BACKEND"]
        if "Manifest" in backend and not (settings.STATIC_ROOT / "staticfiles.json").exists():
            self.stderr.write(
                _(
                    "Static files have not been collected to %(root)s: run “houqin collectstatic --noinput” first."
                )
                % {"root": settings.STATIC_ROOT}
            )
        try:
            import gunicorn  # noqa: F401
        except ImportError:
            raise CommandError(_("gunicorn is not installed in this environment."))
