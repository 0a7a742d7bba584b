"""``houqin serve``: gunicorn with our application, or runserver with --dev."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from houqin.core.management.commands import serve


@pytest.fixture
def execv(monkeypatch):
    calls = []
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: calls.append((path, argv)))
    return calls


def test_gunicorn_command_line(execv, monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    call_command("serve", bind="0.0.0.0:9000", threads=8, stdout=io.StringIO(), stderr=io.StringIO())
    ((path, argv),) = execv
    assert argv[0] == path
    assert argv[1:4] == ["-m", "gunicorn", "houqin.wsgi:application"]
    opts = dict(zip(argv[4::2], argv[5::2], strict=False))
    assert opts["--bind"] == "0.0.0.0:9000"
    assert opts["--threads"] == "8"
    assert opts["--worker-class"] == "gthread"
    assert opts["--access-logfile"] == "-"
    assert 1 <= int(opts["--workers"]) <= 8


def test_workers_from_environment(execv, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    call_command("serve", stdout=io.StringIO(), stderr=io.StringIO())
    argv = execv[0][1]
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8000"


def test_bad_numbers_are_refused(execv):
    with pytest.raises(CommandError):
        call_command("serve", workers=0, stdout=io.StringIO())
    assert execv == []


def test_dev_uses_runserver(monkeypatch):
    calls = []
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: calls.append((a, k)))
    call_command("serve", dev=True, bind="127.0.0.1:8001", stdout=io.StringIO())
    assert calls == [(("runserver", "127.0.0.1:8001"), {"use_reloader": True})]


def test_gunicorn_loads_the_application():
    """The module path we hand to gunicorn is importable and is a WSGI callable."""
    from houqin.wsgi import application

    assert callable(application)
