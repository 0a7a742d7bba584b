#!/usr/bin/env python
"""Benchmark the asset register with 50,000 assets on one campus.

    .venv/bin/python bench/bench_assets.py                  # scratch SQLite file, seeded here
    .venv/bin/python bench/bench_assets.py --assets 100000  # more
    .venv/bin/python bench/bench_assets.py --db /tmp/x.db   # another scratch file

Steps: create the tables in a scratch SQLite file, seed one campus of the large data set
(``houqin seed --size large``: rooms, a user per role), add the asset categories and
``--assets`` asset cards with ``bulk_create``; then, through the Django test client as the
campus's asset keeper, time the register's list page (first and last page, several
filters, pinyin and tag searches; the best of ``--repeat`` runs, with its SQL query count),
the asset page, a room's property list and the summary, and the two .xlsx exports of the
whole register (streamed with XlsxWriter's constant-memory mode; time and the peak of Python
memory measured with tracemalloc). Prints the figures.
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

NAMES = [
    (
        "电子设备",
        "DZ",
        "fixed",
        ["空调", "交互智能平板", "电钢琴", "投影仪", "台式电脑", "笔记本电脑", "打印机", "消毒柜"],
    ),
    ("家具", "JJ", "fixed", ["幼儿桌椅", "玩具柜", "书架", "办公桌", "文件柜", "会议桌", "床", "毛巾架"]),
    ("厨房设备", "CF", "fixed", ["燃气灶", "蒸饭柜", "冷藏柜", "和面机", "切菜机", "洗碗机", "留样冰箱"]),
    ("体育器材", "TY", "fixed", ["篮球架", "组合滑梯", "攀爬网", "秋千", "平衡木"]),
    ("教玩具", "WJ", "low_value", ["积木", "皮球", "跳绳", "拼图", "绘画工具", "区角玩具", "乐器"]),
    ("图书", "TS", "low_value", ["绘本", "教师用书", "百科全书", "故事书"]),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", default="/tmp/houqin-bench-assets.sqlite3", help="scratch SQLite file (recreated)"
    )
    parser.add_argument("--assets", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each page; the best one is shown")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the scratch file of an earlier run if it is there"
    )
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
    reuse = args.reuse and db.exists()
    if not reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "houqin.settings")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django_scopes import scopes_disabled

    from houqin.assets.models import Asset, AssetCategory
    from houqin.core import demo
    from houqin.core.audit import audit_context
    from houqin.core.models import Campus, Membership, Room
    from houqin.core.pinyin import pinyin_key

    settings.MIGRATION_MODULES = DisableMigrations()
    # pages are rendered without collectstatic (no manifest of hashed names)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    setup_test_environment()  # the test client's host, no e-mail sending

    def timed(label, func, *a, **kw):
        started = time.perf_counter()
        result = func(*a, **kw)
        print(f"{label:<62} {time.perf_counter() - started:8.2f} s", flush=True)
        return result

    print(f"database: {connection.vendor} {db}")
    if not reuse:
        timed("create the tables", call_command, "migrate", run_syncdb=True, verbosity=0)
    with audit_context(source="cli"), scopes_disabled():
        if not reuse:
            timed("seed one campus of the large set (rooms, users)", demo.load_large, campuses=1)
        campus = Campus.objects.get(code="bench1")
        keeper = Membership.objects.get(campus=campus, role="asset_keeper").user
        members = [m.user for m in Membership.objects.filter(campus=campus).select_related("user")]
        rooms = list(Room.objects.filter(campus=campus))

        def make_assets():
            rng = random.Random(2026)
            categories = []
            for name, code, kind, items in NAMES:
                category = AssetCategory.objects.create(
                    campus=campus,
                    name=name,
                    code=code,
                    kind=kind,
                    useful_life_years=6,
                    name_pinyin=pinyin_key(name),
                )
                categories.append((category, items))
            pinyin = {}
            statuses = (
                ["in_use"] * 86
                + ["idle"] * 5
                + ["under_repair"] * 2
                + ["damaged"] * 2
                + ["missing"]
                + ["disposed"] * 4
            )
            today = dt.date.today()
            batch = []
            for n in range(1, args.assets + 1):
                category, items = categories[n % len(categories)]
                name = rng.choice(items)
                if name not in pinyin:
                    pinyin[name] = pinyin_key(name)
                fixed = category.kind == "fixed"
                price = (
                    Decimal(rng.randrange(500, 2_000_000)) / 100
                    if fixed
                    else Decimal(rng.randrange(500, 50_000)) / 100
                )
                custodian = rng.choice(members)
                status = rng.choice(statuses)
                batch.append(
                    Asset(
                        campus=campus, tag=f"ZC-{2020 + n % 6}-{n:06d}", name=name, name_pinyin=pinyin[name],
                        category=category, model_spec=f"型号{n % 97}", unit="台" if fixed else "件",
                        quantity=1 if fixed else rng.randrange(1, 40), room=rng.choice(rooms), custodian=custodian,
                        price=price, purchase_date=today - dt.timedelta(days=rng.randrange(0, 6 * 365)),
                        is_valuable=price >= 5000, status=status,
                        disposed_on=today if status == "disposed" else None,
                    )
                )  # fmt: skip
                if len(batch) == 5000:
                    Asset.objects.bulk_create(batch)
                    batch = []
            if batch:
                Asset.objects.bulk_create(batch)
            return Asset.objects.filter(campus=campus).count()

        if reuse:
            total = Asset.objects.filter(campus=campus).count()
        else:
            total = timed(f"bulk-create {args.assets:,} assets", make_assets)
        print(f"  {total:,} assets, {len(rooms)} rooms, {len(members)} custodians")
        sample = Asset.objects.filter(campus=campus, status="in_use").order_by("pk").first()
        category = AssetCategory.objects.get(campus=campus, code="DZ")
        room = sample.room

    client = Client()
    client.force_login(keeper)
    base = f"/c/{campus.code}/assets"
    last_page = (total * 96 // 100) // 25  # about the last page of the active register

    def page(path, repeat=args.repeat):
        """(best wall time, its CPU time, SQL queries, HTTP status) of ``repeat`` runs."""
        best, cpu, queries, status = None, 0.0, 0, None
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(path)
                elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu_started
            status = response.status_code
            if best is None or elapsed < best:
                best, cpu, queries = elapsed, cpu_used, len(ctx)
        return best, cpu, queries, status

    pages = [
        ("list, first page (active register)", f"{base}/register/"),
        ("list, a late page", f"{base}/register/?page={last_page}"),
        ("list, include disposed", f"{base}/register/?include_disposed=on"),
        ("list, status = damaged", f"{base}/register/?status=damaged"),
        ("list, category + room", f"{base}/register/?category={category.pk}&room={room.pk}"),
        (
            "list, building + kind + valuable",
            f"{base}/register/?building={room.building_id}&kind=fixed&valuable=1",
        ),
        (
            "list, acquired between + price range",
            f"{base}/register/?acquired_from=2023-01-01&acquired_to=2024-12-31&price_min=1000&price_max=8000",
        ),
        ("list, custodian", f"{base}/register/?custodian={keeper.pk}"),
        ("list, pinyin search 'kongtiao'", f"{base}/register/?q=kongtiao"),
        ("list, initials search 'jm' + status idle", f"{base}/register/?q=jm&status=idle"),
        ("list, tag search", f"{base}/register/?q={sample.tag}"),
        ("asset page", f"{base}/register/{sample.pk}/"),
        ("room property list", f"{base}/rooms/{room.pk}/"),
        ("summary by room", f"{base}/summary/?by=room"),
        ("ledger print (first 1,000 rows)", f"{base}/register/print/?category={category.pk}"),
    ]
    print(
        f"\npages (best of {args.repeat}, as the asset keeper; wall time and the CPU time of this process):"
    )
    rows = []
    for label, path in pages:
        elapsed, cpu, queries, status = page(path)
        rows.append((label, elapsed, queries, status))
        print(
            f"  {label:<48} {elapsed * 1000:8.1f} ms  (cpu {cpu * 1000:6.1f} ms)  {queries:3d} queries  HTTP {status}",
            flush=True,
        )


    print("\nexports of the whole active register (streamed with XlsxWriter, constant memory):")
    for label, path in (
        ("ledger layout (资产台账)", f"{base}/register/?export=ledger"),
        ("all fields", f"{base}/register/?export=xlsx"),
    ):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(path)
        size = sum(len(chunk) for chunk in response.streaming_content)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        # again under tracemalloc (which slows Python down) for the memory peak
        tracemalloc.start()
        traced = client.get(path)
        for _chunk in traced.streaming_content:
            pass
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  {label:<30} {elapsed:6.2f} s (cpu {cpu:5.2f} s)  {size / 1024 / 1024:5.1f} MB file  "
            f"peak Python memory {peak / 1024 / 1024:5.1f} MB  HTTP {response.status_code}",
            flush=True,
        )
    worst = max(rows, key=lambda r: r[1])
    print(
        f"\nslowest page: {worst[0]} {worst[1] * 1000:.0f} ms; most queries on a page: {max(r[2] for r in rows)}"
    )
    print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
