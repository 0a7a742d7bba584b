"""Demo data of the disease area (registered with ``core.demo`` at order 410): the common
disease list of both campuses; entrusted medicines with their doses over the last two
weeks (one antibiotic with its hospital record, signatures, a few doses not given); a
handful of infectious disease cases, among them a closed HFMD cluster in 中一班 with its
terminal disinfection, outbreak report and quarantine; weekly disinfectant concentration
tests (one failed and redone); health lessons per class per month and the publicity board
changes of the term so far.

Everything goes through :mod:`houqin.health.disease_services` with historical times passed
as ``now``; dates are relative to the day the demo is loaded.
"""

import base64
import datetime as dt
import io
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from houqin.core.demo import MAIN_CODE, WEST_CODE
from houqin.health import disease_services as services

DRUGS = [
    ("小儿氨酚黄那敏颗粒", "半袋", "oral", ["09:30", "14:30"], False, "感冒，家长要求午饭后喂"),
    ("蒲地蓝消炎口服液", "5ml", "oral", ["09:30", "14:30"], False, ""),
    ("阿莫西林克拉维酸钾干混悬剂", "1袋", "oral", ["09:30", "14:30"], True, "饭后服用，冷藏"),
    ("妥布霉素滴眼液", "每眼1滴", "eye", ["10:00", "15:00"], False, "结膜炎"),
    ("小儿肺热咳喘颗粒", "1袋", "oral", ["11:30"], False, ""),
    ("开喉剑喷雾剂（儿童型）", "喷2下", "nose", ["10:00", "14:30"], False, ""),
    ("益生菌冲剂", "1袋", "oral", ["09:30"], False, "温水冲服，水温不超过40℃"),
    ("头孢克洛干混悬剂", "0.125g", "oral", ["09:30", "14:30"], True, "医嘱3天"),
    ("炉甘石洗剂", "患处外涂", "skin", ["12:30"], False, "湿疹"),
    ("小儿豉翘清热颗粒", "1袋", "oral", ["09:30", "14:30"], False, ""),
]
PARENTS = ["王女士", "李先生", "张女士", "刘女士", "陈先生", "杨女士", "赵女士", "孙先生", "周女士", "吴女士"]
LESSON_TOPICS = {
    9: ["认识我的身体", "饭前便后要洗手", "不挑食身体棒"],
    10: ["秋季预防感冒", "保护眼睛", "七步洗手法"],
    11: ["预防流感", "牙齿健康我知道", "冬季多喝水"],
    12: ["冬季安全与保暖", "预防诺如病毒"],
    1: ["健康过寒假"],
    2: ["开学收心，规律作息"],
    3: ["春季传染病预防", "爱护牙齿"],
    4: ["预防手足口病"],
    5: ["夏季防蚊虫叮咬"],
    6: ["防溺水，安全过暑假"],
}
BOARD_TOPICS = {
    9: "入园适应与秋季保健", 10: "秋季腹泻与流感预防", 11: "冬季传染病预防（流感、诺如）", 12: "冬季保暖与科学锻炼",
    1: "寒假健康提示", 2: "开学健康提示", 3: "春季传染病预防", 4: "手足口病防控知识", 5: "夏季饮食卫生",
    6: "防暑降温与防溺水",
}  # fmt: skip


def _photo(colour, name="photo.jpg"):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(img)
    for y in range(0, 240, 24):
        draw.line([(0, y), (320, y + 30)], fill=tuple(min(255, c + 40) for c in colour), width=3)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return ContentFile(out.getvalue(), name=name)


def _signature():
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (300, 100), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.line([(20, 70), (80, 30), (120, 75), (170, 25), (230, 70), (280, 40)], fill=(20, 20, 20), width=4)
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _at(day, text_or_hour, minute=0):
    t = (
        dt.time.fromisoformat(text_or_hour)
        if isinstance(text_or_hour, str)
        else dt.time(text_or_hour, minute)
    )
    return timezone.make_aware(dt.datetime.combine(day, t))


