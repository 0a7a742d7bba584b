"""Demo data: the 示范教育集团 with its two kindergartens, used by ``houqin demo`` and
``houqin seed --size demo``; and the large synthetic data set of ``seed --size large``.

Everything is generated from a fixed random seed, so two runs give the same names, dates
and phone numbers. Rows are written inside ``audit_context(source="cli")`` and
``scopes_disabled()``; the demo goes through :func:`houqin.core.services.object_save`
(validated and audited like any other write), the large set uses ``bulk_create``.

Apps add their own demo rows with :func:`register` (called after the core rows exist,
with the :class:`DemoContext`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import translation
from django_scopes import scopes_disabled

from houqin.core import audit
from houqin.core.roles import ROLE_NAMES_ZH, Role

DEMO_PASSWORD = "Demo-2026!"
ORG_CODE = "demo-group"
ORG_NAME = "示范教育集团"
MAIN_CODE = "main"
WEST_CODE = "west"

LARGE_ORG_CODE = "bench-group"
LARGE_PASSWORD = DEMO_PASSWORD

# Chinese names of the roles as SPEC.md §1 gives them (English names are the Role labels).


def role_label(role) -> str:
    """The Chinese and the English name of a role: "园长/校长 Principal"."""
    role = Role(role)
    with translation.override("en"):
        english = str(role.label)
    return f"{ROLE_NAMES_ZH.get(role, '')} {english}".strip()


# --- The people ---------------------------------------------------------------------------

# (username, real name, role, campus code or None for the organisation, mobile)
DEMO_USERS = [
    ("principal", "王丽华", Role.PRINCIPAL, MAIN_CODE, "13800010001"),
    ("logistics", "陈建国", Role.LOGISTICS_HEAD, MAIN_CODE, "13800010002"),
    ("accountant", "刘敏", Role.ACCOUNTANT, MAIN_CODE, "13800010003"),
    ("cashier", "赵静", Role.CASHIER, MAIN_CODE, "13800010004"),
    ("assets", "孙志强", Role.ASSET_KEEPER, MAIN_CODE, "13800010005"),
    ("health", "周慧", Role.HEALTH_TEACHER, MAIN_CODE, "13800010006"),
    ("childcare", "吴秀英", Role.CHILDCARE_WORKER, MAIN_CODE, "13800010007"),
    ("teacher", "李晓燕", Role.CLASS_TEACHER, MAIN_CODE, "13800010008"),
    ("canteen", "郑海涛", Role.CANTEEN_HEAD, MAIN_CODE, "13800010009"),
    ("cook", "冯德明", Role.COOK, MAIN_CODE, "13800010010"),
    ("guard", "杨卫东", Role.GUARD, MAIN_CODE, "13800010011"),
    ("repair", "黄师傅", Role.REPAIR_WORKER, MAIN_CODE, "13800010012"),
    ("duty", "何文博", Role.DUTY_ADMIN, MAIN_CODE, "13800010013"),
    ("parent", "林雅婷", Role.PARENT, MAIN_CODE, "13800010014"),
    ("supervisor", "马国栋", Role.SUPERVISOR, None, "13800010015"),
    ("admin", "系统管理员", Role.SYSADMIN, None, "13800010016"),
    ("west_principal", "高雪梅", Role.PRINCIPAL, WEST_CODE, "13800020001"),
    ("west_teacher", "罗佳", Role.CLASS_TEACHER, WEST_CODE, "13800020002"),
    ("west_guard", "谢永福", Role.GUARD, WEST_CODE, "13800020003"),
]
# Extra roles: the logistics head runs both campuses (one logistics centre, SPEC §1).
DEMO_EXTRA_MEMBERSHIPS = [("logistics", Role.LOGISTICS_HEAD, WEST_CODE)]
SUPERUSERS = {"admin"}

# Head teachers of the other classes (the first class of 小班 gets ``teacher``).
EXTRA_TEACHERS = [
    "张琳",
    "许文静",
    "邓晓丽",
    "曹雨婷",
    "彭思思",
    "曾雅琴",
    "肖红梅",
    "田甜",
    "董晓敏",
    "袁芳",
    "潘丽娟",
]


def demo_logins() -> list[dict]:
    """The printed table: role, username, password and where the role holds."""
    out = []
    for username, real_name, role, campus_code, _phone in DEMO_USERS:
        campus = {MAIN_CODE: "示范幼儿园总园", WEST_CODE: "示范幼儿园西区分园", None: ORG_NAME}[campus_code]
        extra = [c for u, _r, c in DEMO_EXTRA_MEMBERSHIPS if u == username]
        if extra:
            campus += " + " + "、".join({WEST_CODE: "西区分园"}.get(c, c) for c in extra)
        out.append(
            {
                "role": role_label(role),
                "username": username,
                "password": DEMO_PASSWORD,
                "name": real_name,
                "where": campus,
            }
        )
    return out


def format_logins(rows: list[dict]) -> str:
    """A plain-text table; widths count a CJK character as two columns."""
    import unicodedata

    def width(text):
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    def pad(text, n):
        return text + " " * (n - width(text))

    cols = ["role", "username", "password", "name", "where"]
    heads = {"role": "Role 角色", "username": "Username 用户名", "password": "Password 密码", "name": "Name 姓名",
             "where": "Where 范围"}  # fmt: skip
    widths = {c: max(width(heads[c]), *(width(r[c]) for r in rows)) for c in cols}
    lines = ["  ".join(pad(heads[c], widths[c]) for c in cols).rstrip()]
    lines.append("  ".join("-" * widths[c] for c in cols))
    for r in rows:
        lines.append("  ".join(pad(r[c], widths[c]) for c in cols).rstrip())
    return "\n".join(lines)


# --- Name generation ----------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史贺顾毛郝龚邵万钱严覃武戴孔汤"
)
# Common surnames are more likely (weights fall off along the string).
_SURNAME_WEIGHTS = [max(1.0, 12.0 - i * 0.15) for i in range(len(SURNAMES))]
BOY_NAMES = (
    "浩然 宇轩 子轩 梓睿 俊熙 一鸣 皓轩 博文 思远 铭泽 子墨 奕辰 沐阳 睿泽 锦程 天佑 明轩 亦凡 承泽 瑞霖 "
    "宸宇 嘉言 景行 星辰 泽宇 煜城 安然 书恒 知远 乐天 晨阳 子豪 逸飞 俊杰 昊天 铭宇 一诺 润泽 浩宇 家豪"
).split()
GIRL_NAMES = (
    "子涵 欣怡 梓涵 晨曦 诗涵 梦琪 嘉怡 子萱 雨涵 可馨 依诺 若汐 语桐 梓萱 沐晨 思彤 悦溪 雨桐 安琪 芷若 "
    "一涵 佳怡 静怡 语嫣 诗琪 欣妍 梦瑶 婉清 初夏 念慈 紫萱 心怡 若曦 雅琪 瑾萱 可欣 思涵 乐瑶 梓琪 晓彤"
).split()
MALE_ADULT = (
    "建国 伟 强 磊 军 勇 杰 涛 明 超 刚 鹏 辉 斌 浩 峰 亮 俊 海波 志刚 晓东 建华 文军 永生 国平".split()
)
FEMALE_ADULT = "丽 静 敏 燕 艳 娟 霞 芳 婷 雪 慧 琳 洁 颖 倩 晶 玲 红 梅 欣 丽娜 晓琳 春梅 秀兰 雅琴".split()
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 177 180 181 186 187 188 189 199"
).split()
WORK_UNITS = [
    "", "", "杭州市第一人民医院", "西湖区实验小学", "浙江大学", "中国移动杭州分公司", "杭州银行", "个体经营",
    "阿里巴巴集团", "杭州地铁集团", "西湖区人民政府", "浙江省电力公司", "自由职业",
]  # fmt: skip
REGION = "330106"  # 杭州市西湖区 — the demo kindergartens' area, used in ID numbers


class NameMaker:
    """Deterministic Chinese names, distinct phone numbers and ID numbers."""

    def __init__(self, seed=2026):
        self.rng = random.Random(seed)
        self._phones: set[str] = set()
        self._id_seq = 0

    def surname(self):
        return self.rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]

    def child(self, sex, surname=None):
        names = BOY_NAMES if sex == "M" else GIRL_NAMES
        given = self.rng.choice(names)
        if self.rng.random() < 0.12:  # some children have one-character given names
            given = given[-1]
        return (surname or self.surname()) + given

    def adult(self, sex, surname=None):
        return (surname or self.surname()) + self.rng.choice(MALE_ADULT if sex == "M" else FEMALE_ADULT)

    def phone(self):
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def id_number(self, birth_date, sex):
        from houqin.core.validators import id_check_digit

        self._id_seq += 1
        seq = (self._id_seq * 2) % 1000
        seq = seq + 1 if sex == "M" else seq  # odd for men and boys, even for women and girls
        first17 = f"{REGION}{birth_date:%Y%m%d}{seq:03d}"
        return first17 + id_check_digit(first17)

    def birth_date(self, start: dt.date, end: dt.date):
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))


# --- The places, the calendar and the classes -----------------------------------------

# building name, code, floors, [(room code, name, floor, kind, area)]
MAIN_BUILDINGS = [
    ("综合楼", "B", 3, [
        ("B101", "美工室", 1, "functional", 60), ("B102", "图书室", 1, "functional", 80),
        ("B103", "科学发现室", 1, "functional", 55), ("B104", "保健室", 1, "health", 30),
        ("B105", "隔离室", 1, "health", 15), ("B201", "音乐室", 2, "functional", 70),
        ("B202", "多功能厅", 2, "functional", 180), ("B203", "会议室", 2, "office", 60),
        ("B301", "园长室", 3, "office", 25), ("B302", "财务室", 3, "office", 25),
        ("B303", "教师办公室", 3, "office", 60), ("B304", "档案室", 3, "store", 20),
    ]),
    ("后勤楼", "C", 2, [
        ("C101", "厨房", 1, "kitchen", 150), ("C102", "食品仓库", 1, "store", 40),
        ("C103", "洗消间", 1, "kitchen", 20), ("C104", "留样间", 1, "kitchen", 8),
        ("C105", "配电房", 1, "other", 15), ("C201", "物资仓库", 2, "store", 60),
        ("C202", "洗衣房", 2, "other", 25), ("C203", "后勤办公室", 2, "office", 30),
        ("C204", "维修间", 2, "other", 20),
    ]),
    ("室外场地", "D", 1, [
        ("D101", "门卫室", 1, "gate", 15), ("D102", "操场", 1, "outdoor", 1200),
        ("D103", "大型玩具区", 1, "outdoor", 300), ("D104", "种植园地", 1, "outdoor", 150),
    ]),
]  # fmt: skip
WEST_BUILDINGS = [
    ("综合楼", "B", 2, [
        ("B101", "保健室", 1, "health", 25), ("B102", "美工室", 1, "functional", 50),
        ("B201", "会议室", 2, "office", 40), ("B202", "教师办公室", 2, "office", 40),
    ]),
    ("后勤楼", "C", 1, [
        ("C101", "厨房", 1, "kitchen", 80), ("C102", "食品仓库", 1, "store", 25),
        ("C103", "物资仓库", 1, "store", 30),
    ]),
    ("室外场地", "D", 1, [("D101", "门卫室", 1, "gate", 12), ("D102", "操场", 1, "outdoor", 600)]),
]  # fmt: skip

# Grade → (age in whole years at 1 September 2026, class capacity, children in the demo)
GRADES = {
    "nursery": (2, 20, 18),
    "junior": (3, 25, 25),
    "middle": (4, 30, 27),
    "senior": (5, 35, 28),
}
# Entry year of each grade in the 2026—2027 school year.
ENTRY_YEAR = {"nursery": 2026, "junior": 2026, "middle": 2025, "senior": 2024}
MAIN_CLASSES = [
    ("托一班", "nursery"), ("小一班", "junior"), ("小二班", "junior"), ("小三班", "junior"),
    ("中一班", "middle"), ("中二班", "middle"), ("中三班", "middle"), ("中四班", "middle"),
    ("大一班", "senior"), ("大二班", "senior"), ("大三班", "senior"), ("大四班", "senior"),
]  # fmt: skip
WEST_CLASSES = [("托一班", "nursery"), ("小一班", "junior"), ("中一班", "middle"), ("大一班", "senior")]
WEST_CHILDREN_PER_CLASS = 20

SCHOOL_YEAR = ("2026—2027学年", dt.date(2026, 8, 1), dt.date(2027, 7, 31))
TERMS = [
    ("2026—2027学年第一学期", "autumn", dt.date(2026, 9, 1), dt.date(2027, 1, 22), [
        ("中秋节", "holiday", dt.date(2026, 9, 25), dt.date(2026, 9, 27)),
        ("国庆节调休上课", "makeup", dt.date(2026, 9, 20), dt.date(2026, 9, 20)),
        ("国庆节", "holiday", dt.date(2026, 10, 1), dt.date(2026, 10, 7)),
        ("国庆节调休上课", "makeup", dt.date(2026, 10, 10), dt.date(2026, 10, 10)),
        ("元旦", "holiday", dt.date(2027, 1, 1), dt.date(2027, 1, 3)),
    ]),
    ("2026—2027学年第二学期", "spring", dt.date(2027, 2, 22), dt.date(2027, 7, 9), [
        ("清明节", "holiday", dt.date(2027, 4, 3), dt.date(2027, 4, 5)),
        ("劳动节", "holiday", dt.date(2027, 5, 1), dt.date(2027, 5, 5)),
        ("端午节", "holiday", dt.date(2027, 6, 9), dt.date(2027, 6, 11)),
    ]),
]  # fmt: skip

ALLERGIES = ["花生", "海鲜", "牛奶", "鸡蛋", "芒果"]


def make_calendar(campus, save):
    """The 2026—2027 school year with both terms, holidays and make-up days; returns
    {(campus code, term kind): Term}."""
    from houqin.core.models import Holiday, SchoolYear, Term

    name, start, end = SCHOOL_YEAR
    year = save(SchoolYear(name=name, start_date=start, end_date=end), campus=campus)
    terms = {}
    for term_name, kind, t_start, t_end, holidays in TERMS:
        term = save(
            Term(school_year=year, name=term_name, kind=kind, start_date=t_start, end_date=t_end,
                 school_weekdays=[0, 1, 2, 3, 4]),
            campus=campus,
        )  # fmt: skip
        terms[(campus.code, kind)] = term
        for h_name, h_kind, h_start, h_end in holidays:
            save(
                Holiday(term=term, name=h_name, kind=h_kind, start_date=h_start, end_date=h_end),
                campus=campus,
            )
    return terms


def bulk_save(instances):
    """Validate each instance (as ``object_save`` does), insert them in one go and write a
    "create" audit event for each. For the demo's many children and guardians, whose
    foreign keys and unique numbers are known to be right by construction."""
    from houqin.core.models import AuditEvent
    from houqin.core.pinyin import pinyin_key

    if not instances:
        return instances
    model = type(instances[0])
    fk_names = [f.name for f in model._meta.concrete_fields if f.is_relation]
    for obj in instances:
        obj.full_clean(exclude=fk_names, validate_unique=False, validate_constraints=False)
        if hasattr(obj, "pinyin_source_field"):  # bulk_create skips save(), which sets the key
            obj.name_pinyin = pinyin_key(getattr(obj, obj.pinyin_source_field) or "")
    created = model._base_manager.bulk_create(instances, batch_size=500)
    if any(obj.pk is None for obj in created):  # pragma: no cover - backends without RETURNING
        raise RuntimeError("bulk_save needs a database that returns the new ids")
    from django.contrib.contenttypes.models import ContentType

    ctx = audit.current_context()
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
    AuditEvent.objects.with_scopes_disabled().bulk_create(
        [
            AuditEvent(
                campus_id=getattr(obj, "campus_id", None),
                actor=None,
                actor_repr=(ctx.get("source") or "system")[:80],
                action="create",
                content_type=content_type,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                after=audit.snapshot(obj),
                message="demo data",
                request_id=ctx.get("request_id", ""),
                source=ctx.get("source", ""),
            )
            for obj in created
        ],
        batch_size=500,
    )
    return created


def birth_range(grade):
    """Children of a grade turn its age between 1 Sep 2025 and 31 Aug 2026 (the usual cut-off)."""
    age = GRADES[grade][0]
    return dt.date(2026 - age - 1, 9, 1), dt.date(2026 - age, 8, 31)


# --- Extension registry -----------------------------------------------------------------


@dataclass
class DemoContext:
    """What the core demo made, for apps that add their own demo rows."""

    actor: object
    organization: object
    campuses: dict = field(default_factory=dict)  # code → Campus
    users: dict = field(default_factory=dict)  # username → User
    rooms: dict = field(default_factory=dict)  # (campus code, room name) → Room
    classes: dict = field(default_factory=dict)  # (campus code, class name) → SchoolClass
    terms: dict = field(default_factory=dict)  # (campus code, "autumn"/"spring") → Term
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    names: NameMaker | None = None


_extensions: list[tuple[int, object]] = []


def register(order=100):
    """``@demo.register()`` on ``def add_demo_rows(ctx: DemoContext)`` — an app's demo data."""

    def decorator(func):
        if func not in [f for _o, f in _extensions]:
            _extensions.append((order, func))
        return func

    return decorator


