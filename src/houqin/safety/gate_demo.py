"""Demo data of the gate: a few weeks of visitors, a watch-list entry, pickup persons with
proxy agreements and recent releases. Registered with ``core.demo.register``.

Rows of past days are written through the gate's audited save (``_save``: validated,
ID numbers masked in the trail) with their historical times; today's waiting visitor goes
through :func:`gate_services.visitor_register`, so the host has a real notification to
answer. The many guardian pickup persons and past releases carry no ID number and are
bulk-inserted like the core's children (validated one by one, audited in bulk).
"""

import datetime as dt
import io

from django.core.files.base import ContentFile
from django.utils import timezone

from houqin.core.attachments import attachment_add
from houqin.core.demo import MAIN_CODE, WEST_CODE, bulk_save
from houqin.core.services import object_save
from houqin.safety import gate_services as gs
from houqin.safety.models import PickupPerson, PickupRelease, Visitor, WatchEntry

DAYS = 20  # school days of visitor history

# (category, organisation, purpose, host username, people range, plate?)
VISIT_KINDS = [
    ("parent", "", "给孩子送换洗衣物", "teacher", (1, 1), False),
    ("parent", "", "与班主任沟通孩子情况", "teacher", (1, 2), False),
    ("parent", "", "接孩子去医院复诊", "teacher", (1, 1), False),
    ("delivery", "杭州鲜丰蔬菜配送有限公司", "食材配送", "canteen", (1, 2), True),
    ("delivery", "西湖区鲜奶供应站", "牛奶配送", "canteen", (1, 1), True),
    ("delivery", "顺丰速运", "快递送件", "assets", (1, 1), False),
    ("delivery", "得力办公用品公司", "办公用品送货", "assets", (1, 2), True),
    ("repair", "杭州华安消防设备有限公司", "灭火器年检", "logistics", (2, 2), True),
    ("repair", "西湖区供电所", "配电房线路检修", "repair", (1, 2), True),
    ("repair", "美的空调售后服务部", "空调清洗保养", "logistics", (2, 3), True),
    ("repair", "杭州绿城园林公司", "园内绿化修剪", "logistics", (2, 4), True),
    ("inspection", "西湖区教育局", "安全工作专项检查", "principal", (2, 3), True),
    ("inspection", "西湖区市场监督管理局", "食堂食品安全检查", "canteen", (2, 2), True),
    ("inspection", "西湖区疾病预防控制中心", "传染病防控指导", "health", (1, 2), False),
    ("business", "浙江少年儿童出版社", "绘本图书推介", "principal", (1, 1), False),
    ("interview", "", "应聘保育员面试", "principal", (1, 1), False),
]
REFUSALS = [
    ("other", "未预约的推销人员，园领导不同意接待"),
    ("parent", "自称家长但无法说出孩子班级，联系班主任未确认"),
    ("delivery", "无法出示身份证件"),
]
PLATE_LETTERS = "ABCDEFGH"


def _at(day, hour, minute):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _school_days(campus, before, count):
    """The ``count`` school days before ``before`` (newest first); weekdays as a fallback."""
    days, day = [], before - dt.timedelta(days=1)
    for _i in range(120):
        if gs.is_school_day(campus, day):
            days.append(day)
            if len(days) == count:
                return days
        day -= dt.timedelta(days=1)
    day = before - dt.timedelta(days=1)
    while len(days) < count:
        if day.weekday() < 5 and day not in days:
            days.append(day)
        day -= dt.timedelta(days=1)
    return sorted(days, reverse=True)[:count]


def _photo(rng, label="photo"):
    """A small plain-colour JPEG standing in for a photo."""
    from PIL import Image

    colour = tuple(rng.randrange(120, 230) for _i in range(3))
    buffer = io.BytesIO()
    Image.new("RGB", (120, 150), colour).save(buffer, format="JPEG")
    return ContentFile(buffer.getvalue(), name=f"{label}.jpg")


def _agreement_pdf(child, person):
    text = f"Proxy pickup agreement: {child.pk} / {person.pk}".encode()
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\n% " + text + b"\ntrailer<<>>\n%%EOF\n"
    return ContentFile(body, name="代接送协议.pdf")


def _adult_id(names, rng):
    sex = "M" if rng.random() < 0.5 else "F"
    birth = dt.date(rng.randrange(1962, 2000), rng.randrange(1, 13), rng.randrange(1, 29))
    return names.adult(sex), names.id_number(birth, sex)


def _plate(rng):
    return f"浙{rng.choice(PLATE_LETTERS)}{rng.randrange(10000, 99999)}"


def add_demo_rows(ctx):
    main = ctx.campuses.get(MAIN_CODE)
    if main is None:
        return
    add_visitors(ctx, main, guard="guard", per_day=(3, 7))
    west = ctx.campuses.get(WEST_CODE)
    if west is not None:
        add_visitors(ctx, west, guard="west_guard", per_day=(1, 3), days=10, watch=False)
    add_pickup(ctx, main)


