"""Demo data of the meals area (order 470): a month of accompanying meals (陪餐) on the main
campus — the principal, the logistics head and the duty admin take turns at lunch, parents
join some days (recorded by name), a few problems found with their follow-ups (most dealt
with, one still open) —, a week on the west campus, and two dietary committee meetings
(膳委会) with parent representatives, suggestions and answers (one still open). When the
nutrition area's dish library allows it, the generator proposes the 4–6 menu of the week
after next as a draft.

Everything goes through :mod:`houqin.canteen.meals_services` (validated and audited).
Dates are relative to the day the demo is loaded.
"""

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.utils import timezone

from houqin.core import demo
from houqin.core.demo import MAIN_CODE, WEST_CODE

OBSERVATIONS = [
    "饭菜温度适宜，幼儿进餐情绪愉快，基本无剩饭。",
    "菜品色香味俱佳，分量充足，幼儿添饭积极。",
    "餐具清洁消毒到位，保育员分餐规范，戴口罩帽子。",
    "幼儿进餐习惯良好，能安静进餐，做到光盘。",
    "汤的咸淡适中，蔬菜切配大小适合幼儿咀嚼。",
    "主食软硬适度，荤素搭配合理，幼儿喜欢。",
    "教师指导幼儿正确使用餐具，进餐秩序良好。",
]
ISSUES = [
    (
        "青菜略老，部分幼儿咀嚼困难，剩菜较多。",
        "已与厨师沟通，叶菜改为现切现炒，缩短烹调时间，次日复查幼儿进食情况良好。",
    ),
    ("汤端到班级时温度偏低。", "调整出餐顺序，汤最后出锅并使用保温桶送餐，已复查温度正常。"),
    ("红烧肉块切得偏大，小班幼儿不易咀嚼。", "已要求小班菜品肉类切小块（约1.5厘米），切配岗位培训一次。"),
    ("个别餐盘边缘有水渍。", "洗消间加强沥干，消毒后的餐具倒扣放置于保洁柜，已复查。"),
]
OPEN_ISSUE = "米饭偏硬，中班幼儿反映不好嚼。"
PARENTS = [
    ("张晓梅（小一班 张小宇妈妈）", "家长陪餐：饭菜可口，孩子们吃得很香，餐厅干净整洁。"),
    ("李建华（中一班 李梓涵爸爸）", "家长陪餐：食材新鲜，营养搭配合理，建议水果品种再丰富些。"),
    ("王芳（大一班 王一诺妈妈）", "家长陪餐：老师照顾孩子进餐很细心，分量足。"),
]
MEETINGS = [
    {
        "days_ago": 34,
        "topic": "本月膳食工作总结及下月带量食谱审议",
        "attendees": "王丽华, 陈建国, 周慧, 郑海涛, 冯德明",
        "parents": "张晓梅（小一班）, 李建华（中一班）, 赵敏（大一班）",
        "minutes": "1. 保健医周慧通报上月膳食营养分析：能量、蛋白质达到DRI的85%以上，钙摄入略低。\n"
        "2. 食堂负责人郑海涛汇报食品采购、验收及留样情况，供应商证照齐全。\n"
        "3. 审议下月带量食谱，增加奶制品和豆制品的供应。\n"
        "4. 家长代表提出意见建议（见下）。",
        "decisions": "下月每周增加一次豆腐类菜品；午点增加酸奶；食谱在公示栏和家长群同步公布。",
        "suggestions": [
            (
                "张晓梅",
                "希望午点水果品种多一些，不要总是苹果和香蕉。",
                "已调整下月午点水果，每周安排不少于4种时令水果。",
            ),
            (
                "李建华",
                "孩子回家说有时饭菜有点凉，冬天能否注意保温？",
                "已购置保温送餐车，汤和主菜最后出锅，送餐时间控制在10分钟内。",
            ),
            ("赵敏", "建议每月公布伙食费收支情况。", "每月初在园务公开栏和家长群公布上月伙食费收支明细。"),
        ],
    },
    {
        "days_ago": 6,
        "topic": "膳委会例会：食谱调整与家长意见反馈",
        "attendees": "王丽华, 陈建国, 周慧, 郑海涛",
        "parents": "张晓梅（小一班）, 孙丽（中二班）",
        "minutes": "1. 反馈上次会议家长意见的落实情况：水果品种已丰富，保温送餐车已投入使用。\n"
        "2. 通报本月陪餐记录汇总：共发现问题4项，均已整改。\n"
        "3. 讨论过敏幼儿的特殊膳食安排。",
        "decisions": "建立过敏幼儿膳食登记表，由保健医每月核对；继续邀请家长参加陪餐。",
        "suggestions": [
            (
                "孙丽",
                "孩子对芒果过敏，希望食谱中有芒果时能替换。",
                "已登记过敏信息，中二班有芒果时替换为其他水果。",
            ),
            ("张晓梅", "能否开展一次家长参观厨房的开放日活动？", None),
        ],
    },
]