def _children(school_class, n):
    from houqin.core.models import Child

    return list(
        Child.objects.filter(school_class=school_class, status=Child.Status.ENROLLED).order_by("id")[:n]
    )


def _weekdays_back(today, count):
    """The last ``count`` weekdays before today, oldest first."""
    out, day = [], today - dt.timedelta(days=1)
    while len(out) < count:
        if day.weekday() < 5:
            out.append(day)
        day -= dt.timedelta(days=1)
    return list(reversed(out))


def _medication(ctx, today):
    campus = ctx.campuses[MAIN_CODE]
    users = ctx.users
    classes = [c for (code, _n), c in ctx.classes.items() if code == MAIN_CODE]
    starts = [d for d in _weekdays_back(today, 10) if d.weekday() <= 2]
    if today.weekday() < 5:
        starts.append(today)
    signature = _signature()
    for i, (drug, dose, route, times, antibiotic, notes) in enumerate(DRUGS):
        school_class = classes[(i * 5) % len(classes)]
        child = _children(school_class, i + 2)[-1]
        start = starts[i % len(starts)]
        days = max(1, min(3, 5 - start.weekday()))  # Monday–Friday only
        teacher = school_class.head_teacher or users["teacher"]
        order = services.medication_register(
            actor=teacher, campus=campus, child=child, now=_at(start, 8, 5),
            data={"drug": drug, "dose": dose, "route": route, "times": times, "start_date": start, "days": days,
                  "is_antibiotic": antibiotic, "notes": notes, "parent_name": PARENTS[i],
                  "parent_phone": f"1390000{i:04d}", "parent_confirmed": True,
                  "storage": "冷藏" if "冷藏" in notes else ""},
            photos=[_photo((210, 220, 235), "hospital-record.jpg")] if antibiotic else (),
            signature=signature if i % 3 == 0 else None,
        )  # fmt: skip
        givers = [teacher, users["childcare"], users["health"]]
        for d in range(days):
            day = start + dt.timedelta(days=d)
            for k, text in enumerate(times):
                when = _at(day, text) + dt.timedelta(minutes=3 + (i + k) % 9)
                if when > timezone.now():
                    continue
                slot = dt.time.fromisoformat(text)
                if i == 5 and d == days - 1 and k == len(times) - 1:
                    services.dose_not_given(actor=teacher, order=order, date=day, slot=slot, reason="absent",
                                            note="下午家长提前接走", now=when)  # fmt: skip
                    continue
                if i == 8 and d == 1:
                    continue  # one missed dose stays on the record of the past
                services.dose_give(actor=givers[(d + k) % 3], order=order, date=day, slot=slot,
                                   confirmed_child=True, confirmed_class=True, confirmed_dose=True, now=when)  # fmt: skip
        if i == 4 and start < today:
            services.medication_stop(actor=teacher, order=order, reason="家长告知孩子已痊愈，停药",
                                     now=_at(start + dt.timedelta(days=days - 1), 16))  # fmt: skip