def add_visitors(ctx, campus, *, guard, per_day, days=DAYS, watch=True):
    users, rng, names = ctx.users, ctx.rng, ctx.names
    guard_user = users.get(guard)
    hosts = {name: users.get(name) for name in ("teacher", "canteen", "assets", "logistics", "repair", "principal",
                                                 "health")}  # fmt: skip
    if campus.code != MAIN_CODE:
        fallback = users.get("west_principal")
        hosts = {
            name: (fallback if name != "teacher" else users.get("west_teacher") or fallback) for name in hosts
        }
    hosts = {k: v for k, v in hosts.items() if v is not None and gs.is_campus_staff(v, campus)}
    if not hosts or guard_user is None:
        return
    today = timezone.localdate()
    entry = None
    if watch:
        name, id_number = _adult_id(names, rng)
        entry = gs.watch_entry_save(
            actor=users.get("principal"),
            instance=WatchEntry(
                name=name,
                id_number=id_number,
                reason="法院裁定禁止接近其子女（监护权纠纷），如来园须立即报告园长",
                added_by=users.get("principal"),
            ),
            campus=campus,
        )
    school_days = _school_days(campus, today, days)
    badge = 0
    for index, day in enumerate(sorted(school_days)):
        for _n in range(rng.randrange(per_day[0], per_day[1] + 1)):
            category, org, purpose, host_key, people, plate = rng.choice(VISIT_KINDS)
            host = hosts.get(host_key) or next(iter(hosts.values()))
            name, id_number = _adult_id(names, rng)
            hour = rng.choice([8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 15, 16])
            time_in = _at(day, hour, rng.randrange(0, 60))
            stay = dt.timedelta(minutes=rng.choice([10, 15, 20, 30, 45, 60, 90, 120]))
            badge = badge % 30 + 1
            by_phone = rng.random() < 0.3
            visitor = Visitor(
                campus=campus, name=name, id_number=id_number, phone=names.phone(), organization=org,
                category=category, purpose=purpose, host=host, badge_no=f"F{badge:02d}",
                people_count=rng.randrange(people[0], people[1] + 1), vehicle_plate=_plate(rng) if plate else "",
                time_in=time_in, time_out=time_in + stay, status=Visitor.Status.LEFT, registered_by=guard_user,
                confirmed_by=guard_user if by_phone else host,
                confirmed_at=time_in + dt.timedelta(minutes=rng.randrange(1, 6)),
                confirmation=Visitor.Confirmation.PHONE if by_phone else Visitor.Confirmation.HOST,
                signed_out_by=guard_user,
            )  # fmt: skip
            object_save(actor=guard_user, instance=visitor, action="register", message="demo data")
        if index % 5 == 2:
            category, reason = rng.choice(REFUSALS)
            name, id_number = _adult_id(names, rng)
            refused = Visitor(
                campus=campus, name=name, id_number=id_number, phone=names.phone(), category=category,
                purpose="要求入园", time_in=_at(day, 10, rng.randrange(0, 60)), status=Visitor.Status.REFUSED,
                refusal_reason=reason, registered_by=guard_user,
            )  # fmt: skip
            refused.time_out = refused.time_in
            object_save(actor=guard_user, instance=refused, action="refuse", message="demo data")
    if entry is not None and school_days:
        day = school_days[min(3, len(school_days) - 1)]
        refused = Visitor(
            campus=campus, name=entry.name, id_number=entry.id_number, phone=names.phone(), category="parent",
            purpose="要求见孩子", time_in=_at(day, 16, 10), status=Visitor.Status.REFUSED, watch_entry=entry,
            refusal_reason="观察名单人员，已报告园长，拒绝入园", registered_by=guard_user,
        )  # fmt: skip
        refused.time_out = refused.time_in
        object_save(actor=guard_user, instance=refused, action="refuse", message="demo data")
    if school_days:
        # A registration made twice by mistake, voided.
        day = school_days[0]
        name, id_number = _adult_id(names, rng)
        dup = Visitor(
            campus=campus, name=name, id_number=id_number, phone=names.phone(), category="delivery",
            organization="顺丰速运", purpose="快递送件", host=hosts.get("assets") or next(iter(hosts.values())),
            time_in=_at(day, 11, 5), time_out=_at(day, 11, 15), status=Visitor.Status.LEFT, registered_by=guard_user,
            signed_out_by=guard_user,
        )  # fmt: skip
        object_save(actor=guard_user, instance=dup, action="register", message="demo data")
        gs.visitor_void(actor=guard_user, visitor=dup, reason="重复登记")
    # Today: one visitor inside (confirmed by phone), one waiting for the host's confirmation.
    now = timezone.now()
    for category, org, purpose, host_key, by_phone, minutes in (
        ("repair", "杭州华安消防设备有限公司", "消防栓水压检测", "logistics", True, 50),
        ("parent", "", "与班主任沟通孩子情况", "teacher", False, 8),
    ):
        host = hosts.get(host_key) or next(iter(hosts.values()))
        name, id_number = _adult_id(names, rng)
        gs.visitor_register(
            actor=guard_user,
            campus=campus,
            data={"name": name, "id_number": id_number, "phone": names.phone(), "organization": org,
                  "category": category, "purpose": purpose, "host": host, "badge_no": f"F{31 + minutes % 9:02d}",
                  "people_count": 1, "time_in": now - dt.timedelta(minutes=minutes)},
            confirmed_by_phone=by_phone,
        )  # fmt: skip


