"""Demo data of the hazards side of the safety module (registered with ``core.demo``):
a term of hazards (most closed with before/after photos, some overdue, one waiting for
verification, one sent back, one reopened, one void), drills with groups and follow-ups,
responsibility agreements with partial signatures, the monthly safety-education plan with
lesson records and 1530 talks, activity safety plans through approval, versioned emergency
plans with acknowledgements, and the duty roster of the month with a pending swap.

Everything goes through :mod:`houqin.safety.services` (validated and audited), with
historical times passed as ``now``. Dates are relative to the day the demo is loaded.
"""

import datetime as dt
import io

from django.core.files.base import ContentFile
from django.utils import timezone

from houqin.core import approvals
from houqin.core.demo import MAIN_CODE, WEST_CODE
from houqin.safety import services
from houqin.safety.models import Agreement, Drill, DrillFollowUp, DrillGroup, DutyShift, EmergencyPlan, Hazard


def _photo(colour, name):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(img)
    for x in range(0, 320, 16):
        draw.line([(x, 0), (x + 60, 240)], fill=tuple(min(255, c + 40) for c in colour), width=3)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return ContentFile(out.getvalue(), name=name)


def _before():
    return _photo((168, 92, 70), "before.jpg")


def _after():
    return _photo((70, 150, 96), "after.jpg")


