"""Demo data of the environment module (registered with ``core.demo`` at order 350):

* a responsibility zone for every class (its 活动室) and the public areas (楼道, 卫生间,
  功能室, 操场, 大门…), each with its 一日一小扫 / 一周一大扫 routines and the term so far
  recorded (most checks done, a few missed);
* the default scoring sheet and a term of weekly inspections with varied scores (some
  classes tidier than others), a spot check, one voided and re-scored week, and problems
  sent back — most fixed and checked, one waiting for its check, one sent back after a
  poor fix, and one overdue;
* greening areas (香樟, 绿篱, 草坪, 花坛, 盆栽, 种植园地) with their care routines and history
  (the campus-wide greening routines of the library are switched off: the areas carry them);
* functional room uses of the last weeks (one with a problem) and dormitory / nap-room
  inspections (one failed electrical item opening a hazard).

Everything goes through :mod:`houqin.environment.services` and the core routines engine;
routine histories are written in bulk like the core's own demo history. Dates are relative
to the day the demo is loaded, within the current (or last) term.
"""

import datetime as dt
import random

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from houqin.core import audit
from houqin.core.demo import MAIN_CODE, WEST_CODE
from houqin.core.models import (
    AuditEvent,
    Building,
    Room,
    RoutineItem,
    RoutineOccurrence,
    RoutineResult,
    RoutineTemplate,
)
from houqin.environment import services
from houqin.environment.models import CleaningZone, HygieneInspection, HygieneProblem, RoomUse

OccStatus = RoutineOccurrence.Status


def _photo(colour, name):
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(img)
    for y in range(0, 240, 14):
        draw.line([(0, y), (320, y + 30)], fill=tuple(min(255, c + 35) for c in colour), width=3)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return ContentFile(out.getvalue(), name=name)