def _at(day, hour, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@demo.register(order=470)
def add_demo_rows(ctx):
    from houqin.canteen import meals_services as services

    rng = random.Random(470)
    today = timezone.localdate()
    users = ctx.users
    for code, leaders, days_back in ((MAIN_CODE, ["principal", "logistics", "duty"], 31),
                                     (WEST_CODE, ["west_principal", "logistics"], 7)):  # fmt: skip
        campus = ctx.campuses.get(code)
        if campus is None:
            continue
        leaders = [users[u] for u in leaders if u in users]
        if not leaders:
            continue
        classes = [c for (c_code, _n), c in ctx.classes.items() if c_code == code]
        follow_up = users.get("canteen") if code == MAIN_CODE else None
        follow_up = follow_up or leaders[0]
        days = [d for d in services.school_days_between(campus, today - dt.timedelta(days=days_back), today)
                if d < today]  # fmt: skip
        issue_days = (
            set(rng.sample(days[:-3], min(len(ISSUES), max(len(days) - 3, 0))))
            if code == MAIN_CODE
            else set()
        )
        issues = iter(ISSUES)
        for n, day in enumerate(days):
            leader = leaders[n % len(leaders)]
            issue = next(issues) if day in issue_days else None
            record = services.companion_meal_record(
                actor=leader, campus=campus, date=day, school_class=rng.choice(classes) if classes else None,
                taste=rng.choice([4, 5, 5]), temperature=3 if issue and "温度" in issue[0] else rng.choice([4, 5]),
                quantity=rng.choice([4, 5, 5]), hygiene=rng.choice([4, 5, 5]),
                observations=rng.choice(OBSERVATIONS), issues=issue[0] if issue else "",
                followup_assignee=follow_up if issue else None,
                followup_due=day + dt.timedelta(days=2) if issue else None, now=_at(day, 12, 30),
            )  # fmt: skip
            if issue:
                services.companion_followup_answer(actor=follow_up, record=record, answer=issue[1],
                                                   now=_at(day + dt.timedelta(days=1), 10))  # fmt: skip
            if code == MAIN_CODE and n % 7 == 3:
                name, note = PARENTS[(n // 7) % len(PARENTS)]
                services.companion_meal_record(
                    actor=leader, campus=campus, date=day, companion_role="parent", companion_name=name,
                    school_class=rng.choice(classes) if classes else None, taste=5, temperature=rng.choice([4, 5]),
                    quantity=5, hygiene=5, observations=note,
                )  # fmt: skip
        if code == MAIN_CODE and days:
            last = days[-1]
            services.companion_meal_record(
                actor=users["principal"], campus=campus, date=last, meal="afternoon_snack",
                school_class=classes[0] if classes else None, taste=4, temperature=4, quantity=4, hygiene=5,
                observations="午点按时供应，幼儿洗手后进食。", issues=OPEN_ISSUE, followup_assignee=follow_up,
                followup_due=today + dt.timedelta(days=1),
            )  # fmt: skip

    campus = ctx.campuses.get(MAIN_CODE)
    recorder = users.get("health") or users.get("principal")
    if campus is not None and recorder is not None:
        answerer = users.get("principal") or recorder
        for spec in MEETINGS:
            day = today - dt.timedelta(days=spec["days_ago"])
            meeting = services.meeting_record(
                actor=recorder, campus=campus, date=day, topic=spec["topic"], attendees=spec["attendees"],
                parent_representatives=spec["parents"], minutes=spec["minutes"], decisions=spec["decisions"],
                suggestions=[{"from_name": name, "content": content} for name, content, _a in spec["suggestions"]],
            )  # fmt: skip
            for suggestion, (_n, _c, answer) in zip(meeting.suggestions.order_by("id"), spec["suggestions"],
                                                     strict=True):  # fmt: skip
                if answer:
                    services.suggestion_answer(actor=answerer, suggestion=suggestion, answer=answer,
                                               now=_at(day + dt.timedelta(days=3), 16))  # fmt: skip
        services.suggestion_record(
            actor=recorder, campus=campus, received_on=today - dt.timedelta(days=2), from_name="刘女士（小二班）",
            content="孩子最近不爱吃胡萝卜，能否换个做法？", channel="online",
        )  # fmt: skip
        generator_settings(campus, recorder)
        _generated_menu(campus, users.get("health"), today)


# The demo kindergartens serve 早餐、早点、午餐、午点 (nutrition demo) and give milk or soy milk
# every day: drinks may repeat; breakfast is a porridge, noodles or a bun with an egg or a drink.
GENERATOR_SETTINGS = {
    "canteen.meals.gen_pattern_breakfast": "staple|snack:1,main|drink:1",
    "canteen.meals.gen_repeat_ok": "drink",
}


def generator_settings(campus, actor):
    """The demo campuses' generator rules (through the audited settings service)."""
    from houqin.core.settings_services import campus_settings_update

    campus_settings_update(actor=actor, campus=campus, values=GENERATOR_SETTINGS)
    campus._settings_cache = None


def _generated_menu(campus, actor, today):
    """The 4–6 menu of the week after next proposed by the generator, as a draft (when the
    library allows; the nutrition demo drafts next week by hand)."""
    from houqin.canteen import menugen
    from houqin.canteen.models import Menu

    week = today + dt.timedelta(days=14 - today.weekday())
    if actor is None or Menu.objects.filter(campus=campus, week_start=week, age_group="4-6").exists():
        return None
    try:
        menu, _proposal = menugen.generate(actor=actor, campus=campus, age_group="4-6", week_start=week)
    except ValidationError:
        return None
    return menu
