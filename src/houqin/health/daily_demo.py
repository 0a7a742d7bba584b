"""Demo data of the daily area (registered with ``core.demo`` at order 400): about a month
of school days up to today for every class of both demo campuses —

* roll calls with ~5–8 % absences (sick, personal, other; a sick child often stays away a
  few days, a child sent home with fever is usually absent the next day);
* a follow-up for every sick absence, completed by the health teacher (周慧) on the day,
  except yesterday's last one (overdue) and today's;
* morning and midday checks of every class with their exceptions: yellow tags for a cough,
  green tags for entrusted medicine, an unsafe object taken away now and then, a few
  fevers sent home with the parent informed and the handover recorded;
* a few all-day observation notes per class and day;
* the health teacher's two daily rounds enabled from the routine library.

Volume (~12,000 attendance rows) is written with ``bulk_create``; every roll call, check,
exception, follow-up and note gets its "create" audit event in bulk, like the service's
trail. Today, when it is a school day, three classes of the main campus have not taken
attendance yet, so the home page shows its card.
"""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from houqin.core.demo import MAIN_CODE, WEST_CODE
from houqin.core.models import Child
from houqin.health import daily_services as services
from houqin.health.models import (
    AbsenceFollowUp,
    AttendanceRecord,
    ClassAttendance,
    ClassCheck,
    HealthCheck,
    ObservationNote,
)

DAYS = 31
SICK_NOTES = ["发烧", "咳嗽、流涕", "感冒", "腹泻", "呕吐", "发烧、咳嗽", "咽喉痛", "支气管炎复查"]
PERSONAL_NOTES = ["回老家", "家中有事", "随父母外出", "看牙医", "接种疫苗", ""]
OTHER_NOTES = ["天气原因", "家长未说明", ""]
DIAGNOSES = [
    ("上呼吸道感染", False), ("普通感冒", False), ("急性胃肠炎", False), ("支气管炎", False),
    ("疱疹性咽峡炎", True), ("流行性感冒（疑似）", True), ("", False),
]  # fmt: skip
CONTACTS = ["妈妈", "爸爸", "奶奶", "外婆"]
COUGH = ["轻微咳嗽", "流清涕", "咳嗽，嗓子有点哑", "鼻塞"]
UNSAFE = ["口袋里有玻璃珠，已收走", "带了小发卡，已交给老师保管", "口袋里有硬币，已收走"]
OBSERVATIONS = [
    ("food", "午餐进食少，只吃了半碗饭", "少量多次喂食，告知家长"),
    ("sleep", "午睡入睡困难，翻来覆去", "安抚入睡"),
    ("stool", "上午大便稀，一次", "注意观察，多喝温水"),
    ("spirit", "下午精神稍差，想睡觉", "测体温36.9℃，继续观察"),
    ("mood", "入园时哭闹，情绪低落", "老师安抚，半小时后好转"),
    ("behaviour", "户外活动时不愿参加", "了解原因，鼓励参与"),
    ("food", "午餐吃得很好，添饭一次", ""),
    ("sleep", "午睡踢被子", "及时盖好"),
]