def _at(day, hour=9, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _save(instance):
    from houqin.core.services import object_save

    return object_save(actor=None, instance=instance, campus=instance.campus, message="demo data")


def _term(ctx, code, today):
    terms = sorted((t for (c, _k), t in ctx.terms.items() if c == code), key=lambda t: t.start_date)
    for t in terms:
        if t.start_date <= today <= t.end_date:
            return t
    past = [t for t in terms if t.start_date <= today]
    return past[-1] if past else None


# (zone name, kind, room names, area text, responsible username) of the public areas
MAIN_PUBLIC = [
    ("综合楼一楼大厅及楼道", "public", (), "综合楼一楼大厅、楼梯及走廊", "childcare"),
    ("教学楼卫生间", "public", (), "教学楼一至三楼卫生间、盥洗室", "childcare"),
    ("功能室（美工、图书、科学发现）", "office", ("美工室", "图书室", "科学发现室"), "", "teacher"),
    ("音乐室及多功能厅", "office", ("音乐室", "多功能厅"), "", "teacher02"),
    ("办公区", "office", ("会议室", "园长室", "财务室", "教师办公室"), "", "accountant"),
    ("保健室及隔离室", "office", ("保健室", "隔离室"), "", "health"),
    ("食堂外围及后勤楼", "public", (), "后勤楼走廊、食堂外围、垃圾房", "canteen"),
    ("大门及门卫室周边", "outdoor", ("门卫室",), "大门内外、围墙周边", "guard"),
    ("操场东侧包干区", "outdoor", (), "操场东侧及跑道", None),
    ("大型玩具区", "outdoor", ("大型玩具区",), "", "repair"),
]
WEST_PUBLIC = [
    ("一楼大厅及楼道", "public", (), "综合楼一楼大厅、走廊", "west_teacher"),
    ("美工室", "office", ("美工室",), "", "west_teacher"),
    ("操场及大门周边", "outdoor", ("操场",), "大门内外", "west_guard"),
]
# Class → tidiness (probability that a standard loses points); some classes are tidier.
_TIDY = {"小一班": 0.06, "大一班": 0.08, "中二班": 0.1, "大三班": 0.12}


def add_demo_rows(ctx):
    today = timezone.localdate()
    rng = random.Random(350)
    for code, public in ((MAIN_CODE, MAIN_PUBLIC), (WEST_CODE, WEST_PUBLIC)):
        campus = ctx.campuses.get(code)
        if campus is None:
            continue
        term = _term(ctx, code, today)
        services.sheet_ensure_default(actor=None, campus=campus)
        zones = _zones(ctx, campus, public)
        areas = _greening(ctx, campus)
        if term is None:
            continue
        templates = [t for z in zones for t in (z.daily_routine, z.weekly_routine) if t is not None]
        templates += [task.template for a in areas for task in a.tasks.select_related("template")]
        _history(ctx, campus, templates, term, today, rng)
        _switch_off_campus_greening(campus)
        _inspections(ctx, campus, zones, term, today, rng)
        _room_uses(ctx, campus, term, today, rng)
        _dormitories(ctx, campus, today, rng)


# --- Zones ----------------------------------------------------------------------------------


def _zones(ctx, campus, public):
    code = campus.code
    users = ctx.users
    rooms = {r.name: r for r in Room.objects.filter(campus=campus)}
    zones = []
    order = 0
    classes = sorted((c for (cc, _n), c in ctx.classes.items() if cc == code), key=lambda c: c.sort_order)
    for school_class in classes:
        order += 1
        class_rooms = [
            r for r in (rooms.get(f"{school_class.name}活动室"), rooms.get(f"{school_class.name}寝室")) if r
        ]
        zone = services.zone_save(
            actor=None, campus=campus, rooms=class_rooms,
            data={"name": f"{school_class.name}活动室及寝室", "kind": CleaningZone.Kind.CLASS, "school_class": school_class,
                  "sort_order": order, "note": "各活动室由班主任教师负责，保育员协助。"},
        )  # fmt: skip
        zones.append(zone)
    for name, kind, room_names, area_text, username in public:
        order += 1
        responsible = users.get(username) if username else None
        school_class = None
        if responsible is None:  # 操场东侧: contracted to a senior class (承包班级)
            school_class = ctx.classes.get((code, "大一班")) or (classes[-1] if classes else None)
        zone = services.zone_save(
            actor=None, campus=campus, rooms=[rooms[n] for n in room_names if n in rooms],
            data={"name": name, "kind": kind, "area_text": area_text, "responsible": responsible,
                  "school_class": school_class, "sort_order": order},
        )  # fmt: skip
        zones.append(zone)
    for zone in zones:
        services.zone_generate_routines(actor=None, zone=zone)
        zone.refresh_from_db()
    return zones


# --- Greening ----------------------------------------------------------------------------

MAIN_AREAS = [
    ("大门两侧香樟", "tree", "香樟", "大门两侧", None, 12, None, "repair", None),
    ("围墙绿篱", "hedge", "红叶石楠、冬青", "东、北侧围墙内", None, None, "160", "repair", None),
    ("操场草坪", "lawn", "马尼拉草", "操场中央", "操场", None, "800", "repair", None),
    ("综合楼前花坛", "flowerbed", "月季、三角梅、矮牵牛", "综合楼南侧", None, None, "36", "childcare", None),
    ("走廊盆栽", "potted", "绿萝、吊兰、君子兰", "各楼层走廊", None, 40, None, None, "中一班"),
    ("种植园地", "garden", "青菜、萝卜、向日葵", "后勤楼北侧", "种植园地", None, "150", None, "大二班"),
]
WEST_AREAS = [
    ("园内桂花树", "tree", "桂花", "操场四周", "操场", 8, None, None, None),
    ("门口花坛", "flowerbed", "一串红、万寿菊", "大门内侧", None, None, "12", "west_teacher", None),
]


def _greening(ctx, campus):
    rooms = {r.name: r for r in Room.objects.filter(campus=campus)}
    rows = MAIN_AREAS if campus.code == MAIN_CODE else WEST_AREAS
    areas = []
    for name, kind, species, location, room, quantity, area_m2, caretaker, class_name in rows:
        area = services.greening_area_save(
            actor=None, campus=campus,
            data={"name": name, "kind": kind, "species": species, "location": location, "room": rooms.get(room),
                  "quantity": quantity, "area_m2": area_m2, "caretaker": ctx.users.get(caretaker) if caretaker else None,
                  "school_class": ctx.classes.get((campus.code, class_name)) if class_name else None},
        )  # fmt: skip
        services.greening_generate_tasks(actor=None, area=area)
        areas.append(area)
    return areas


def _switch_off_campus_greening(campus):
    """The library's campus-wide greening routines (enabled by the core demo) give way to
    the routines of the areas."""
    from houqin.core.routines import routine_template_update

    for template in RoutineTemplate.objects.filter(
        campus=campus, library_key__in=services.GREENING_LIBRARY, is_active=True
    ):
        before = audit.snapshot(template)
        template.is_active = False
        routine_template_update(actor=None, template=template, before=before)


# --- Routine history (bulk, like the core's demo) ----------------------------------------------

_TEXTS = {
    "施肥种类及用量": ["复合肥 5kg", "有机肥 10kg", "尿素 2kg，兑水浇施"],
    "用药名称及用量": ["", "吡虫啉 1000倍液"],
}


def _history(ctx, campus, templates, term, today, rng):
    from houqin.core.routines import generate_occurrences, mark_missed

    now = timezone.now()
    generate_occurrences(
        templates=templates, start=term.start_date,
        until=min(term.end_date, today + dt.timedelta(days=7)), backfill=True, now=now,
    )  # fmt: skip
    people = _people(ctx, campus.code)
    items_by_template = {}
    for item in RoutineItem.objects.filter(template__in=templates, is_active=True).order_by("order", "id"):
        items_by_template.setdefault(item.template_id, []).append(item)
    past = list(
        RoutineOccurrence.objects.filter(template__in=templates, date__lt=today, status=OccStatus.PENDING)
        .select_related("template")
        .order_by("date", "id")
    )
    ct = ContentType.objects.get_for_model(RoutineOccurrence)
    context = audit.current_context()
    done, results, events, photo_results = [], [], [], []
    for occ in past:
        template = occ.template
        if rng.random() < (0.06 if template.frequency == RoutineTemplate.Frequency.DAILY else 0.03):
            continue  # missed
        who = (
            template.responsible_user or people.get(template.responsible_role) or people.get("logistics_head")
        )
        if who is None:
            continue
        occ.status = OccStatus.DONE
        occ.completed_by = who
        span = max(60, int((occ.window_end - occ.window_start).total_seconds()))
        if rng.random() < 0.07:
            occ.completed_at = occ.window_end + dt.timedelta(minutes=rng.randint(10, 80))
        else:
            occ.completed_at = occ.window_start + dt.timedelta(
                seconds=rng.randint(int(span * 0.1), int(span * 0.9))
            )
        snapshot = []
        for item in items_by_template.get(template.pk, []):
            passed, text, note = True, "", ""
            if item.kind == RoutineItem.Kind.CHOICE:
                good = [c for c in item.choices if c not in item.failing_choices]
                text = good[0] if rng.random() < 0.8 or len(good) < 2 else good[1]
            elif item.kind == RoutineItem.Kind.TEXT:
                passed = None
                text = rng.choice(_TEXTS.get(item.label, ["正常"]))
            elif rng.random() < 0.015:
                passed, note = False, rng.choice(["已现场整改", "已通知班级整改", "已报告后勤园长"])
            result = RoutineResult(campus=campus, occurrence=occ, item=item, label=item.label, passed=passed,
                                   unit=item.unit, text=text, note=note)  # fmt: skip
            results.append(result)
            if item.photo_required:
                photo_results.append(result)
            snapshot.append(
                {"item": item.pk, "label": item.label, "passed": passed, "text": text, "note": note}
            )
        done.append(occ)
        events.append(AuditEvent(
            campus_id=campus.pk, actor=who, actor_repr=str(who)[:80], action="complete", content_type=ct,
            object_id=str(occ.pk), object_repr=f"{template.name} · {occ.date:%Y-%m-%d}"[:200],
            before={"status": OccStatus.PENDING},
            after={"status": OccStatus.DONE, "completed_by": who.pk, "completed_at": occ.completed_at.isoformat(),
                   "results": snapshot},
            message="demo data", request_id=context.get("request_id", ""), source=context.get("source", ""),
        ))  # fmt: skip
    RoutineOccurrence.objects.bulk_update(done, ["status", "completed_by", "completed_at"], batch_size=500)
    RoutineResult.objects.bulk_create(results, batch_size=1000)
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    _bulk_photos(campus, photo_results)
    mark_missed(campus=campus, now=now)


def _bulk_photos(campus, results):
    """One stored photo shared by the demo's photo-required results (one file, many rows)."""
    from houqin.core.attachments import attachment_add
    from houqin.core.models import Attachment

    if not results:
        return
    first = attachment_add(actor=results[0].occurrence.completed_by, obj=results[0],
                           uploaded_file=_photo((70, 140, 80), "greening.jpg"), kind="photo")  # fmt: skip
    ct = ContentType.objects.get_for_model(RoutineResult)
    Attachment.objects.bulk_create(
        [
            Attachment(campus=campus, content_type=ct, object_id=str(r.pk), kind="photo", file=first.file.name,
                       thumbnail=first.thumbnail.name, original_name=first.original_name, mime_type=first.mime_type,
                       size=first.size, uploaded_by=r.occurrence.completed_by)
            for r in results[1:]
        ],
        batch_size=500,
    )  # fmt: skip


def _people(ctx, code):
    from houqin.core.demo import DEMO_EXTRA_MEMBERSHIPS, DEMO_USERS

    people = {}
    for username, _name, role, campus_code, _phone in DEMO_USERS:
        if campus_code == code and username in ctx.users:
            people.setdefault(str(role), ctx.users[username])
    for username, role, campus_code in DEMO_EXTRA_MEMBERSHIPS:
        if campus_code == code and username in ctx.users:
            people.setdefault(str(role), ctx.users[username])
    return people


# --- Inspections, rankings and problems ---------------------------------------------------------


def _inspection_days(term, today):
    """The day of each school week's inspection (the campus's weekday, else the last school
    day of that week), up to today."""
    from houqin.core.routines import TermCalendar

    cal = TermCalendar(term)
    weeks = {}
    for day in cal.school_days:
        if day > today:
            break
        weeks.setdefault(day - dt.timedelta(days=day.weekday()), []).append(day)
    out = []
    for start, days in sorted(weeks.items()):
        friday = start + dt.timedelta(days=4)
        choice = friday if friday in days else days[-1]
        if choice <= today:
            out.append(choice)
    return out


def _inspections(ctx, campus, zones, term, today, rng):
    users = ctx.users
    inspector = users.get("logistics")
    if inspector is None:
        return
    days = _inspection_days(term, today)
    sheet = services.default_sheet(campus)
    items = list(sheet.items.filter(is_active=True).order_by("order"))
    participants = "各级部后勤组长、保健老师" if campus.code == MAIN_CODE else "保健老师"
    tidy = {
        z.pk: _TIDY.get(z.school_class.name if z.school_class_id else "", rng.uniform(0.14, 0.32))
        for z in zones
    }
    notes = {
        "地面无纸屑、无杂物": "地面有纸屑", "墙面、桌面无痰迹、无污渍": "桌面有污渍", "窗明几净（门窗、玻璃洁净）": "窗玻璃不洁净",
        "物品、用具摆放整齐": "玩具柜摆放凌乱", "无卫生死角（墙角、柜底、门后）": "柜底有积灰", "墙面整洁，无乱贴乱画": "墙面有涂画",
        "卫生工具清洁、摆放整齐": "拖把未晾干", "保洁区无杂草、无垃圾": "保洁区有杂草",
    }  # fmt: skip
    sendable = [z for z in zones if z.responsible_person is not None]
    problem_weeks = {2} | {len(days) - k for k in (1, 2, 3, 4, 6, 8, 10)}
    for n, day in enumerate(days):
        at = _at(day, 15, 30)
        inspection = services.inspection_create(
            actor=inspector, campus=campus, date=day, participants=participants, note="每周一次班级卫生、包干区检查。",
        )  # fmt: skip
        send_zone = rng.choice(sendable) if (n in problem_weeks and sendable) else None
        rows = []
        for zone in zones:
            deductions, found = {}, []
            for item in items:
                if rng.random() < tidy[zone.pk]:
                    points = min(item.max_points, rng.choice([1, 1, 2, 2, 3]))
                    deductions[item.pk] = points
                    found.append(notes.get(item.label, item.label))
            if zone is send_zone and not found:
                deductions[items[0].pk] = 2
                found.append(notes.get(items[0].label, items[0].label))
            rows.append({"zone": zone, "deductions": deductions, "note": "，".join(found),
                         "send_back": zone is send_zone})  # fmt: skip
        services.inspection_save_scores(
            actor=inspector, inspection=inspection, rows=rows, submit=True, now=at
        )
        if n == 2 and len(days) > 4:  # a mistake found the following Monday: voided and scored again
            services.inspection_void(actor=inspector, inspection=inspection, reason="录入时中二班与中三班的分数填反，作废重评。",
                                     now=at + dt.timedelta(days=3))  # fmt: skip
            again = services.inspection_create(actor=inspector, campus=campus, date=day, participants=participants,
                                               note="更正本周检查评分。")  # fmt: skip
            services.inspection_save_scores(actor=inspector, inspection=again,
                                            rows=[{**r, "send_back": False} for r in rows], submit=True,
                                            now=at + dt.timedelta(days=3))  # fmt: skip
        if n == len(days) - 3 and campus.code == MAIN_CODE:  # a spot check (抽查)
            spot = services.inspection_create(actor=users.get("health") or inspector, campus=campus,
                                              date=day - dt.timedelta(days=2),
                                              kind=HygieneInspection.Kind.SPOT, note="抽查午睡室及盥洗室。")  # fmt: skip
            services.inspection_save_scores(
                actor=users.get("health") or inspector, inspection=spot,
                rows=[{"zone": z, "deductions": {items[1].pk: 1} if rng.random() < 0.3 else {}} for z in zones[:4]],
                submit=True, now=_at(day - dt.timedelta(days=2), 10),
            )  # fmt: skip
    _problem_outcomes(ctx, campus, today)


def _problem_outcomes(ctx, campus, today):
    """Most problems fixed with an after-photo and checked; counting from the newest: the
    newest waits for its fix, the next is overdue, one was sent back after a poor fix and
    one waits for its check."""
    inspector = ctx.users.get("logistics")
    checker = _people(ctx, campus.code).get("principal") or inspector
    problems = list(
        HygieneProblem.objects.filter(campus=campus, status=HygieneProblem.Status.OPEN).order_by("raised_at")
    )
    now = timezone.now()
    for back, problem in enumerate(reversed(problems), 1):
        fix_at = timezone.localtime(problem.raised_at) + dt.timedelta(days=1, hours=1)
        if back == 1 or fix_at > now or (back == 2 and problem.deadline < today):
            continue  # still to put right (the second newest past its deadline)
        services.problem_fix(actor=problem.responsible, problem=problem, note="已重新清扫、整理，并请保育员协助复查。",
                             photos=[_photo((90, 150, 110), "after.jpg")], now=fix_at)  # fmt: skip
        if back == 4:
            continue  # waiting for its check
        check_at = fix_at + dt.timedelta(hours=20)
        if back == 3:
            services.problem_send_back(actor=inspector, problem=problem, reason="柜底仍有积灰，请彻底清扫。",
                                       deadline=max(today, problem.deadline) + dt.timedelta(days=1), now=check_at)  # fmt: skip
            continue
        verifier = checker if checker.pk != problem.responsible_id else inspector
        services.problem_verify(actor=verifier, problem=problem, note="复查合格。", now=check_at)


# --- Functional rooms and dormitories ----------------------------------------------------------

_PURPOSES = {
    "美工室": ["手工：折纸", "绘画：秋天的树", "泥塑", "版画"],
    "图书室": ["绘本阅读", "亲子阅读分享", "图书借阅"],
    "科学发现室": ["科学小实验：沉与浮", "磁铁的秘密", "观察植物"],
    "音乐室": ["歌曲学唱", "律动游戏", "打击乐"],
    "多功能厅": ["体能游戏", "舞蹈排练", "集体活动"],
}
_SLOTS = [
    (dt.time(9, 30), dt.time(10, 10)),
    (dt.time(10, 30), dt.time(11, 10)),
    (dt.time(15, 0), dt.time(15, 40)),
]


def _room_uses(ctx, campus, term, today, rng):
    rooms = list(Room.objects.filter(campus=campus, kind="functional", is_active=True).order_by("code"))
    classes = sorted(
        (c for (cc, _n), c in ctx.classes.items() if cc == campus.code), key=lambda c: c.sort_order
    )
    if not rooms or not classes:
        return
    fallback = ctx.users.get("teacher") if campus.code == MAIN_CODE else ctx.users.get("west_teacher")
    start = max(term.start_date, today - dt.timedelta(days=35))
    from houqin.core.routines import TermCalendar

    calendar = TermCalendar(term)
    taken = set()
    problem_made = False
    day = start
    while day < today:
        if calendar.is_school_day(day):
            for school_class in classes:
                if rng.random() > 0.45:
                    continue
                room = rng.choice(rooms)
                slot = rng.choice(_SLOTS)
                if (room.pk, day, slot) in taken:
                    continue
                taken.add((room.pk, day, slot))
                teacher = school_class.head_teacher or fallback
                problem = (
                    not problem_made and day > today - dt.timedelta(days=10) and room.name == "科学发现室"
                )
                services.room_use_record(
                    actor=teacher, campus=campus,
                    data={"room": room, "date": day, "start_time": slot[0], "end_time": slot[1],
                          "school_class": school_class, "teacher": teacher,
                          "purpose": rng.choice(_PURPOSES.get(room.name, ["集体活动"])),
                          "children_count": rng.randint(18, 28),
                          "condition": RoomUse.Condition.PROBLEM if problem else RoomUse.Condition.GOOD,
                          "problem_note": "显微镜一台调焦旋钮松脱，已放回柜中待修。" if problem else ""},
                )  # fmt: skip
                problem_made = problem_made or problem
        day += dt.timedelta(days=1)


def _dormitories(ctx, campus, today, rng):
    inspectors = [
        u for u in (ctx.users.get("health"), ctx.users.get("duty"), ctx.users.get("logistics")) if u
    ]
    if campus.code != MAIN_CODE or not inspectors:
        return
    dorm = Building.objects.filter(campus=campus, code="E").first() or _save(
        Building(campus=campus, name="教工宿舍楼", code="E", floors=2)
    )
    staff_rooms = []
    for code, name, floor in (
        ("E101", "教工宿舍101", 1),
        ("E102", "教工宿舍102", 1),
        ("E201", "教工宿舍201", 2),
    ):
        room = Room.objects.filter(campus=campus, code=code).first() or _save(
            Room(campus=campus, building=dorm, code=code, name=name, floor=floor, kind="bedroom", area=24)
        )
        staff_rooms.append(room)
    nap_rooms = list(
        Room.objects.filter(campus=campus, kind="bedroom", name__endswith="寝室").order_by("code")[:6]
    )
    plan = [(r, "staff") for r in staff_rooms] + [(r, "nap") for r in nap_rooms]
    failed_once = False
    for weeks_ago in (4, 3, 2, 1):
        day = today - dt.timedelta(days=7 * weeks_ago)
        day -= dt.timedelta(days=max(0, day.weekday() - 3))  # on a weekday
        for room, kind in plan:
            checklist = services.dormitory_checklist(kind)
            results = {key: {"passed": True} for key, _c, _l in checklist}
            if not failed_once and kind == "staff" and weeks_ago == 2:
                results["no_appliances"] = {"passed": False, "note": "床下发现电热毯一条，已暂扣。"}
                results["belongings"] = {"passed": False, "note": "鞋子乱放"}
                failed_once = True
            elif rng.random() < 0.15:
                key = rng.choice([k for k, c, _l in checklist if c in ("hygiene", "order")])
                results[key] = {"passed": False, "note": "已当场提醒整改"}
            services.dormitory_inspect(
                actor=rng.choice(inspectors), campus=campus, room=room, kind=kind, results=results,
                inspected_at=_at(day, 12 if kind == "nap" else 19, rng.randint(0, 40)),
                note="" if all(r["passed"] for r in results.values()) else "已通知相关人员。",
            )  # fmt: skip
