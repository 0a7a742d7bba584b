#!/usr/bin/env python
"""Benchmark the routines engine of ``houqin tick`` on the large data set.

    .venv/bin/python bench/bench_tick.py                  # scratch SQLite file, seeded here
    .venv/bin/python bench/bench_tick.py --db /tmp/x.db   # another scratch file
    .venv/bin/python bench/bench_tick.py --use-current-db # the configured DATABASE_URL

Steps (each timed): seed ``houqin seed --size large`` (3 campuses) unless it is there,
enable the whole routine library on every campus, generate every check of the autumn term
at once (and again, to show it is idempotent), run the daily tick for every day of the
term (generate today + 7 days, mark yesterday's open checks missed)
and compute the term's completion report. Prints the figures.

With ``--use-current-db`` the rows it creates stay in that database (only use a copy).
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/houqin-bench-tick.sqlite3", help="scratch SQLite file (recreated)")
    parser.add_argument("--use-current-db", action="store_true", help="use DATABASE_URL instead of a scratch file")
    parser.add_argument("--campuses", type=int, default=3)
    parser.add_argument(
        "--room-routines",
        type=int,
        default=1,
        help="also give every room this many daily routines of its own (0: the library only)",
    )
    return parser.parse_args()


class Timer:
    def __init__(self):
        self.rows = []

    def __call__(self, label, func, *args, **kwargs):
        started = time.perf_counter()
        result = func(*args, **kwargs)
        elapsed = time.perf_counter() - started
        self.rows.append((label, elapsed, result))
        print(f"{label:<58} {elapsed:8.2f} s   {result if result is not None else ''}", flush=True)
        return result


def main():
    args = parse_args()
    if not args.use_current_db:
        db = Path(args.db)
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "houqin.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from houqin.core import demo, routine_library, routines
    from houqin.core.audit import audit_context
    from houqin.core.models import Campus, RoutineOccurrence, RoutineResult, Term

    timer = Timer()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if not args.use_current_db:
        timer("migrate", call_command, "migrate", verbosity=0)
    with audit_context(source="cli"), scopes_disabled():
        if not demo.large_present():
            timer("seed --size large", demo.load_large, campuses=args.campuses)
        campuses = list(Campus.objects.filter(organization__code=demo.LARGE_ORG_CODE).order_by("code"))
        keys = [entry.key for entry in routine_library.LIBRARY]

        def enable():
            return sum(
                len(routines.routine_enable_from_library(actor=None, campus=c, library_keys=keys, generate=False))
                for c in campuses
            )

        templates = timer(f"enable the library ({len(keys)} routines) on {len(campuses)} campuses", enable)

        def room_routines():
            from houqin.core.models import Room, RoutineItem, RoutineTemplate

            n = 0
            for room in Room.objects.filter(campus__in=campuses).select_related("building"):
                for k in range(args.room_routines):
                    template = RoutineTemplate(
                        name=f"{room.name}下班前检查{k + 1}", category="safety.patrol", room=room,
                        responsible_role="childcare_worker", window_start=dt.time(16, 30), window_end=dt.time(17, 30),
                    )  # fmt: skip
                    items = [RoutineItem(label=label) for label in ("水龙头关闭", "电源关闭", "门窗上锁")]
                    routines.routine_template_create(
                        actor=None, campus=room.campus, template=template, items=items, generate=False
                    )
                    n += 1
            return n

        if args.room_routines:
            templates += timer(f"add {args.room_routines} daily routine(s) per room", room_routines)
        terms = list(Term.objects.filter(campus__in=campuses, kind="autumn"))
        start = min(t.start_date for t in terms)
        end = max(t.end_date for t in terms)
        before_term = timezone.make_aware(dt.datetime.combine(start - dt.timedelta(days=1), dt.time(6)))
        print(f"term: {start} – {end}, {len(terms[0].school_days())} school days; {templates} routines")

        def whole_term():
            return routines.generate_occurrences(start=start, until=end, now=before_term)

        created = timer("generate the whole term at once", whole_term)
        timer("generate the whole term again (idempotent: 0 new)", whole_term)

        # The daily tick across the term, on a fresh set: first delete what was generated.
        RoutineOccurrence.objects.all().delete()

        def daily_ticks():
            runs = 0
            day = start
            while day <= end:
                routines.routines_tick(timezone.make_aware(dt.datetime.combine(day, dt.time(0, 5))))
                runs += 1
                day += dt.timedelta(days=1)
            return runs

        runs = timer("houqin tick's routines job once a day for the whole term", daily_ticks)
        total = RoutineOccurrence.objects.count()
        missed = RoutineOccurrence.objects.filter(status="missed").count()
        print(f"  {runs} runs, {total} checks generated, {missed} marked missed (nobody completed them)")
        middle = start + (end - start) // 2
        timer(
            "one more tick mid-term (the 5-minute run: nothing new)",
            routines.routines_tick,
            timezone.make_aware(dt.datetime.combine(middle, dt.time(10, 5))),
        )

        def report():
            return sum(
                len(routines.routine_report(campus=c, date_from=start, date_to=end, by="routine",
                                            now=timezone.make_aware(dt.datetime.combine(end, dt.time(23))))["rows"])
                for c in campuses
            )  # fmt: skip

        timer("completion report of the term, by routine, every campus", report)
        print(
            f"totals: {RoutineOccurrence.objects.count()} checks, {RoutineResult.objects.count()} results; "
            f"whole-term generation created {created}"
        )
    print("\nsummary")
    for label, elapsed, _result in timer.rows:
        print(f"  {label:<58} {elapsed:8.2f} s")


if __name__ == "__main__":
    main()