# --- Loading the demo ---------------------------------------------------------------------


def demo_present() -> bool:
    from houqin.core.models import Organization

    return Organization.objects.filter(code=ORG_CODE).exists()


def database_is_empty() -> bool:
    """No organisation and no user yet: a fresh installation."""
    from houqin.core.models import Organization, User

    return not Organization.objects.exists() and not User.objects.exists()


def load_demo(*, stdout=None) -> bool:
    """Create the demo group; ``False`` (and nothing written) if it is already there."""
    with audit.audit_context(source="cli"), scopes_disabled():
        if demo_present():
            return False
        with transaction.atomic():
            _DemoBuilder(stdout).build()
    return True


class _DemoBuilder:
    def __init__(self, stdout=None):
        self.stdout = stdout
        self.names = NameMaker(2026)
        self.password_hash = make_password(DEMO_PASSWORD)
        self.ctx = None

    def log(self, msg):
        if self.stdout is not None:
            self.stdout.write(msg)

    def save(self, instance, campus=None):
        from houqin.core.services import object_save

        return object_save(actor=None, instance=instance, campus=campus, message="demo data")

    def build(self):
        from houqin.core.models import Campus, Organization

        org = self.save(Organization(name=ORG_NAME, code=ORG_CODE, kind=Organization.Kind.GROUP))
        self.ctx = DemoContext(actor=None, organization=org, names=self.names)
        main = self.save(Campus(
            organization=org, name="示范幼儿园总园", short_name="总园", code=MAIN_CODE,
            kind=Campus.Kind.KINDERGARTEN, age_min=2, age_max=6,
            address="浙江省杭州市西湖区育才路8号", phone="0571-88880001",
        ))  # fmt: skip
        west = self.save(Campus(
            organization=org, name="示范幼儿园西区分园", short_name="西区分园", code=WEST_CODE,
            kind=Campus.Kind.KINDERGARTEN, age_min=2, age_max=6,
            address="浙江省杭州市西湖区文华路66号", phone="0571-88880002",
        ))  # fmt: skip
        self.ctx.campuses = {MAIN_CODE: main, WEST_CODE: west}

        self.make_users()
        for campus, buildings in ((main, MAIN_BUILDINGS), (west, WEST_BUILDINGS)):
            self.make_places(campus, buildings)
            self.make_calendar(campus)
        self.make_classes(main, MAIN_CLASSES, None)
        self.make_classes(west, WEST_CLASSES, WEST_CHILDREN_PER_CLASS)
        self.assign_keepers()
        self.link_parent()
        for _order, func in sorted(_extensions, key=lambda item: item[0]):
            func(self.ctx)
        self.log(
            f"demo: {len(self.ctx.users)} users, {len(self.ctx.rooms)} rooms, {len(self.ctx.classes)} classes"
        )

    # users ---------------------------------------------------------------------------
    def make_user(self, username, real_name, phone, superuser=False):
        from houqin.core.models import User

        user = User(
            username=username, real_name=real_name, phone=phone, password=self.password_hash,
            is_staff=superuser, is_superuser=superuser,
            email=f"{username}@demo.houqin.invalid",
        )  # fmt: skip
        user = self.save(user)
        self.ctx.users[username] = user
        return user

    def membership(self, user, role, campus_code):
        from houqin.core.models import Membership

        if campus_code is None:
            return self.save(Membership(user=user, organization=self.ctx.organization, role=role))
        return self.save(Membership(user=user, campus=self.ctx.campuses[campus_code], role=role))

    def make_users(self):
        for username, real_name, role, campus_code, phone in DEMO_USERS:
            user = self.make_user(username, real_name, phone, superuser=username in SUPERUSERS)
            self.membership(user, role, campus_code)
        for username, role, campus_code in DEMO_EXTRA_MEMBERSHIPS:
            self.membership(self.ctx.users[username], role, campus_code)
        # Head teachers for the other classes of the main campus (same password).
        for i, real_name in enumerate(EXTRA_TEACHERS, start=2):
            user = self.make_user(f"teacher{i:02d}", real_name, f"1380003{i:04d}")
            self.membership(user, Role.CLASS_TEACHER, MAIN_CODE)

    # places and calendar -------------------------------------------------------------
    def make_places(self, campus, buildings):
        from houqin.core.models import Building, Room

        for name, code, floors, rooms in buildings:
            building = self.save(Building(name=name, code=code, floors=floors), campus=campus)
            for room_code, room_name, floor, kind, area in rooms:
                room = self.save(
                    Room(
                        building=building, name=room_name, code=room_code, floor=floor, kind=kind, area=area
                    ),
                    campus=campus,
                )
                self.ctx.rooms[(campus.code, room_name)] = room

    def make_calendar(self, campus):
        self.ctx.terms.update(make_calendar(campus, self.save))

    # classes and children --------------------------------------------------------------
    def make_classes(self, campus, classes, children_per_class):
        from houqin.core.models import Building, Room, SchoolClass

        teaching = self.save(Building(name="教学楼", code="A", floors=3), campus=campus)
        is_main = campus.code == MAIN_CODE
        teachers = [u for n, u in self.ctx.users.items() if n.startswith("teacher") and n != "teacher"]
        teachers.sort(key=lambda u: u.username)
        for index, (class_name, grade) in enumerate(classes):
            floor = 1 if grade in ("nursery", "junior") else 2 if grade == "middle" else 3
            number = f"A{floor}{index + 1:02d}"
            classroom = self.save(
                Room(building=teaching, name=f"{class_name}活动室", code=number, floor=floor, kind=Room.Kind.CLASSROOM,
                     area=65),
                campus=campus,
            )  # fmt: skip
            self.save(
                Room(building=teaching, name=f"{class_name}寝室", code=f"{number}S", floor=floor, kind=Room.Kind.BEDROOM,
                     area=45),
                campus=campus,
            )  # fmt: skip
            self.ctx.rooms[(campus.code, f"{class_name}活动室")] = classroom
            if is_main:
                head = self.ctx.users["teacher"] if class_name == "小一班" else teachers.pop(0)
            else:
                head = self.ctx.users["west_teacher"] if class_name == "小一班" else None
            _age, capacity, count = GRADES[grade]
            school_class = self.save(
                SchoolClass(name=class_name, grade=grade, entry_year=ENTRY_YEAR[grade], head_teacher=head,
                            room=classroom, capacity=capacity, sort_order=index + 1),
                campus=campus,
            )  # fmt: skip
            self.ctx.classes[(campus.code, class_name)] = school_class
            self.make_children(campus, school_class, grade, children_per_class or count, index + 1)

    def make_children(self, campus, school_class, grade, count, class_no):
        """Children and guardians of one class: validated one by one like ``object_save``
        does, but written with ``bulk_create`` and audited in bulk (the demo has ~1,200 rows)."""
        from houqin.core.models import Child, Guardian

        names, rng = self.names, self.names.rng
        start, end = birth_range(grade)
        entry_year = ENTRY_YEAR[grade]
        prefix = "Z" if campus.code == MAIN_CODE else "X"
        children, families = [], []
        for n in range(1, count + 1):
            sex = "M" if rng.random() < 0.52 else "F"
            father_surname = names.surname()
            birth = names.birth_date(start, end)
            allergies = (
                "、".join(sorted(rng.sample(ALLERGIES, 1 if rng.random() < 0.8 else 2)))
                if rng.random() < 0.08
                else ""
            )
            diet = "清真" if rng.random() < 0.04 else ""
            children.append(
                Child(
                    campus=campus, name=names.child(sex, father_surname), sex=sex, birth_date=birth,
                    school_class=school_class, student_no=f"{prefix}{entry_year}{class_no:02d}{n:02d}",
                    id_number=names.id_number(birth, sex) if rng.random() < 0.9 else "",
                    enrolled_on=dt.date(entry_year, 9, 1), allergies=allergies, special_diet=diet,
                    note="对花生严重过敏，备有肾上腺素笔。" if "花生" in allergies and rng.random() < 0.5 else "",
                )
            )  # fmt: skip
            mother_first = rng.random() < 0.6
            families.append(
                [
                    dict(relation=relation, name=name, phone=names.phone(), is_primary=primary,
                         work_unit=rng.choice(WORK_UNITS))
                    for relation, name, primary in (
                        ("father", names.adult("M", father_surname), not mother_first),
                        ("mother", names.adult("F"), mother_first),
                    )
                ]
            )  # fmt: skip
        children = bulk_save(children)
        guardians = [
            Guardian(campus=campus, child=child, **fields)
            for child, family in zip(children, families, strict=True)
            for fields in family
        ]
        bulk_save(guardians)

    def assign_keepers(self):
        """室室有人管: each room gets a keeper."""
        from houqin.core.services import object_save

        users = self.ctx.users
        by_name = {
            "厨房": "canteen", "食品仓库": "canteen", "洗消间": "cook", "留样间": "canteen", "保健室": "health",
            "隔离室": "health", "门卫室": "guard", "物资仓库": "assets", "档案室": "accountant", "财务室": "cashier",
            "配电房": "repair", "维修间": "repair", "园长室": "principal", "会议室": "logistics",
            "后勤办公室": "logistics",
        }  # fmt: skip
        for (code, room_name), room in self.ctx.rooms.items():
            keeper = None
            if code == MAIN_CODE:
                keeper = users.get(by_name.get(room_name, ""))
                if room_name.endswith("活动室"):
                    school_class = self.ctx.classes.get((code, room_name[: -len("活动室")]))
                    keeper = school_class.head_teacher if school_class else None
            elif room_name == "门卫室":
                keeper = users["west_guard"]
            if keeper is None:
                continue
            before = audit.snapshot(room)
            room.keeper = keeper
            object_save(actor=None, instance=room, before=before, message="demo data")

    def link_parent(self):
        """The demo parent is the mother of the first child of 小一班 (same name and phone)."""
        from houqin.core.models import Guardian
        from houqin.core.services import object_save

        parent = self.ctx.users["parent"]
        school_class = self.ctx.classes[(MAIN_CODE, "小一班")]
        guardian = (
            Guardian.objects.filter(child__school_class=school_class, relation="mother")
            .order_by("id")
            .first()
        )
        if guardian is None:
            return
        before = audit.snapshot(guardian)
        guardian.name = parent.real_name
        guardian.phone = parent.phone
        object_save(actor=None, instance=guardian, before=before, message="demo data")