PROXY_RELATIONS = ["外婆", "外公", "爷爷", "奶奶", "保姆", "姑姑", "舅舅"]


def add_pickup(ctx, campus):
    """Guardians of every enrolled child as pickup persons with cards; proxies with signed
    agreements in 小一班 and 中一班 (one expired); a week of releases for those classes."""
    from houqin.core.models import Child, Guardian

    users, rng, names = ctx.users, ctx.rng, ctx.names
    guard_user = users.get("guard")
    teacher = users.get("teacher")
    children = list(
        Child.objects.filter(campus=campus, status=Child.Status.ENROLLED)
        .select_related("school_class")
        .order_by("school_class__sort_order", "id")
    )
    guardians = list(
        Guardian.objects.filter(campus=campus)
        .select_related("child")
        .order_by("child_id", "-is_primary", "id")
    )
    card = 0
    persons = []
    for guardian in guardians:
        card += 1
        persons.append(
            PickupPerson(
                campus=campus,
                child=guardian.child,
                kind=PickupPerson.Kind.GUARDIAN,
                guardian=guardian,
                name=guardian.name,
                relation=guardian.get_relation_display(),
                phone=guardian.phone,
                card_no=f"880{card:05d}",
            )  # fmt: skip
        )
    persons = bulk_save(persons)
    by_child = {}
    for person in persons:
        by_child.setdefault(person.child_id, []).append(person)

    focus = [c for c in children if c.school_class and c.school_class.name in ("小一班", "中一班")]
    today = timezone.localdate()
    term = ctx.terms.get((campus.code, "autumn"))
    valid_from = term.start_date if term else today - dt.timedelta(days=60)
    valid_until = term.end_date if term else today + dt.timedelta(days=60)
    actor = teacher or users.get("principal")
    proxies = []
    for index, child in enumerate(focus[:8]):
        name, id_number = _adult_id(names, rng)
        expired = index == 3
        card += 1
        proxy = gs.pickup_person_save(
            actor=actor,
            instance=PickupPerson(
                child=child,
                kind=PickupPerson.Kind.PROXY,
                name=name,
                relation=PROXY_RELATIONS[index % 7],
                phone=names.phone(),
                id_number=id_number,
                card_no=f"880{card:05d}",
                agreement_signed=True,
                valid_from=valid_from if not expired else today - dt.timedelta(days=90),
                valid_until=valid_until if not expired else today - dt.timedelta(days=20),
                note="外婆平时接送" if index == 0 else "",
            ),  # fmt: skip
            campus=campus,
            photo=_photo(rng, "proxy"),
        )
        attachment_add(actor=actor, obj=proxy, uploaded_file=_agreement_pdf(child, proxy), kind="scan",
                       caption="代接送协议（家长签字）")  # fmt: skip
        proxies.append(proxy)
    # Photos for the guardians of the first children of 小一班 (the demo teacher's class).
    for child in focus[:6]:
        for person in by_child.get(child.pk, []):
            attachment_add(actor=actor, obj=person, uploaded_file=_photo(rng, "guardian"), kind="photo")

    # A week of releases for the two classes, 16:00–17:25, by the guard.
    releases = []
    for day in sorted(_school_days(campus, today, 5)):
        for child in focus:
            candidates = by_child.get(child.pk, [])
            if not candidates:
                continue
            person = rng.choice(candidates)
            releases.append(
                PickupRelease(
                    campus=campus,
                    child=child,
                    person=person,
                    person_name=person.name,
                    relation=person.relation,
                    card_no=person.card_no if rng.random() < 0.7 else "",
                    outcome=PickupRelease.Outcome.RELEASED,
                    released_at=_at(day, 16, 0) + dt.timedelta(minutes=rng.randrange(0, 86)),
                    released_by=guard_user,
                )  # fmt: skip
            )
    bulk_save(releases)
    # Two refused attempts: the expired proxy, and a card of another child.
    days = _school_days(campus, today, 2)
    if len(proxies) > 3 and days:
        expired = proxies[3]
        gs.pickup_release(actor=guard_user, child=expired.child, person=expired, card_no=expired.card_no,
                          at=_at(days[0], 16, 40))  # fmt: skip
    if len(focus) > 1 and len(days) > 1 and by_child.get(focus[1].pk):
        other = by_child[focus[1].pk][0]
        gs.pickup_release(actor=guard_user, child=focus[0], person=other, card_no=other.card_no,
                          at=_at(days[1], 16, 45))  # fmt: skip