def _at(day, hour, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _term(ctx, code, today):
    terms = sorted((t for (c, _k), t in ctx.terms.items() if c == code), key=lambda t: t.start_date)
    for t in terms:
        if t.start_date <= today <= t.end_date:
            return t
    past = [t for t in terms if t.start_date <= today]
    return past[-1] if past else None


def _days(ctx, code, today):
    term = _term(ctx, code, today)
    if term is None:
        return []
    return term.school_days(start=today - dt.timedelta(days=DAYS), end=today)


def add_demo_rows(ctx):
    today = timezone.localdate()
    users = ctx.users
    rng = random.Random(400)
    for code in (MAIN_CODE, WEST_CODE):
        campus = ctx.campuses.get(code)
        if campus is None:
            continue
        health = users.get("health") if code == MAIN_CODE else users.get("west_principal")
        classes = sorted(
            (c for (cc, _n), c in ctx.classes.items() if cc == code), key=lambda c: (c.sort_order, c.name)
        )
        days = _days(ctx, code, today)
        if not classes or not days:
            continue
        untaken_today = {c.pk for c in classes[-3:]} if code == MAIN_CODE else set()
        _build_campus(campus, classes, days, today, health, untaken_today, rng)
    _enable_rounds(ctx)


def _enable_rounds(ctx):
    from houqin.core.routines import routine_enable_from_library

    campus = ctx.campuses.get(MAIN_CODE)
    if campus is not None:
        routine_enable_from_library(
            actor=None,
            campus=campus,
            library_keys=["health.daily_round_morning", "health.daily_round_afternoon"],
        )


def _build_campus(campus, classes, days, today, health, untaken_today, rng):
    children = {}
    for child in Child.objects.filter(campus=campus, status=Child.Status.ENROLLED).order_by("pk"):
        children.setdefault(child.school_class_id, []).append(child)
    tags = services.health_tags(campus)
    default_tag = tags[0][0]
    observe_tag = tags[1][0] if len(tags) > 1 else default_tag
    medicine_tag = tags[2][0] if len(tags) > 2 else default_tag
    threshold = services.fever_threshold(campus)

    rolls, records, checks, exceptions, notes = [], [], [], [], []
    sick_runs = {}  # child id → days still to stay away sick
    for day in days:
        is_today = day == today
        for cls in classes:
            kids = children.get(cls.pk, [])
            if not kids or (is_today and cls.pk in untaken_today):
                continue
            teacher = cls.head_teacher or health
            roll = ClassAttendance(
                campus_id=campus.pk, school_class=cls, date=day, taken_by=teacher,
                taken_at=_at(day, 8, rng.randint(40, 59)),
            )  # fmt: skip
            rolls.append(roll)
            day_records = []
            for child in kids:
                status, reason, note = "present", "", ""
                if sick_runs.get(child.pk, 0) > 0:
                    sick_runs[child.pk] -= 1
                    status, reason, note = "absent", "sick", rng.choice(SICK_NOTES)
                else:
                    roll_dice = rng.random()
                    if roll_dice < 0.028:
                        status, reason, note = "absent", "sick", rng.choice(SICK_NOTES)
                        sick_runs[child.pk] = rng.choice([0, 0, 1, 1, 2, 3])
                    elif roll_dice < 0.058:
                        status, reason, note = "absent", "personal", rng.choice(PERSONAL_NOTES)
                    elif roll_dice < 0.064:
                        status, reason, note = "absent", "other", rng.choice(OTHER_NOTES)
                record = AttendanceRecord(
                    campus_id=campus.pk, roll=roll, child=child, school_class=cls, date=day, status=status,
                    absence_reason=reason, absence_note=note, recorded_by=teacher,
                )  # fmt: skip
                day_records.append(record)
            records.extend(day_records)
            absent = [r for r in day_records if r.status == "absent"]
            roll.present_count = len(day_records) - len(absent)
            roll.absent_count = len(absent)
            roll.sick_count = sum(1 for r in absent if r.absence_reason == "sick")
            present = [r.child for r in day_records if r.status == "present"]
            sent_home = set()
            for session, hour in (("morning", 8), ("midday", 14)):
                if is_today and session == "midday":
                    continue
                pool = [c for c in present if c.pk not in sent_home]
                roll_check = ClassCheck(
                    campus_id=campus.pk, school_class=cls, date=day, session=session, checked_count=len(pool),
                    checked_by=health if session == "morning" else teacher,
                    checked_at=_at(day, hour, rng.randint(0, 25)),
                )  # fmt: skip
                checks.append(roll_check)
                found = _exceptions_for(
                    rng, campus, roll_check, pool, cls, day, session, hour, health,
                    default_tag, observe_tag, medicine_tag, threshold,
                )  # fmt: skip
                for h in found:
                    if h.outcome == HealthCheck.Outcome.SENT_HOME:
                        sent_home.add(h.child_id)
                        sick_runs[h.child_id] = max(sick_runs.get(h.child_id, 0), rng.choice([1, 1, 2]))
                roll_check.exception_count = len(found)
                roll_check.fever_count = sum(1 for h in found if h.fever)
                roll_check.sent_home_count = sum(
                    1 for h in found if h.outcome == HealthCheck.Outcome.SENT_HOME
                )
                exceptions.extend(found)
            for _n in range(rng.choice([0, 0, 1, 1, 2])):
                pool = [c for c in present if c.pk not in sent_home]
                if not pool:
                    break
                aspect, finding, action = rng.choice(OBSERVATIONS)
                notes.append(ObservationNote(
                    campus_id=campus.pk, child=rng.choice(pool), school_class=cls, date=day,
                    observed_at=_at(day, rng.choice([10, 11, 13, 15]), rng.randint(0, 59)), aspect=aspect,
                    is_abnormal=bool(action), finding=finding, action=action, recorded_by=teacher,
                ))  # fmt: skip

    ClassAttendance.objects.bulk_create(rolls, batch_size=500)
    for r in records:
        r.roll_id = r.roll.pk
    AttendanceRecord.objects.bulk_create(records, batch_size=1000)
    ClassCheck.objects.bulk_create(checks, batch_size=500)
    for h in exceptions:
        h.roll_id = h.roll.pk
    HealthCheck.objects.bulk_create(exceptions, batch_size=500)
    ObservationNote.objects.bulk_create(notes, batch_size=500)
    followups = _followups(campus, records, today, health, rng)
    AbsenceFollowUp.objects.bulk_create(followups, batch_size=500)
    for objs in (rolls, checks, exceptions, notes, followups):
        services._bulk_audit(objs, actor=None, action="create", message="demo data")


def _exceptions_for(rng, campus, roll, pool, cls, day, session, hour, health, default_tag, observe_tag,
                    medicine_tag, threshold):  # fmt: skip
    out = []
    morning = session == "morning"
    for child in pool:
        dice = rng.random()
        h = HealthCheck(
            campus_id=campus.pk, roll=roll, child=child, school_class=cls, date=day, session=session,
            tag=default_tag, checked_by=roll.checked_by, checked_at=roll.checked_at,
        )  # fmt: skip
        if dice < (0.006 if morning else 0.003):
            temp = Decimal(rng.choice(["37.6", "37.8", "38.0", "38.2", "38.5"]))
            h.temperature, h.fever, h.touch_abnormal = temp, temp >= threshold, True
            h.spirit_abnormal = rng.random() < 0.5
            h.tag = observe_tag
            h.symptoms = rng.choice(["额头发烫", "精神差，额头烫", "咳嗽，额头烫"])
            h.outcome = HealthCheck.Outcome.SENT_HOME
            h.action_note = "隔离室观察，复测体温后通知家长接回就医"
            mother = rng.choice(CONTACTS[:2])
            h.informed_person, h.informed_how = mother, "phone"
            h.informed_at = roll.checked_at + dt.timedelta(minutes=10)
            if day < timezone.localdate() or rng.random() < 0.5:
                h.left_at = roll.checked_at + dt.timedelta(minutes=rng.randint(35, 80))
                h.collected_by = mother
        elif dice < (0.04 if morning else 0.012):
            h.tag = observe_tag
            h.throat_abnormal = rng.random() < 0.4
            h.symptoms = rng.choice(COUGH)
            h.temperature = Decimal(rng.choice(["36.6", "36.8", "37.0", "37.1"]))
            h.outcome = HealthCheck.Outcome.OBSERVE
            h.action_note = "多喝水，午睡后复测体温"
        elif morning and dice < 0.06:
            h.tag = medicine_tag
            h.symptoms = "家长委托喂药（见喂药登记）"
        elif morning and dice < 0.068:
            h.unsafe_object = True
            h.symptoms = rng.choice(UNSAFE)
        else:
            continue
        out.append(h)
    return out


def _followups(campus, records, today, health, rng):
    sick = [r for r in records if r.status == "absent" and r.absence_reason == "sick"]
    sick.sort(key=lambda r: (r.date, r.pk))
    yesterday_last = max((r.date for r in sick if r.date < today), default=None)
    open_left = 2
    out = []
    for r in sick:
        f = AbsenceFollowUp(
            campus_id=campus.pk, record=r, child_id=r.child_id, school_class_id=r.school_class_id, date=r.date,
            symptoms=r.absence_note,
        )  # fmt: skip
        leave_open = r.date == today or (r.date == yesterday_last and open_left > 0 and rng.random() < 0.5)
        if leave_open:
            if r.date != today:
                open_left -= 1
        else:
            diagnosis, infectious = rng.choice(DIAGNOSES)
            f.status = AbsenceFollowUp.Status.DONE
            f.diagnosis = diagnosis
            f.infectious_suspected = infectious
            f.expected_return = r.date + dt.timedelta(days=rng.choice([1, 1, 2, 3]))
            f.contacted_person = rng.choice(CONTACTS)
            f.contact_method = rng.choice(["phone", "phone", "wechat"])
            f.contacted_at = _at(r.date, rng.choice([9, 10, 11]), rng.randint(0, 59))
            f.completed_by = health
            f.completed_at = f.contacted_at + dt.timedelta(minutes=5)
        out.append(f)
    return out