def _cases(ctx, today):
    from houqin.health.models import Disease

    campus = ctx.campuses[MAIN_CODE]
    health = ctx.users["health"]
    diseases = {d.name: d for d in Disease.objects.filter(campus=campus)}
    middle = ctx.classes[(MAIN_CODE, "中一班")]
    # The closed HFMD cluster: 3 cases with onsets on one day about three weeks ago.
    onset = today - dt.timedelta(days=21)
    kids = _children(middle, 6)[3:6]
    cases = []
    for n, child in enumerate(kids):
        cases.append(services.case_record(
            actor=health, campus=campus, child=child, disease=diseases["手足口病"], onset_date=onset,
            diagnosis_source="hospital", hospital="市儿童医院", symptoms="发热，手、足、口腔疱疹",
            reported_on=onset, now=_at(onset, 9, 10) + dt.timedelta(minutes=40 * n),
        ))  # fmt: skip
    alert = cases[-1].outbreaks.get()
    services.disinfection_done(actor=ctx.users["childcare"], task=cases[0].disinfection,
                               method="含氯消毒液500mg/L擦拭桌椅、玩具、门把手，紫外线灯照射60分钟",
                               areas="活动室、寝室、盥洗室", photos=[_photo((120, 170, 200), "disinfection.jpg")],
                               now=_at(onset, 16, 30))  # fmt: skip
    services.outbreak_report(actor=health, alert=alert, reported_to="区疾病预防控制中心 学校卫生科", method="电话及网络直报",
                             measures="班级终末消毒；加强晨午检和全日观察；实行班级检疫，不并班、不串班、不收新生；"
                                      "家长告知书；病例居家隔离，凭复课证明返园。",
                             reported_at=_at(onset, 14, 20), now=_at(onset, 14, 25))  # fmt: skip
    quarantine = alert.quarantines.first()
    if quarantine is not None:
        services.quarantine_confirm(actor=health, quarantine=quarantine, start_date=onset,
                                    end_date=onset + dt.timedelta(days=diseases["手足口病"].quarantine_days - 1),
                                    now=_at(onset, 15))  # fmt: skip
    for case in cases:
        back = case.isolation_until + dt.timedelta(days=1)
        while back.weekday() >= 5:
            back += dt.timedelta(days=1)
        services.case_return(actor=health, case=case, returned_on=back, certificate_date=back - dt.timedelta(days=1),
                             certificate=_photo((230, 230, 210), "certificate.jpg"), now=_at(back, 8))  # fmt: skip
    services.outbreak_close(actor=health, alert=alert, note="末例病例隔离期满返园，班级检疫期内无新发病例。",
                            now=_at(onset + dt.timedelta(days=12), 16))  # fmt: skip

    # Chickenpox a month ago: back in class.
    senior = ctx.classes[(MAIN_CODE, "大二班")]
    child = _children(senior, 2)[1]
    onset = today - dt.timedelta(days=30)
    case = services.case_record(actor=health, campus=campus, child=child, disease=diseases["水痘"], onset_date=onset,
                                symptoms="发热，躯干散在疱疹", hospital="区人民医院", reported_on=onset,
                                now=_at(onset, 10))  # fmt: skip
    services.disinfection_done(actor=ctx.users["childcare"], task=case.disinfection, method="含氯消毒液500mg/L擦拭，开窗通风",
                               photos=[_photo((120, 170, 200), "disinfection.jpg")], now=_at(onset, 17))  # fmt: skip
    back = case.isolation_until + dt.timedelta(days=1)
    services.case_return(actor=health, case=case, returned_on=back, certificate_date=back - dt.timedelta(days=1),
                         certificate=_photo((230, 230, 210), "certificate.jpg"), now=_at(back, 8))  # fmt: skip
    # Influenza three days ago: still in isolation, its disinfection to do.
    junior = ctx.classes[(MAIN_CODE, "小二班")]
    onset = today - dt.timedelta(days=3)
    services.case_record(actor=health, campus=campus, child=_children(junior, 4)[3], disease=diseases["流感"],
                         onset_date=onset, symptoms="高热39℃，咳嗽", hospital="市儿童医院",
                         reported_on=today - dt.timedelta(days=2), now=_at(today - dt.timedelta(days=2), 9))  # fmt: skip
    # A suspected case voided after the hospital ruled it out.
    case = services.case_record(actor=health, campus=campus, child=_children(junior, 6)[5],
                                disease=diseases["猩红热"], onset_date=today - dt.timedelta(days=6),
                                diagnosis_source="suspected", symptoms="皮疹、咽痛",
                                reported_on=today - dt.timedelta(days=6), now=_at(today - dt.timedelta(days=6), 10))  # fmt: skip
    services.case_void(actor=health, case=case, reason="医院诊断为荨麻疹，排除猩红热",
                       now=_at(today - dt.timedelta(days=5), 11))  # fmt: skip


