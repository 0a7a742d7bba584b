import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, connections
from django.db.models.query import QuerySet
from django_scopes import scopes_disabled

from houqin.core.models import NumberSequence
from houqin.core.numbering import next_number


def test_sequence_counts_up(campus):
    day = dt.date(2026, 3, 2)
    assert next_number(campus=campus, prefix="CG", on_date=day) == "CG-2026-0001"
    assert next_number(campus=campus, prefix="CG", on_date=day) == "CG-2026-0002"
    assert next_number(campus=campus, prefix="CG", on_date=day) == "CG-2026-0003"
    seq = NumberSequence.objects.get(campus=campus, prefix="CG", year=2026)
    assert seq.last_value == 3


def test_prefixes_are_separate(campus):
    day = dt.date(2026, 3, 2)
    assert next_number(campus=campus, prefix="CG", on_date=day) == "CG-2026-0001"
    assert next_number(campus=campus, prefix="SQ", on_date=day) == "SQ-2026-0001"
    assert next_number(campus=campus, prefix="CG", on_date=day) == "CG-2026-0002"


def test_year_rollover_restarts(campus):
    assert next_number(campus=campus, prefix="CG", on_date=dt.date(2026, 12, 31)) == "CG-2026-0001"
    assert next_number(campus=campus, prefix="CG", on_date=dt.date(2026, 12, 31)) == "CG-2026-0002"
    assert next_number(campus=campus, prefix="CG", on_date=dt.date(2027, 1, 1)) == "CG-2027-0001"
    # a late entry for the old year continues the old year's counter
    assert next_number(campus=campus, prefix="CG", on_date=dt.date(2026, 12, 30)) == "CG-2026-0003"


def test_year_follows_local_time(campus):
    # 2026-12-31 17:00 UTC is already 2027-01-01 01:00 in Asia/Shanghai
    moment = dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)
    assert next_number(campus=campus, prefix="CG", on_date=moment) == "CG-2027-0001"


def test_defaults_to_today(campus):
    from django.utils import timezone

    year = timezone.localdate().year
    assert next_number(campus=campus, prefix="BX") == f"BX-{year}-0001"


def test_campuses_are_separate(campus, other_campus):
    day = dt.date(2026, 5, 1)
    assert next_number(campus=campus, prefix="CG", on_date=day) == "CG-2026-0001"
    assert next_number(campus=campus, prefix="CG", on_date=day) == "CG-2026-0002"
    assert next_number(campus=other_campus, prefix="CG", on_date=day) == "CG-2026-0001"
    assert next_number(campus=other_campus.pk, prefix="CG", on_date=day) == "CG-2026-0002"


def test_more_than_four_digits(campus):
    NumberSequence.objects.create(campus=campus, prefix="CG", year=2026, last_value=9999)
    assert next_number(campus=campus, prefix="CG", on_date=dt.date(2026, 1, 5)) == "CG-2026-10000"


@pytest.mark.parametrize("prefix", ["", "cg", "TOOLONGPREFIX", "C-G", "1A"])
def test_bad_prefix_refused(campus, prefix):
    with pytest.raises(ValueError):
        next_number(campus=campus, prefix=prefix)


def test_rolled_back_number_is_reused(campus):
    from django.db import transaction

    day = dt.date(2026, 3, 2)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_number(campus=campus, prefix="CG", on_date=day) == "CG-2026-0001"
        raise RuntimeError("document failed to save")
    assert next_number(campus=campus, prefix="CG", on_date=day) == "CG-2026-0001"


def test_creation_race_is_retried(campus, monkeypatch):
    """Another writer creates the year's row between our lookup and our insert."""
    original = QuerySet.get_or_create
    calls = {"n": 0}

    def racing_get_or_create(self, defaults=None, **kwargs):
        if self.model is NumberSequence:
            calls["n"] += 1
            if calls["n"] == 1:
                # our INSERT lost against a writer whose row we cannot see yet
                raise IntegrityError("UNIQUE constraint failed")
            if calls["n"] == 2:
                # by the retry the winner has committed its first number
                NumberSequence.objects.create(campus=campus, prefix="CG", year=2026, last_value=1)
        return original(self, defaults=defaults, **kwargs)

    monkeypatch.setattr(QuerySet, "get_or_create", racing_get_or_create)
    assert next_number(campus=campus, prefix="CG", on_date=dt.date(2026, 6, 1)) == "CG-2026-0002"
    assert calls["n"] == 2


def _in_memory_sqlite():
    return connection.vendor == "sqlite" and connection.creation.is_in_memory_db(
        connection.settings_dict["NAME"]
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_distinct_numbers(campus):
    if _in_memory_sqlite():
        pytest.skip(
            "threads cannot share an in-memory SQLite database; runs on PostgreSQL or a file database"
        )
    results, errors = [], []
    barrier = threading.Barrier(6)

    def worker():
        try:
            barrier.wait(timeout=10)
            with scopes_disabled():
                for _ in range(5):
                    results.append(next_number(campus=campus, prefix="CG", on_date=dt.date(2026, 9, 1)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert sorted(results) == [f"CG-2026-{i:04d}" for i in range(1, 31)]