# --- The large data set for benchmarks ----------------------------------------------------

LARGE_CAMPUSES = 3
LARGE_CLASSES_PER_CAMPUS = 20
LARGE_CHILDREN_PER_CLASS = 25
LARGE_ROOMS_PER_CAMPUS = 100
_CN_NUMBERS = "一二三四五六七八九十"


def large_present() -> bool:
    from houqin.core.models import Organization

    return Organization.objects.filter(code=LARGE_ORG_CODE).exists()


def load_large(*, scale=1.0, campuses=LARGE_CAMPUSES, stdout=None) -> dict | None:
    """The benchmark data set: ``campuses`` campuses × 20 classes × 25 children, 100 rooms
    each, a user for every role on each campus. ``scale`` shrinks the per-campus counts
    (tests use it). Returns the counts, or ``None`` if the set is already there."""
    with audit.audit_context(source="cli"), scopes_disabled():
        if large_present():
            return None
        with transaction.atomic():
            return _LargeBuilder(scale, campuses, stdout).build()


def _scaled(n, scale, minimum=1):
    return max(minimum, round(n * scale))


class _LargeBuilder:
    def __init__(self, scale, campuses, stdout):
        self.scale = scale
        self.n_campuses = max(1, campuses)
        self.stdout = stdout
        self.names = NameMaker(4242)
        self.password_hash = make_password(LARGE_PASSWORD)
        self.counts = {"campuses": 0, "users": 0, "rooms": 0, "classes": 0, "children": 0, "guardians": 0}

    def build(self):
        from houqin.core.models import Organization
        from houqin.core.services import object_save

        org = object_save(
            actor=None,
            instance=Organization(
                name="基准测试教育集团", code=LARGE_ORG_CODE, kind=Organization.Kind.DISTRICT
            ),
            message="benchmark data",
        )
        self.org = org
        for i in range(1, self.n_campuses + 1):
            self.build_campus(i)
        self.make_supervisor()
        return self.counts

    def save(self, instance, campus=None):
        from houqin.core.services import object_save

        return object_save(actor=None, instance=instance, campus=campus, message="benchmark data")

    def make_user(self, username, real_name, phone=None):
        from houqin.core.models import User

        user = User(username=username, real_name=real_name, phone=phone, password=self.password_hash)
        user.save()
        self.counts["users"] += 1
        return user

    def make_supervisor(self):
        from houqin.core.models import Membership

        user = self.make_user(f"{LARGE_ORG_CODE}-supervisor", "督查员")
        Membership.objects.create(user=user, organization=self.org, role=Role.SUPERVISOR)

    def build_campus(self, i):
        from houqin.core.models import Building, Campus, Child, Guardian, Membership, Room, SchoolClass
        from houqin.core.pinyin import pinyin_key
        from houqin.core.services import object_save

        label = _CN_NUMBERS[i - 1] if i <= 10 else str(i)
        campus = object_save(
            actor=None,
            instance=Campus(organization=self.org, name=f"基准幼儿园第{label}分园", short_name=f"{label}园",
                            code=f"bench{i}", age_min=2, age_max=6),
            message="benchmark data",
        )  # fmt: skip
        self.counts["campuses"] += 1

        # users: one for every campus role
        memberships = []
        for role in Role:
            if role == Role.SUPERVISOR:
                continue
            user = self.make_user(f"bench{i}-{role.value}", f"{self.names.adult('F')}")
            memberships.append(Membership(user=user, campus=campus, role=role))
        Membership.objects.bulk_create(memberships)
        teacher = next(m.user for m in memberships if m.role == Role.CLASS_TEACHER)

        # calendar
        make_calendar(campus, self.save)

        # buildings and rooms
        n_rooms = _scaled(LARGE_ROOMS_PER_CAMPUS, self.scale, minimum=3)
        n_classes = _scaled(LARGE_CLASSES_PER_CAMPUS, self.scale)
        per_class = _scaled(LARGE_CHILDREN_PER_CLASS, self.scale)
        buildings = Building.objects.bulk_create(
            [Building(campus=campus, name=f"{n}号楼", code=str(n), floors=4) for n in (1, 2, 3)]
        )
        room_names = ["活动室", "寝室", "功能室", "办公室", "库房", "卫生间", "保健室", "会议室"]
        rooms = []
        for r in range(n_rooms):
            building = buildings[r % 3]
            floor = (r // 3) % 4 + 1
            name = f"{building.name}{room_names[r % len(room_names)]}{r + 1}"
            rooms.append(
                Room(campus=campus, building=building, name=name, name_pinyin=pinyin_key(name), code=f"R{r + 1:04d}",
                     floor=floor, kind="classroom" if r % len(room_names) == 0 else "other")
            )  # fmt: skip
        rooms = Room.objects.bulk_create(rooms)
        self.counts["rooms"] += len(rooms)
        classrooms = [r for r in rooms if r.kind == "classroom"]

        # classes
        grades = ["junior", "middle", "senior", "nursery"]
        classes = []
        for c in range(n_classes):
            grade = grades[c % 4]
            prefix = {"nursery": "托", "junior": "小", "middle": "中", "senior": "大"}[grade]
            name = f"{prefix}{c // 4 + 1}班"
            classes.append(
                SchoolClass(campus=campus, name=name, name_pinyin=pinyin_key(name), grade=grade,
                            entry_year=ENTRY_YEAR[grade], capacity=35, sort_order=c + 1,
                            room=classrooms[c % len(classrooms)] if classrooms else None,
                            head_teacher=teacher if c == 0 else None)
            )  # fmt: skip
        classes = SchoolClass.objects.bulk_create(classes)
        self.counts["classes"] += len(classes)

        # children and guardians
        names, rng = self.names, self.names.rng
        children = []
        for c, school_class in enumerate(classes):
            start, end = birth_range(school_class.grade)
            for n in range(per_class):
                sex = "M" if rng.random() < 0.52 else "F"
                name = names.child(sex)
                children.append(
                    Child(campus=campus, school_class=school_class, name=name, name_pinyin=pinyin_key(name), sex=sex,
                          birth_date=names.birth_date(start, end), student_no=f"B{i}{c + 1:03d}{n + 1:03d}",
                          enrolled_on=dt.date(ENTRY_YEAR[school_class.grade], 9, 1),
                          allergies=rng.choice(ALLERGIES) if rng.random() < 0.05 else "")
                )  # fmt: skip
        children = Child.objects.bulk_create(children, batch_size=500)
        if any(ch.pk is None for ch in children):  # backends that cannot return ids
            children = list(Child.objects.filter(campus=campus).order_by("id"))
        guardians = []
        for child in children:
            surname = child.name[0]
            for relation, gname, primary in (
                ("father", names.adult("M", surname), False),
                ("mother", names.adult("F"), True),
            ):
                guardians.append(
                    Guardian(campus=campus, child=child, name=gname, name_pinyin=pinyin_key(gname), relation=relation,
                             phone=names.phone(), is_primary=primary)
                )  # fmt: skip
        Guardian.objects.bulk_create(guardians, batch_size=1000)
        self.counts["children"] += len(children)
        self.counts["guardians"] += len(guardians)
        audit.record(
            actor=None,
            action="seed",
            campus=campus,
            obj=campus,
            message=f"benchmark data: {len(rooms)} rooms, {len(classes)} classes, {len(children)} children",
        )
        if self.stdout is not None:
            self.stdout.write(
                f"{campus.name}: {len(rooms)} rooms, {len(classes)} classes, {len(children)} children"
            )