def _term_start(ctx, code, today):
    terms = sorted((t for (c, _k), t in ctx.terms.items() if c == code), key=lambda t: t.start_date)
    current = [t for t in terms if t.start_date <= today <= t.end_date]
    if current:
        return current[0].start_date
    past = [t for t in terms if t.start_date <= today]
    return past[-1].start_date if past else today - dt.timedelta(days=60)


def _tests(ctx, code, today):
    campus = ctx.campuses[code]
    tester = ctx.users["childcare"] if code == MAIN_CODE else ctx.users["west_principal"]
    day = _term_start(ctx, code, today)
    day += dt.timedelta(days=(7 - day.weekday()) % 7)  # first Monday
    n = 0
    while day < today:
        for purpose, measured in (
            ("活动室桌面、玩具擦拭", 400 + (n * 37) % 90),
            ("卫生间、地面拖洗", 480 + (n * 53) % 20),
        ):
            n += 1
            failed = code == MAIN_CODE and n == 7
            test = services.concentration_test_record(
                actor=tester, campus=campus, now=_at(day, 8, 10 + n % 30),
                data={"date": day, "disinfectant": "chlorine", "product": "84消毒液", "purpose": purpose,
                      "place": "各班", "measured": Decimal("180") if failed else Decimal(measured)},
            )  # fmt: skip
            if failed:
                services.concentration_test_record(
                    actor=tester, campus=campus, redo_of=test, now=_at(day, 8, 50),
                    data={"date": day, "measured": Decimal("420"), "note": "重新配制后复测合格"},
                )  # fmt: skip
        day += dt.timedelta(days=7)


def _education(ctx, code, today):
    from houqin.core.models import SchoolClass

    campus = ctx.campuses[code]
    start = _term_start(ctx, code, today)
    classes = list(SchoolClass.objects.filter(campus=campus, is_active=True).order_by("sort_order"))
    month = start.replace(day=1)
    recorder = ctx.users["health"] if code == MAIN_CODE else ctx.users["west_principal"]
    while month <= today:
        topics = LESSON_TOPICS.get(month.month, ["健康小常识"])
        for n, school_class in enumerate(classes):
            day = month.replace(day=min(8 + n, 28))
            if day > today or day < start or (month.month == today.month and n % 3 == 2):
                continue  # some classes have not had this month's lesson yet
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            if day > today:
                continue
            teacher = school_class.head_teacher or recorder
            services.lesson_record(
                actor=teacher if code == MAIN_CODE and school_class.head_teacher else recorder, campus=campus,
                data={"school_class": school_class, "date": day, "topic": topics[n % len(topics)], "teacher": teacher,
                      "summary": "通过图片、儿歌和情景游戏，引导幼儿掌握基本的健康知识和卫生习惯。"},
                photos=[_photo((240, 200, 150), "lesson.jpg")] if n % 4 == 0 else (),
            )  # fmt: skip
        board_day = month.replace(day=3)
        while board_day.weekday() >= 5:
            board_day += dt.timedelta(days=1)
        if start <= board_day <= today:
            services.board_record(actor=recorder, campus=campus,
                                  data={"date": board_day, "topic": BOARD_TOPICS.get(month.month, "健康知识"),
                                        "location": "保健室门口宣传栏"},
                                  photos=[_photo((180, 210, 160), "board.jpg")])  # fmt: skip
        month = (month + dt.timedelta(days=32)).replace(day=1)


def add_demo_rows(ctx):
    today = timezone.localdate()
    for code in (MAIN_CODE, WEST_CODE):
        if code in ctx.campuses:
            services.diseases_ensure(ctx.campuses[code])
    _medication(ctx, today)
    _cases(ctx, today)
    for code in (MAIN_CODE, WEST_CODE):
        _tests(ctx, code, today)
        _education(ctx, code, today)
