#!/usr/bin/env python
"""Benchmark the menu generator (智能排餐, ``houqin.canteen.menugen``) on the demo dish library.

    .venv/bin/python bench/bench_canteen_menugen.py                 # scratch SQLite file
    .venv/bin/python bench/bench_canteen_menugen.py --repeat 10     # more runs
    .venv/bin/python bench/bench_canteen_menugen.py --db /tmp/x.db  # another scratch file

Steps: create the tables in a scratch SQLite file (straight from the models), one
kindergarten campus with a health teacher, the nutrition demo's composition table and dish
library (~50 dishes with recipes for 4–6 y and 1–3 y) and the demo campuses' meals and
generator settings (早餐、早点、午餐、午点; drinks may repeat); then time, for each age group,
loading the library and proposing a week (``menugen.propose``: build the MILP, solve it
with HiGHS, analyse the result) ``--repeat`` times. Prints the model size, the status, the
cost per child per day, the targets not met and the best / median / worst solve time.
Target: a proposal in under 2 s.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
TARGET_S = 2.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", default="/tmp/houqin-bench-menugen.sqlite3", help="scratch SQLite file (recreated)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="proposals per age group")
    return parser.parse_args()


class DisableMigrations(dict):
    """Create the tables straight from the models (the scratch database needs no history)."""

    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


def main():
    args = parse_args()
    db = Path(args.db)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "houqin.settings")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from houqin.canteen import meals_demo, menugen, nutrition_demo
    from houqin.core.audit import audit_context
    from houqin.core.models import Campus, Membership, Organization, User
    from houqin.core.roles import Role
    from houqin.core.settings_services import campus_settings_update

    settings.MIGRATION_MODULES = DisableMigrations()

    def timed(label, func, *a, **kw):
        started = time.perf_counter()
        result = func(*a, **kw)
        print(f"{label:<62} {time.perf_counter() - started:8.2f} s", flush=True)
        return result

    print(f"database: {connection.vendor} {db}")
    timed("create the tables", call_command, "migrate", run_syncdb=True, verbosity=0)
    with audit_context(source="cli"), scopes_disabled():
        org = Organization.objects.create(name="基准测试集团", code="bench-menugen")
        campus = Campus.objects.create(organization=org, name="基准幼儿园", code="bench-menugen",
                                       kind=Campus.Kind.KINDERGARTEN)  # fmt: skip
        health = User.objects.create(username="bench-health", real_name="周慧")
        Membership.objects.create(user=health, campus=campus, role=Role.HEALTH_TEACHER)

        def library():
            campus_settings_update(
                actor=health, campus=campus, values={"nutrition.meal_kinds": nutrition_demo.DEMO_MEALS}
            )
            campus._settings_cache = None
            ingredients = nutrition_demo._ingredients(None, campus, health)
            return len(nutrition_demo._dishes(campus, health, ingredients))

        count = timed("the nutrition demo's composition table and dishes", library)
        meals_demo.generator_settings(campus, health)
        print(f"  {count} dishes; meals {menugen.rules_for(campus).meals}")
        today = timezone.localdate()
        week = today + dt.timedelta(days=7 - today.weekday())
        summary = []
        for group in ("4-6", "1-3"):
            loaded = timed(
                f"load the library for {group} (recipes, bans)", menugen.load_library, campus, group
            )
            times, proposal, error = [], None, None
            for _n in range(args.repeat):
                started = time.perf_counter()
                try:
                    proposal = menugen.propose(campus, group, week)
                except menugen.MenuGenerationError as exc:
                    error = exc.reasons
                times.append(time.perf_counter() - started)
            print(f"propose the week of {week} for {group}, {args.repeat} runs:")
            if error:
                print("  no menu:", *error, sep="\n    ")
            else:
                print(f"  {len(loaded[0])} dishes in the library, {proposal.variables} variables, "
                      f"{proposal.constraints} constraints; status {proposal.status}")  # fmt: skip
                print(f"  cost ¥{proposal.cost_per_day:.2f} per child per day; {len(proposal.items)} dishes; "
                      f"{len(proposal.shortfalls)} targets not met"
                      + (": " + ", ".join(f"{s['label']} {s['day'] or 'week'}" for s in proposal.shortfalls[:6])
                         if proposal.shortfalls else ""))  # fmt: skip
            best, median, worst = min(times), statistics.median(times), max(times)
            print(
                f"  propose (build + solve + analyse): best {best:.2f} s, median {median:.2f} s, "
                f"worst {worst:.2f} s  [{'ok' if median < TARGET_S else 'SLOW'}: target < {TARGET_S:.0f} s]"
            )
            summary.append((group, median))
        print("summary: " + "; ".join(f"{g} median {m:.2f} s" for g, m in summary))


if __name__ == "__main__":
    main()
