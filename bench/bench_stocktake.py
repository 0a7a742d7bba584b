#!/usr/bin/env python
"""Benchmark a 5,000-line stocktake (盘点): freezing the expected list, scanning, the
reconciliation, the result page, the printable report, the .xlsx export, closing and
applying the approved adjustments.

    .venv/bin/python bench/bench_stocktake.py                  # scratch SQLite file, built here
    .venv/bin/python bench/bench_stocktake.py --db /tmp/x.db   # another scratch file
    .venv/bin/python bench/bench_stocktake.py --use-current-db # the configured DATABASE_URL (migrated)

The scratch database is created straight from the models (``migrate --run-syncdb`` with
migrations switched off), so the benchmark runs whatever state the migrations are in. It
makes one campus with ``--rooms`` rooms and ``--lines`` assets (bulk-inserted: setting up is
not what is measured), a stocktake of the whole campus, then counts it: ``--scans`` scans
through the real service (timed one by one), the rest of the found assets marked in bulk,
some found in the wrong room, some missing and a few unknown codes. Each step prints its
time; pages are fetched through Django's test client with a logged-in keeper and their SQL
query count is shown.

With ``--use-current-db`` the rows it creates stay in that database (only use a copy).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", default="/tmp/houqin-bench-stocktake.sqlite3", help="scratch SQLite file (recreated)"
    )
    parser.add_argument(
        "--use-current-db", action="store_true", help="use DATABASE_URL instead of a scratch file"
    )
    parser.add_argument("--lines", type=int, default=5000, help="assets on the expected list")
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--scans", type=int, default=500, help="scans made through the service, timed")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each read (the best and mean are shown)"
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
        print(f"{label:<62} {elapsed:8.3f} s   {result if result is not None else ''}", flush=True)
        return result

    def repeat(self, label, n, func):
        """Run ``func`` n times; record the best time (and show the mean)."""
        times, result = [], None
        for _ in range(n):
            started = time.perf_counter()
            result = func()
            times.append(time.perf_counter() - started)
        best = min(times)
        self.rows.append((label, best, result))
        print(
            f"{label:<62} {best:8.3f} s   best of {n} (mean {statistics.mean(times):.3f} s)  {result or ''}",
            flush=True,
        )
        return result


def main():
    args = parse_args()
    if not args.use_current_db:
        db = Path(args.db)
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "houqin.settings")
    # pages are rendered without collectstatic's manifest
    os.environ.setdefault("STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")

    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    timer = Timer()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if not args.use_current_db:
        settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
        timer("create the tables (syncdb)", call_command, "migrate", run_syncdb=True, verbosity=0)

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from houqin.assets import stocktake_services as services
    from houqin.assets.models import Asset, AssetCategory, Stocktake, StocktakeLine, StocktakeRoom
    from houqin.core import approvals
    from houqin.core.audit import audit_context
    from houqin.core.models import Building, Campus, Membership, Organization, Room, User
    from houqin.core.permissions import perms_for_user_on_campus
    from houqin.core.roles import Role

    with audit_context(source="cli"), scopes_disabled():
        stamp = timezone.now().strftime("%H%M%S")
        org = Organization.objects.create(name="盘点压测集团", code=f"bench-st-{stamp}")
        campus = Campus.objects.create(organization=org, name="盘点压测幼儿园", code=f"bst{stamp}")
        people = {}
        for role in (Role.ASSET_KEEPER, Role.LOGISTICS_HEAD, Role.PRINCIPAL):
            user = User.objects.create(username=f"bst-{role}-{stamp}", real_name=str(role))
            Membership.objects.create(user=user, campus=campus, role=role)
            people[str(role)] = user
        keeper = people[str(Role.ASSET_KEEPER)]

        def make_register():
            buildings = [
                Building.objects.create(campus=campus, name=f"{i + 1}号楼", floors=5) for i in range(4)
            ]
            rooms = Room.objects.bulk_create(
                [
                    Room(
                        campus=campus,
                        building=buildings[i % 4],
                        name=f"房间{i:03d}",
                        code=f"R{i:03d}",
                        floor=1 + i % 5,
                    )  # fmt: skip
                    for i in range(args.rooms)
                ]
            )
            fixed = AssetCategory.objects.create(campus=campus, name="家具", code="JJ")
            low = AssetCategory.objects.create(campus=campus, name="教玩具", code="WJ", kind="low_value")
            assets = []
            for i in range(args.lines):
                is_set = i % 10 == 0
                assets.append(
                    Asset(
                        campus=campus,
                        tag=f"ZC-{i:06d}",
                        name=f"资产{i}",
                        category=low if is_set else fixed,
                        quantity=12 if is_set else 1,
                        room=rooms[i % len(rooms)],
                        custodian=keeper,
                        price=f"{100 + (i % 50) * 37}.00",
                    )  # fmt: skip
                )
            Asset.objects.bulk_create(assets, batch_size=1000)
            return f"{len(rooms)} rooms, {len(assets)} assets"

        timer("set up the register (bulk insert, not measured)", make_register)

        stocktake = timer(
            f"create the stocktake: freeze {args.lines} lines",
            lambda: services.stocktake_create(
                actor=keeper, campus=campus,
                data={"title": "压测期末盘点", "scope": "campus", "start_date": timezone.localdate(),
                      "end_date": timezone.localdate()},
            ),
        )  # fmt: skip
        services.stocktake_start(actor=keeper, stocktake=stocktake)
        st_rooms = {
            r.room_id: r for r in StocktakeRoom.objects.filter(stocktake=stocktake).select_related("room")
        }
        room_ids = sorted(st_rooms)
        perms = perms_for_user_on_campus(keeper, campus)[1]
        lines = list(StocktakeLine.objects.filter(stocktake=stocktake).order_by("id").values_list(
            "id", "code", "expected_room_id"))  # fmt: skip
        n = len(lines)
        missing = set(range(n - n // 25, n))  # the last 4 %: not found
        wrong = set(range(0, n, 50))  # 2 %: found in the next room

        def scan_some():
            times = []
            for i in range(min(args.scans, n)):
                if i in missing:
                    continue
                _pk, code, room_id = lines[i]
                if i in wrong:
                    room_id = room_ids[(room_ids.index(room_id) + 1) % len(room_ids)]
                started = time.perf_counter()
                services.stocktake_scan(actor=keeper, stocktake=stocktake, room=st_rooms[room_id], text=code,
                                        perms=perms)  # fmt: skip
                times.append(time.perf_counter() - started)
            times.sort()
            return (
                f"{len(times)} scans: median {1000 * statistics.median(times):.1f} ms, "
                f"95th {1000 * times[int(len(times) * 0.95)]:.1f} ms"
            )

        timer(f"scan {args.scans} labels through the service, one by one", scan_some)

        def mark_rest():
            now = timezone.now()
            rest = [i for i in range(args.scans, n) if i not in missing]
            in_place = [lines[i][0] for i in rest if i not in wrong]
            StocktakeLine.objects.filter(pk__in=in_place).update(
                result="found", found_room_id=F("expected_room_id"), counted_quantity=F("expected_quantity"),
                found_at=now, found_by=keeper, method="scan",
            )  # fmt: skip
            for i in rest:
                if i in wrong:
                    _pk, _code, room_id = lines[i]
                    other = room_ids[(room_ids.index(room_id) + 1) % len(room_ids)]
                    StocktakeLine.objects.filter(pk=lines[i][0]).update(
                        result="wrong_room", found_room_id=other, found_at=now, found_by=keeper, method="scan",
                        counted_quantity=F("expected_quantity"),
                    )  # fmt: skip
            # a few sets short, a few unknown codes
            StocktakeLine.objects.filter(pk__in=in_place[::97]).update(counted_quantity=1)
            for k in range(20):
                services.stocktake_scan(actor=keeper, stocktake=stocktake, room=st_rooms[room_ids[k]],
                                        text=f"OLD-{k:03d}", perms=perms)  # fmt: skip
            return f"{len(rest)} more found; {len(missing)} left missing; 20 unknown codes"

        timer("mark the rest of the count (bulk, not measured)", mark_rest)

        def reconcile():
            recon = services.reconcile(stocktake)
            t = recon.total
            return f"{t.expected} expected, {t.in_place} in place, rate {t.rate_count}% / {t.rate_value}%"

        with CaptureQueriesContext(connection) as ctx:
            services.reconcile(stocktake)
        timer.repeat(f"reconcile {n} lines ({len(ctx)} queries)", args.repeat, reconcile)

        client = Client()
        client.force_login(keeper)

        def page(name, **extra):
            path = reverse(f"assets:{name}", kwargs={"campus": campus.code, "pk": stocktake.pk, **extra})

            def fetch():
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                if getattr(response, "streaming", False):
                    size = sum(len(chunk) for chunk in response.streaming_content)
                else:
                    size = len(response.content)
                return f"{size // 1024} KiB"

            with CaptureQueriesContext(connection) as ctx:
                fetch()
            timer.repeat(f"GET {name} ({len(ctx)} queries)", args.repeat, fetch)

        page("stocktake_result")
        page("stocktake_report")
        page("stocktake_detail")
        page("stocktake_count_room", room_pk=room_ids[0])
        page("stocktake_export")

        timer("close: mark missing, propose the adjustments", services.stocktake_close, actor=keeper,
              stocktake=stocktake)  # fmt: skip
        page("stocktake_result")

        def approve():
            approval = services.stocktake_submit_adjustments(actor=keeper, stocktake=stocktake)
            approvals.approve(actor=people[str(Role.LOGISTICS_HEAD)], approval=approval)
            approvals.approve(actor=people[str(Role.PRINCIPAL)], approval=approval)
            stocktake.refresh_from_db()
            applied = stocktake.adjustments.filter(state="applied").count()
            return f"{stocktake.get_status_display()}: {applied} adjustments applied"

        timer("submit, approve twice: apply the adjustments to the register", approve)
        assert Stocktake.objects.get(pk=stocktake.pk).status == Stocktake.Status.ADJUSTED

    print("\nsummary")
    for label, elapsed, _result in timer.rows:
        print(f"  {label:<62} {elapsed:8.3f} s")


if __name__ == "__main__":
    main()