def _at(day, hour=9, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _save(instance):
    from houqin.core.services import object_save

    return object_save(actor=None, instance=instance, campus=instance.campus, message="demo data")


# (days ago found, room name or None, place text, category, severity, description, measures,
#  outcome, rectification note)
# outcome: closed, overdue, rectified, reported, sent_back, reopened, void, assigned
MAIN_HAZARDS = [
    (72, "大型玩具区", "", "toys", "medium", "滑梯二层护栏螺丝松动，幼儿攀爬时有晃动", "紧固全部螺丝并加防松垫片",
     "closed", "已更换防松螺丝并紧固，复查无晃动"),
    (65, "配电房", "", "electrical", "medium", "配电箱门锁损坏，箱门无法关闭", "更换门锁，张贴“有电危险”标识",
     "closed", "已更换门锁并张贴警示标识"),
    (58, "厨房", "", "gas", "high", "燃气管道接口处有异味，疑似轻微泄漏", "立即关阀，通知燃气公司检修",
     "closed", "燃气公司已更换接口密封圈，检漏合格"),
    (44, None, "综合楼一楼东侧安全出口", "fire", "low", "安全出口指示灯不亮", "更换指示灯电池及灯管",
     "closed", "已更换应急指示灯"),
    (30, "多功能厅", "", "fire", "medium", "两具灭火器压力表指针在红区，压力不足", "送检充装，期间调配备用灭火器",
     "closed", "灭火器已充装并贴检验标签"),
    (24, "洗衣房", "", "electrical", "medium", "洗衣机漏电保护器频繁跳闸", "停用检修，查明漏电原因",
     "closed", "更换洗衣机电源线，漏电保护试验正常"),
    (16, "操场", "", "facilities", "low", "操场西北角塑胶地面破损翘起，易绊倒", "切除翘起部分并修补",
     "overdue", ""),
    (9, "门卫室", "", "security", "high", "一键报警器测试无响应", "联系安防公司检修，当日恢复",
     "overdue", ""),
    (6, "中二班活动室", "", "electrical", "low", "插座面板松动，有一处外露线头", "更换插座面板",
     "rectified", "已更换儿童安全插座面板"),
    (12, None, "综合楼二楼楼梯", "facilities", "medium", "楼梯扶手一段松动", "加固扶手立柱",
     "sent_back", "已用螺丝加固扶手"),
    (40, None, "西侧围墙", "security", "low", "围墙监控摄像头角度偏移，拍不到侧门", "调整摄像头角度",
     "reopened", "已调整摄像头角度"),
    (3, "种植园地", "", "other", "low", "园艺工具随意放在种植园地边", "工具统一收纳上锁",
     "void", ""),
    (2, None, "后勤楼消防通道", "fire", "medium", "消防通道堆放纸箱杂物", "立即清理，明确通道禁止堆物",
     "reported", ""),
    (1, "大型玩具区", "", "toys", "low", "攀爬网一处绳结磨损", "更换磨损绳结", "assigned", ""),
]  # fmt: skip
WEST_HAZARDS = [
    (20, "操场", "", "toys", "low", "秋千座椅链条有锈蚀", "更换链条", "closed", "已更换不锈钢链条"),
    (4, "厨房", "", "gas", "medium", "燃气报警器指示灯不亮", "更换报警器电源", "assigned", ""),
]  # fmt: skip


def add_demo_rows(ctx):
    today = timezone.localdate()
    for code, rows in ((MAIN_CODE, MAIN_HAZARDS), (WEST_CODE, WEST_HAZARDS)):
        campus = ctx.campuses[code]
        _hazards(ctx, campus, rows, today)
    main = ctx.campuses[MAIN_CODE]
    _drills(ctx, main, today)
    term = _term(ctx, MAIN_CODE, today)
    if term is not None:
        _agreements(ctx, main, term)
        _education(ctx, main, term, today)
    _activity_plans(ctx, main, today)
    _plans(ctx, main, today)
    _duty(ctx, main, today)
    _duty(ctx, ctx.campuses[WEST_CODE], today, west=True)


def _term(ctx, code, today):
    terms = sorted((t for (c, _k), t in ctx.terms.items() if c == code), key=lambda t: t.start_date)
    for t in terms:
        if t.start_date <= today <= t.end_date:
            return t
    past = [t for t in terms if t.start_date <= today]
    return past[-1] if past else (terms[0] if terms else None)


def _hazards(ctx, campus, rows, today):
    users = ctx.users
    west = campus.code == WEST_CODE
    head = users["logistics"]
    verifier = users["west_principal"] if west else users["principal"]
    owner = users["west_guard"] if west else users["repair"]
    reporters = [
        users[n] for n in (("west_teacher", "west_guard") if west else ("teacher", "guard", "duty", "health"))
    ]
    for index, (ago, room_name, place, category, severity, description, measures, outcome, note) in enumerate(
        rows
    ):
        found = today - dt.timedelta(days=ago)
        room = ctx.rooms.get((campus.code, room_name)) if room_name else None
        data = {"category": category, "severity": severity, "description": description, "place_text": place}
        if room is not None:
            data["room"] = room
        reporter = reporters[index % len(reporters)]
        if outcome == "reported" and not west:
            # a staff member scanned the room label without logging in
            hazard = services.hazard_report(
                actor=None, campus=campus, data=data, photos=[_before()], source=Hazard.Source.QR,
                reporter_name="吴秀英", reporter_phone="13800010007", now=_at(found, 10, 20),
            )  # fmt: skip
            continue
        hazard = services.hazard_report(
            actor=reporter, campus=campus, data=data, photos=[_before()], now=_at(found, 8 + index % 8, 15)
        )
        if outcome == "void":
            services.hazard_void(actor=head, hazard=hazard, reason="与已登记的隐患重复")
            continue
        deadline = None
        if outcome == "overdue":
            deadline = today - dt.timedelta(days=max(1, ago // 3))
        services.hazard_assign(
            actor=head, hazard=hazard, owner=owner, deadline=deadline, measures=measures, now=_at(found, 11)
        )
        if outcome in ("overdue", "assigned"):
            continue
        fixed = min(today, found + dt.timedelta(days=1 if severity == "high" else 2))
        photo = [_after()]
        services.hazard_rectify(actor=owner, hazard=hazard, note=note, photos=photo, now=_at(fixed, 15, 30))
        if outcome == "rectified":
            continue
        if outcome == "sent_back":
            services.hazard_send_back(
                actor=head, hazard=hazard, reason="立柱底座仍有松动，需更换膨胀螺栓", now=_at(fixed, 16, 40),
                deadline=today + dt.timedelta(days=2),
            )  # fmt: skip
            continue
        services.hazard_verify(actor=verifier, hazard=hazard, note="现场查验合格", now=_at(fixed, 17))
        if outcome == "reopened":
            services.hazard_reopen(
                actor=head, hazard=hazard, reason="夜间巡查发现摄像头再次偏移，支架松动",
                deadline=today + dt.timedelta(days=3), now=_at(today - dt.timedelta(days=2), 19),
            )  # fmt: skip
    # the overdue ones were escalated this morning
    services.hazards_escalate(_at(today, 7))


def _drills(ctx, campus, today):
    users = ctx.users
    principal, logistics, teacher, repair, health, guard = (
        users[n] for n in ("principal", "logistics", "teacher", "repair", "health", "guard")
    )
    specs = [
        (-58, "秋季消防疏散演练", Drill.Kind.FIRE, "全园", 318, 46, 152,
         "各班按疏散路线有序撤离，2分32秒全部到达操场；小班个别幼儿下楼梯速度慢，二楼东侧楼梯疏散指示标志缺失。",
         ["二楼东侧楼梯补设疏散指示标志", "小班增加上下楼梯安全练习"]),
        (-30, "地震应急疏散演练（三园同时，不预先通知）", Drill.Kind.EARTHQUAKE, "全园", 320, 47, 138,
         "警报响起后幼儿就地避险动作规范，疏散有序；搜救组检查各室用时偏长，需明确分区。",
         ["搜救组按楼层分区，明确每人负责的房间"]),
        (-9, "防恐防暴应急演练", Drill.Kind.INTRUSION, "大门及门卫室", None, 18, None,
         "门卫及时使用一键报警，钢叉盾牌配合到位；报警器曾测试无响应，已列入隐患整改。",
         []),
        (19, "冬季消防安全演练（邀请家长参与）", Drill.Kind.FIRE, "全园", None, None, None, "", []),
    ]  # fmt: skip
    groups = [
        (DrillGroup.Role.COMMAND, principal, "", "总指挥，发布演练指令"),
        (DrillGroup.Role.GUIDE, teacher, "各班班主任、保育员", "引导幼儿按路线疏散，清点人数"),
        (DrillGroup.Role.RESCUE, repair, "后勤人员", "逐室检查有无滞留幼儿"),
        (DrillGroup.Role.FIRST_AID, health, "保健室", "现场救护，携带急救箱"),
        (DrillGroup.Role.FIREFIGHTING, guard, "门卫、维修工", "使用灭火器扑救初起火灾"),
    ]
    for offset, title, kind, place, children, staff, seconds, reflection, follow_ups in specs:
        day = today + dt.timedelta(days=offset)
        drill = _save(
            Drill(campus=campus, title=title, kind=kind, planned_at=_at(day, 10), place=place, organizer=logistics,
                  scenario="演练时间不提前通知幼儿；按应急预案分组落实职责。")
        )  # fmt: skip
        for role, leader, members, duties in (
            groups if kind != Drill.Kind.INTRUSION else groups[:1] + groups[4:]
        ):
            _save(
                DrillGroup(
                    campus=campus, drill=drill, role=role, leader=leader, members=members, duties=duties
                )
            )
        if offset >= 0:
            continue
        services.drill_record(
            actor=logistics, drill=drill,
            data={"held_at": _at(day, 10, 5), "children_count": children, "staff_count": staff,
                  "evacuation_seconds": seconds, "reflection": reflection},
            photos=[_photo((90, 110, 160), "drill.jpg")],
        )  # fmt: skip
        for n, text in enumerate(follow_ups):
            fu = _save(
                DrillFollowUp(campus=campus, drill=drill, description=text, owner=repair if n == 0 else teacher,
                              due_on=day + dt.timedelta(days=7), done=n > 0)
            )  # fmt: skip
            if n == 0 and kind == Drill.Kind.FIRE:
                hazard = services.drill_follow_up_to_hazard(
                    actor=logistics, follow_up=fu, severity="low", now=_at(day, 15)
                )
                services.hazard_rectify(
                    actor=repair, hazard=hazard, note="已补设疏散指示标志", photos=[_after()],
                    now=_at(day + dt.timedelta(days=3), 14),
                )  # fmt: skip
                services.hazard_verify(actor=principal, hazard=hazard, now=_at(day + dt.timedelta(days=4), 9))


def _agreements(ctx, campus, term):
    from houqin.core.models import Child

    users = ctx.users
    logistics = users["logistics"]
    staff_roles = ["principal", "logistics_head", "accountant", "cashier", "asset_keeper", "health_teacher",
                   "childcare_worker", "class_teacher", "canteen_head", "cook", "guard", "repair_worker", "duty_admin"]  # fmt: skip
    letter = _save(
        Agreement(
            campus=campus, term=term, title=f"{term.start_date.year}学年教职工安全责任书", kind=Agreement.Kind.RESPONSIBILITY,
            audience=Agreement.Audience.STAFF, roles=staff_roles, due_on=term.start_date + dt.timedelta(days=14),
            text="为落实“谁主管，谁负责；谁在岗，谁负责”的安全工作原则，本人承诺：\n"
                 "一、认真学习并遵守园所各项安全管理制度和应急预案；\n"
                 "二、做好本岗位每日安全检查，发现隐患及时报告、及时整改；\n"
                 "三、班级教师严格执行幼儿接送制度和一日活动安全要求；\n"
                 "四、参加安全培训和应急演练，掌握基本的自救互救技能。",
        )
    )  # fmt: skip
    signers = list(services.agreement_staff_signers(letter))
    for user in signers[: max(1, len(signers) * 2 // 3)]:
        if user.username in ("cook", "repair"):
            continue  # still to sign
        day = min(term.start_date + dt.timedelta(days=signers.index(user) % 10), timezone.localdate())
        services.agreement_confirm(
            actor=user, agreement=letter, now=_at(day, 8 + signers.index(user) % 9, 10)
        )
    pickup = _save(
        Agreement(
            campus=campus, term=term, title="幼儿安全接送协议", kind=Agreement.Kind.PICKUP,
            audience=Agreement.Audience.GUARDIANS, due_on=term.start_date + dt.timedelta(days=10),
            text="家长凭接送卡接送幼儿；如委托他人接送，须提前签订代接送协议并告知班主任。",
        )
    )  # fmt: skip
    classes = [ctx.classes[(MAIN_CODE, name)] for name in ("小一班", "中一班", "大一班")]
    pickup.classes.set(classes)
    children = list(services.agreement_children(pickup))
    for n, child in enumerate(children):
        if n % 4 == 3:
            continue  # about a quarter still missing
        if n > 30:
            break
        services.agreement_record_scan(
            actor=logistics, agreement=pickup, child=child, scan=_photo((235, 235, 225), "scan.jpg"),
            signed_on=term.start_date + dt.timedelta(days=n % 9),
        )  # fmt: skip
    proxy = _save(
        Agreement(
            campus=campus, term=term, title="代接送协议（祖辈/亲属接送）", kind=Agreement.Kind.PROXY_PICKUP,
            audience=Agreement.Audience.GUARDIANS, text="委托人同意由被委托人代为接送幼儿，并对代接送期间的安全负责。",
        )
    )  # fmt: skip
    few = list(Child.objects.filter(campus=campus, school_class=classes[0]).order_by("id")[:3])
    proxy.children.set(few)
    if few:
        services.agreement_record_scan(
            actor=logistics, agreement=proxy, child=few[0], scan=_photo((235, 235, 225), "proxy.jpg")
        )


def _education(ctx, campus, term, today):
    from houqin.core.models import SchoolClass
    from houqin.safety.models import EducationTheme

    users = ctx.users
    services.education_plan_prefill(actor=users["logistics"], term=term)
    classes = list(SchoolClass.objects.filter(campus=campus).order_by("sort_order"))
    themes = list(EducationTheme.objects.filter(term=term, month__lte=today).order_by("month"))
    for t_index, theme in enumerate(themes):
        current = theme.month.year == today.year and theme.month.month == today.month
        for c_index, school_class in enumerate(classes):
            if current and c_index % 2:
                continue  # this month's lessons are still under way
            if not current and (c_index + t_index) % 11 == 10:
                continue  # one class forgot
            held = theme.month + dt.timedelta(days=7 + c_index % 10)
            held = min(held, today)
            services.education_record_save(
                actor=school_class.head_teacher or users["teacher"], theme=theme, school_class=school_class,
                held_on=held, note=f"{theme.title}：观看视频、讨论、情景演练。",
                photos=[_photo((200, 170, 90), "lesson.jpg")] if c_index < 2 else [],
            )  # fmt: skip
    # 1530 talks: the first four classes, nearly every talk due so far
    due = services.talk_due_list(term, until=today)
    for c_index, school_class in enumerate(classes[:4]):
        teacher = school_class.head_teacher or users["teacher"]
        for n, (day, slot, _minutes, _reason) in enumerate(due):
            if (n + c_index) % (9 + c_index * 3) == 0:
                continue
            services.safety_talk_record(
                actor=teacher, term=term, school_class=school_class, date=day, slot=slot,
                topic="离园安全提醒" if slot == "leaving" else "周末/假期安全回顾",
            )  # fmt: skip


def _activity_plans(ctx, campus, today):
    users = ctx.users
    teacher, logistics, principal = users["teacher"], users["logistics"], users["principal"]
    autumn = services.activity_plan_save(
        actor=teacher, campus=campus,
        data={"title": "“寻找秋天”户外活动", "starts_at": _at(today - dt.timedelta(days=26), 9),
              "ends_at": _at(today - dt.timedelta(days=26), 11, 30), "destination": "西湖区植物园",
              "children_count": 25, "adults_count": 6, "responsible": teacher, "transport": "步行",
              "risks": "过马路交通安全；幼儿走失；蚊虫叮咬", "measures": "出发前清点人数并讲解安全要求；"
              "途中教师前中后站位，过马路由交警协助；每10分钟清点一次人数；返园后再次清点并反馈家长。",
              "emergency": "带队教师：李晓燕 13800010008；保健老师随队携带急救箱；园办电话 0571-88880001"},
        classes=[ctx.classes[(MAIN_CODE, "小一班")]],
    )  # fmt: skip
    approval = services.activity_plan_submit(actor=teacher, plan=autumn)
    approval = approvals.approve(actor=logistics, approval=approval, comment="同意，注意过马路安全")
    approvals.approve(actor=principal, approval=approval, comment="同意")
    family = services.activity_plan_save(
        actor=teacher, campus=campus,
        data={"title": "大班亲子游外出活动", "starts_at": _at(today + dt.timedelta(days=12), 8, 30),
              "ends_at": _at(today + dt.timedelta(days=12), 15), "destination": "杭州动物园",
              "children_count": 28, "adults_count": 34, "responsible": teacher, "transport": "大巴车2辆（有资质的客运公司）",
              "risks": "乘车安全；人多走失；动物伤害", "measures": "核查车辆和驾驶员资质；每车安排2名教师；"
              "家长一对一看护；集合点和时间提前告知。", "emergency": "园长 13800010001；随队保健老师"},
        classes=[ctx.classes[(MAIN_CODE, "大一班")]],
    )  # fmt: skip
    services.activity_plan_submit(actor=teacher, plan=family)


def _plans(ctx, campus, today):
    users = ctx.users
    logistics = users["logistics"]
    specs = [
        ("火灾事故应急预案", EmergencyPlan.Category.FIRE, [
            ("2025版", 400, "一、组织机构：成立应急领导小组，园长任组长……\n二、报警：发现火情立即拨打119并报告园长……\n"
                          "三、疏散：各班教师按疏散路线组织幼儿撤离至操场……\n四、扑救：义务消防队使用灭火器扑救初起火灾……"),
            ("2026版", 20, "在2025版基础上：增加夜间火灾处置流程；更新各楼层疏散路线图；义务消防队人员调整。"),
        ]),
        ("食品安全事故应急预案", EmergencyPlan.Category.FOOD, [
            ("2026版", 80, "一、发现疑似食物中毒：立即停止供餐，封存留样和可疑食品……\n"
                          "二、送医救治并在规定时间内向教育局及市场监管部门报告……\n三、配合调查，做好家长沟通。"),
        ]),
        ("地震应急疏散预案", EmergencyPlan.Category.EARTHQUAKE, [
            ("2026版", 75, "一、震时就地避险：蹲下、掩护、抓牢……\n二、震后疏散：按引导、指挥、搜救、救护四组分工……"),
        ]),
    ]  # fmt: skip
    staff = list(services.campus_staff(campus))
    for title, category, versions in specs:
        plan = _save(EmergencyPlan(campus=campus, title=title, category=category))
        for n, (version, ago, text) in enumerate(versions):
            services.plan_publish_version(
                actor=logistics, plan=plan, version=version, text=text, published_on=today - dt.timedelta(days=ago),
                change_note="修订" if n else "",
            )  # fmt: skip
            share = 3 if n == len(versions) - 1 and len(versions) > 1 else 5
            for i, user in enumerate(staff):
                if i % 6 < share:
                    read_on = min(today - dt.timedelta(days=ago) + dt.timedelta(days=1 + i % 5), today)
                    services.plan_acknowledge(actor=user, plan=plan, now=_at(read_on, 12, 30))


def _duty(ctx, campus, today, west=False):
    users = ctx.users
    month = today.replace(day=1)
    logistics = users["logistics"]
    if west:
        admins = [users["west_principal"], users["logistics"]]
        guards = [users["west_guard"]]
    else:
        admins = [users["duty"], users["principal"], users["logistics"]]
        guards = [users["guard"]]
    services.duty_fill_month(
        actor=logistics, campus=campus, month=month, kind=DutyShift.Kind.ADMIN, people=admins,
        start_time=dt.time(7, 30), end_time=dt.time(17, 30), days="school",
    )  # fmt: skip
    services.duty_fill_month(
        actor=logistics, campus=campus, month=month, kind=DutyShift.Kind.GUARD, people=guards,
        start_time=dt.time(6, 30), end_time=dt.time(18, 30), days="all",
    )  # fmt: skip
    services.duty_fill_month(
        actor=logistics, campus=campus, month=month, kind=DutyShift.Kind.HOLIDAY, people=admins[::-1],
        start_time=dt.time(8, 0), end_time=dt.time(17, 0), days="holidays",
    )  # fmt: skip
    if west:
        return
    # the duty administrator asks to swap a shift next week
    upcoming = (
        DutyShift.objects.filter(
            campus=campus, person=users["duty"], kind=DutyShift.Kind.ADMIN, date__gt=today
        )
        .order_by("date")
        .first()
    )
    if upcoming is not None:
        services.duty_swap_request(
            actor=users["duty"],
            shift=upcoming,
            replacement=users["principal"],
            reason="当天参加区教育局安全培训",
        )
