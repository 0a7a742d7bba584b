"""``houqin tick``: runs every registered job, each on its own, and reports them."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from houqin.core import audit, ticks
from houqin.core.models import Campus, Room
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_test_jobs(monkeypatch):
    """Replace the registry with test jobs (the real ones are tested below)."""
    monkeypatch.setattr(ticks, "_jobs", {})
    seen = []

    @ticks.register("first", order=1)
    def first(now):
        ctx = audit.current_context()
        seen.append(("first", ctx.get("source"), Room.objects.count()))  # unscoped query: scopes are off
        return "2 reminders sent"

    @ticks.register("broken", order=2)
    def broken(now):
        seen.append(("broken",))
        raise RuntimeError("boom")

    @ticks.register("last", order=3)
    def last(now):
        seen.append(("last",))
        return ""

    return seen


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("tick", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_every_job_runs_and_a_failure_is_reported(only_test_jobs):
    f.RoomFactory()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("tick", stdout=out, stderr=err, no_color=True)
    assert exc.value.returncode == 1
    assert "broken" in str(exc.value)
    assert [s[0] for s in only_test_jobs] == ["first", "broken", "last"]  # the failure did not stop the rest
    assert only_test_jobs[0] == ("first", "cli", 1)
    text = out.getvalue()
    assert "ok first: 2 reminders sent" in text
    assert "FAILED broken: RuntimeError: boom" in text
    assert "ok last" in text
    last = text.splitlines()[-1]  # "2 of 3 jobs succeeded." in the active language
    assert "2" in last and "3" in last
    assert "Traceback" in err.getvalue()


def test_one_job(only_test_jobs):
    out, _err = run("--job", "first")
    assert [s[0] for s in only_test_jobs] == ["first"]
    assert "first" in out and "broken" not in out


def test_unknown_job(only_test_jobs):
    with pytest.raises(CommandError) as exc:
        run("--job", "nope")
    assert "nope" in str(exc.value) and "first" in str(exc.value)


def test_list(only_test_jobs):
    out, _err = run("--list")
    assert out.split()[::2] == ["first", "broken", "last"]
    assert only_test_jobs == []


def test_registered_jobs_run_on_an_empty_database():
    """Every job the apps register runs cleanly with nothing to do."""
    out, _err = run()
    assert len(ticks.jobs()) == sum(1 for line in out.splitlines() if " " in line and line.split()[0] == "ok")


def test_registered_jobs_run_with_the_demo_data():
    call_command("seed", size="demo", stdout=io.StringIO())
    assert Campus.objects.count() == 2
    run()
