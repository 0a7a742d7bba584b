"""The routine library (例行工作库): the recurring checks the seed documents name, ready to
enable on a campus (``routines.routine_enable_from_library``) and then adjust.

Every frequency of SPEC.md §2 "Routines" is here, with the checklist a kindergarten keeps
on paper, the responsible role, the time window and the source in the seeds. Names and
items are data in the schools' language (Chinese), like the demo data; descriptions cite
the seed document. A value item may take its minimum from a campus rule setting
(``min_setting``), resolved when the routine is enabled.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from houqin.core.roles import Role


@dataclass(frozen=True)
class LibraryItem:
    label: str
    kind: str = "pass_fail"  # pass_fail, value, text, choice
    unit: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    min_setting: str = ""  # a campus setting giving the minimum (e.g. canteen.boiling_minutes)
    choices: tuple[str, ...] = ()
    failing_choices: tuple[str, ...] = ()
    required: bool = True
    photo_required: bool = False
    fail_hint: str = ""


@dataclass(frozen=True)
class LibraryRoutine:
    key: str
    name: str
    category: str
    role: str
    frequency: dict  # RoutineTemplate frequency fields: {"frequency": "weekdays", "weekdays": [0, 3]}
    items: tuple[LibraryItem, ...]
    window: tuple[str, str] | None = None  # ("07:00", "07:40")
    grace_days: int = 0
    school_days_only: bool = True
    zone: str = ""
    room_names: tuple[str, ...] = ()  # rooms to look for on the campus, by name, in order
    room_kind: str = ""  # else the first active room of this kind
    description: str = ""
    source: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    # A fail action (``routines.register_fail_action`` key, e.g. "repair") run by itself for
    # every failed item when the check is completed (preventive maintenance → work orders).
    auto_follow_up: str = ""


I = LibraryItem  # noqa: E741  (short rows below)
D = Decimal

_PATROL_COMMON = (
    I("大门及围墙完好，无可疑人员逗留"),
    I("监控设备运行正常"),
    I("消防通道、安全出口畅通"),
)

_GUARD_PATROLS = [
    (1, "入园前", ("06:50", "07:30"), (
        I("大门、侧门开启正常，门禁、道闸完好"),
        I("一键报警器、钢叉、盾牌、警棍等防卫器械到位"),
        *_PATROL_COMMON,
    )),
    (2, "上午", ("09:30", "10:00"), (
        *_PATROL_COMMON,
        I("户外活动场地无安全隐患"),
        I("外来人员均已登记、挂牌"),
    )),
    (3, "午间", ("12:00", "12:30"), (
        *_PATROL_COMMON,
        I("大门已落锁，午间无人随意出入"),
    )),
    (4, "离园时", ("16:00", "16:40"), (
        I("接送秩序良好，家长持卡接领"),
        I("园门周边无车辆堵塞、无可疑人员"),
        *_PATROL_COMMON,
    )),
    (5, "闭园后", ("18:30", "19:30"), (
        I("全园无滞留幼儿和外来人员"),
        I("各楼层门窗关好，无常明灯、常流水"),
        I("大门已按时落锁"),
        I("监控设备运行正常"),
    )),
]  # fmt: skip

_DUTY_ROUNDS = [
    ("morning", "早巡", ("07:30", "08:30"), (
        I("门卫在岗，来访登记规范"),
        I("晨检到位，各班保教人员按时在岗"),
        I("园舍环境整洁，户外场地无安全隐患"),
        I("发现的问题及处理", kind="text", required=False),
    )),
    ("noon", "午巡", ("11:30", "12:30"), (
        I("幼儿进餐秩序良好，饭菜温度适宜"),
        I("午睡室通风、看护人员在岗"),
        I("食堂操作规范，留样到位"),
        I("发现的问题及处理", kind="text", required=False),
    )),
    ("evening", "晚巡", ("16:00", "17:00"), (
        I("离园接送秩序良好"),
        I("各班门窗、水电关闭"),
        I("当日隐患已登记或处理"),
        I("发现的问题及处理", kind="text", required=False),
    )),
]  # fmt: skip


def _library() -> list[LibraryRoutine]:
    out: list[LibraryRoutine] = []
    add = out.append

    # --- Daily --------------------------------------------------------------------------
    add(LibraryRoutine(
        key="safety.closing_check", name="下班前水电门窗检查", category="safety.patrol", role=Role.GUARD,
        frequency={"frequency": "daily"}, window=("17:00", "18:30"), zone="全园",
        items=(
            I("水龙头已关闭，无常流水、无滴漏"),
            I("电源及电器已关闭（空调、电脑、饮水机等）"),
            I("照明已关闭，无常明灯"),
            I("门窗已关好上锁", fail_hint="通知班级或部门负责人，无法上锁的报修"),
        ),
        description="每天做好下班前的水电、门窗的常规检查；闭园时认真巡查，防止常明灯和常流水。",
        source="[002 计划3] [004 篇四、篇三]",
    ))  # fmt: skip
    for n, when, window, items in _GUARD_PATROLS:
        add(LibraryRoutine(
            key=f"safety.gate_patrol_{n}", name=f"门卫一日5巡·第{n}巡（{when}）", category="safety.patrol",
            role=Role.GUARD, frequency={"frequency": "daily"}, window=window, zone="全园及围墙周边",
            room_names=("门卫室",), room_kind="gate", items=items,
            description="门卫24小时值班，一日5巡，发现问题及时汇报和处理。",
            source="[003]", tags=("一日5巡",),
        ))  # fmt: skip
    for key, when, window, items in _DUTY_ROUNDS:
        add(LibraryRoutine(
            key=f"safety.duty_round_{key}", name=f"值班行政一日三巡·{when}", category="safety.patrol",
            role=Role.DUTY_ADMIN, frequency={"frequency": "daily"}, window=window, zone="全园", items=items,
            description="“走进现场”，落实一日三巡：发现的问题或亮点记录在表格上，分析、讨论并与当事人交流反馈。",
            source="[003] [004 篇三]", tags=("一日三巡",),
        ))  # fmt: skip
    add(LibraryRoutine(
        key="canteen.kitchen_uv", name="厨房紫外线消毒", category="canteen.disinfection", role=Role.COOK,
        frequency={"frequency": "daily"}, window=("15:30", "17:30"), room_names=("厨房",), room_kind="kitchen",
        items=(
            I("消毒前已完成清扫，台面、地面无残渣积水"),
            I("紫外线灯照射时长", kind="value", unit="分钟", min_value=D("30"),
              fail_hint="照射不足30分钟的，补足时间后重新记录"),
            I("消毒时人员已撤离、食品已遮盖"),
            I("灯管清洁，无积尘"),
        ),
        description="每天在食堂打扫卫生结束后，厨房进行紫外线消毒。",
        source="[000]",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="health.ventilation", name="活动室、寝室开窗通风", category="health.disinfection",
        role=Role.CHILDCARE_WORKER, frequency={"frequency": "daily"}, window=("08:00", "16:30"), zone="各班",
        items=(
            I("上午开窗通风时长", kind="value", unit="分钟", min_value=D("10")),
            I("下午开窗通风时长", kind="value", unit="分钟", min_value=D("10")),
            I("通风时幼儿避开风口"),
        ),
        description="每日开窗通风不少于2次，每次10–15分钟。",
        source="SPEC §2",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="health.toy_cup_towel", name="玩具、口杯、毛巾消毒", category="health.disinfection",
        role=Role.CHILDCARE_WORKER, frequency={"frequency": "daily"}, window=("14:00", "16:30"), zone="各班",
        items=(
            I("口杯清洗消毒，一人一杯"),
            I("毛巾清洗消毒，一人一巾"),
            I("玩具清洗消毒"),
            I("消毒方式", kind="choice", choices=("消毒柜", "煮沸", "蒸汽", "含氯消毒液浸泡", "日光曝晒")),
        ),
        description="玩具、被子和寝室经常消毒，并做到消毒有记录；严格做好幼儿毛巾、口杯的清洗消毒。",
        source="[000] [004 篇八]",
    ))  # fmt: skip

    # --- Weekly -------------------------------------------------------------------------
    add(LibraryRoutine(
        key="safety.weekly_electrical", name="每周电器设备、门窗全面检查", category="safety.facilities",
        role=Role.REPAIR_WORKER, frequency={"frequency": "weekdays", "weekdays": [4]}, window=("14:00", "17:00"),
        zone="全园",
        items=(
            I("插座、开关、线路无破损老化"),
            I("电器设备运行正常"),
            I("门、窗、锁完好，防夹手装置有效"),
            I("活动室、走廊、大厅、办公室照明完好"),
            I("发现的问题及维修情况", kind="text", required=False),
        ),
        description="每周进行一次对电器设备、门窗的全面检查修理；每周检查照明设施，坏了立即修。",
        source="[002 计划1、计划3] [004 篇四]",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="safety.weekly_large_toys", name="每周一大型玩具、体育器材检查", category="safety.facilities",
        role=Role.REPAIR_WORKER, frequency={"frequency": "weekdays", "weekdays": [0]}, window=("07:30", "09:00"),
        room_names=("大型玩具区", "操场"), room_kind="outdoor",
        items=(
            I("大型玩具结构稳固，螺丝无松动", photo_required=True,
              fail_hint="立即停用并设置警示，报修"),
            I("表面无破损、无毛刺、无尖锐边角"),
            I("地面防护垫完好"),
            I("体育器材完好、摆放整齐"),
            I("体育器材室整洁"),
        ),
        description="每周一认真做好活动场所大型玩具、体育器材的检查维修工作。",
        source="[002 计划1]",
        auto_follow_up="repair",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="canteen.weekly_gas", name="每周厨房燃气、管道、电器检查", category="canteen.inspection",
        role=Role.CANTEEN_HEAD, frequency={"frequency": "weekdays", "weekdays": [2]}, window=("14:00", "16:00"),
        room_names=("厨房",), room_kind="kitchen",
        items=(
            I("燃气管道、阀门、接口无泄漏（肥皂水检测）", fail_hint="关闭总阀，开窗通风，立即报修，严禁明火"),
            I("燃气报警器工作正常"),
            I("灶具、炉具完好"),
            I("厨房电器、线路完好"),
            I("排烟设施清洁通畅"),
            I("门窗完好"),
        ),
        description="每周对食堂燃气用具、管道、电器、门窗进行一次检查与维修。",
        source="[002 计划1]",
        auto_follow_up="repair",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="canteen.weekly_self_inspection", name="食堂每周安全自查", category="canteen.inspection",
        role=Role.CANTEEN_HEAD, frequency={"frequency": "weekdays", "weekdays": [4]}, window=("13:30", "16:00"),
        room_names=("厨房",), room_kind="kitchen",
        items=(
            I("从业人员健康证均在有效期内"),
            I("食品原料索证索票齐全"),
            I("库存食品无过期，隔墙离地存放"),
            I("生熟分开，标识清晰"),
            I("留样记录完整（每样≥125克，冷藏≥48小时）"),
            I("餐具消毒记录完整"),
            I("防蝇、防鼠、防尘设施完好"),
            I("发现的问题及整改情况", kind="text", required=False),
        ),
        description="每周进行一次自查，发现问题能及时进行整改处理。",
        source="[000]",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="canteen.tableware_boiling", name="餐具煮沸消毒（每周一、四）", category="canteen.disinfection",
        role=Role.COOK, frequency={"frequency": "weekdays", "weekdays": [0, 3]}, window=("13:00", "14:30"),
        room_names=("洗消间", "厨房"), room_kind="kitchen",
        items=(
            I("一冲二洗三消毒流程到位"),
            I("煮沸消毒时长", kind="value", unit="分钟", min_setting="canteen.boiling_minutes",
              fail_hint="时间不足的餐具重新煮沸消毒"),
            I("水沸腾（100℃）后开始计时，餐具完全浸没"),
            I("消毒后餐具保洁存放"),
        ),
        description="每周一、四餐具煮沸消毒；生熟器具分开使用。",
        source="[002 计划2]",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="environment.biweekly_check", name="每两周（周四）卫生、安全与进餐检查", category="environment",
        role=Role.LOGISTICS_HEAD,
        frequency={"frequency": "every_n_weeks", "interval_weeks": 2, "weekday": 3},
        window=("09:00", "12:00"), zone="活动室、午睡室、盥洗室、专用室、食堂",
        items=(
            I("活动室卫生：无纸屑、无痰迹、无杂物，窗明几净"),
            I("午睡室卫生与安全"),
            I("盥洗室清洁、地面防滑"),
            I("专用室卫生与安全"),
            I("食堂卫生"),
            I("幼儿进餐情况", kind="choice", choices=("良好", "一般", "较差"), failing_choices=("较差",)),
            I("检查记录与整改要求", kind="text", required=False),
        ),
        description="卫生安全和幼儿进餐检查以随机检查为主，每两周定期检查一次，每次周四检查。",
        source="[004 篇五]",
    ))  # fmt: skip

    # --- Monthly ------------------------------------------------------------------------
    add(LibraryRoutine(
        key="safety.fire_extinguishers", name="每月消防器材检查", category="safety.fire", role=Role.LOGISTICS_HEAD,
        frequency={"frequency": "monthly_day", "month_day": 1}, window=("08:00", "17:00"), grace_days=3, zone="全园",
        items=(
            I("灭火器压力表指针在绿区", photo_required=True, fail_hint="更换或送检灭火器"),
            I("铅封、保险销完好"),
            I("灭火器在有效期内，无锈蚀"),
            I("喷管无老化、破损"),
            I("消火栓箱内水带、水枪齐全"),
            I("应急照明灯、疏散指示标志完好"),
            I("安全出口、疏散通道畅通"),
            I("检查灭火器数量", kind="value", unit="具", required=False),
        ),
        description="每月检查消防器材；教会教职工使用灭火器。",
        source="[004] [004 篇二]",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="safety.monthly_lighting_stairs", name="每月照明、楼梯和门窗检查", category="safety.facilities",
        role=Role.REPAIR_WORKER, frequency={"frequency": "monthly_day", "month_day": 15},
        window=("08:00", "17:00"), grace_days=3, zone="全园",
        items=(
            I("活动室、走廊、大厅、办公室照明完好"),
            I("楼梯踏步防滑条完好"),
            I("楼梯扶手、栏杆牢固"),
            I("楼梯窗户、班级门窗完好，限位器有效"),
            I("应急照明正常"),
        ),
        description="每月检查一次照明、楼梯窗户和班级门窗，发现问题及时维修。",
        source="[004 篇四] [002 计划1]",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="safety.monthly_large_toys", name="每月大型玩具、体育器材检修", category="safety.facilities",
        role=Role.REPAIR_WORKER, frequency={"frequency": "monthly_nth_weekday", "nth": -1, "weekday": 4},
        window=("08:00", "17:00"), grace_days=3, room_names=("大型玩具区", "操场"), room_kind="outdoor",
        items=(
            I("大型玩具整体检修，紧固件无松动", photo_required=True),
            I("秋千、滑梯等活动部件润滑、无异响"),
            I("体育器材检修完毕"),
            I("户外场地地面平整，无积水、无杂物"),
        ),
        description="每月认真做好一次活动场所大型玩具、体育器材的检查维修。",
        source="[002 计划3] [004 篇四]",
        auto_follow_up="repair",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="maintenance.monthly_ac", name="每月初空调检查与维护", category="maintenance",
        role=Role.REPAIR_WORKER, frequency={"frequency": "monthly_day", "month_day": 1},
        window=("08:00", "17:00"), grace_days=5, zone="各班及办公室",
        items=(
            I("空调运行正常，制冷制热有效"),
            I("滤网清洁"),
            I("室外机支架牢固"),
            I("电源线、插座无老化"),
            I("遥控器齐全"),
        ),
        description="每月初对各班和办公室的空调进行一次全面的检查与维护。",
        source="[002 计划1] [004 五月]",
        auto_follow_up="repair",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="safety.monthly_hazard_hunt", name="每月安全找茬活动", category="safety.patrol",
        role=Role.LOGISTICS_HEAD, frequency={"frequency": "monthly_nth_weekday", "nth": 3, "weekday": 2},
        window=("13:30", "16:30"), grace_days=5, zone="全园",
        items=(
            I("全园教职工参与"),
            I("发现隐患数量", kind="value", unit="处", min_value=D("0")),
            I("隐患及整改措施", kind="text", fail_hint="每处隐患登记到隐患整改台账"),
            I("活动现场照片", photo_required=True, required=False),
        ),
        description="每月开展一次“安全放找茬”活动，全园参与，查找隐患并提出对策。",
        source="[003]",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="safety.fire_monthly_report", name="报送消防月报表", category="safety.fire",
        role=Role.LOGISTICS_HEAD, frequency={"frequency": "monthly_day", "month_day": 25},
        window=("08:00", "17:00"), grace_days=5, zone="后勤办公室",
        items=(
            I("本月消防检查、隐患整改、演练情况已汇总"),
            I("消防月报表已生成并经园长审阅"),
            I("已按时报送"),
            I("报送对象及备注", kind="text", required=False),
        ),
        description="每月报送消防月报表（月报表由消防检查、隐患和演练记录生成）。",
        source="[004]",
    ))  # fmt: skip

    # --- Yearly -------------------------------------------------------------------------
    for key, name, month, extra, source in (
        ("maintenance.ac_clean_summer", "入夏前空调清洗", 5, (), "[004 五月]"),
        ("maintenance.ac_clean_winter", "入冬前空调清洗，收好遥控器", 11, (I("各处遥控器已收好"),), "[002 计划1]"),
    ):
        add(LibraryRoutine(
            key=key, name=name, category="maintenance", role=Role.REPAIR_WORKER,
            frequency={"frequency": "yearly", "month": month, "month_day": 10},
            window=("08:00", "17:00"), grace_days=14, zone="各班及办公室",
            items=(
                I("滤网已清洗"),
                I("室内机、出风口清洁消毒"),
                I("冷凝水管通畅"),
                I("试运行正常"),
                *extra,
                I("清洗空调台数", kind="value", unit="台", required=False),
            ),
            description=f"{name}。",
            source=source,
        ))  # fmt: skip

    # --- Termly -------------------------------------------------------------------------
    add(LibraryRoutine(
        key="safety.term_start_sweep", name="开学前安全大检查", category="safety.patrol", role=Role.LOGISTICS_HEAD,
        frequency={"frequency": "term_start"}, window=("08:00", "17:00"), grace_days=3, zone="全园",
        items=(
            I("园舍、围墙、大门安全"),
            I("大型玩具、设施设备安全"),
            I("消防器材、疏散通道"),
            I("食堂、燃气安全"),
            I("水电线路安全"),
            I("门卫、监控、报警装置"),
            I("发现的隐患", kind="text", required=False),
        ),
        description="开学前安全组进行拉网式排查，发现隐患及时处理。",
        source="[000] [002 计划6]",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="assets.class_property", name="班级财产检查（期中、期末）", category="assets", role=Role.ASSET_KEEPER,
        frequency={"frequency": "termly", "term_points": ["mid", "end"], "offset_days": -5},
        window=("08:00", "17:00"), grace_days=5, zone="各班活动室及包干区",
        items=(
            I("各班财产与登记册相符"),
            I("损坏物品已登记，赔偿或维修已安排"),
            I("班级环境区公共财产完好"),
            I("账实差异（件）", kind="value", unit="件", min_value=D("0"), max_value=D("0"),
              fail_hint="查明原因，登记报损或赔偿"),
        ),
        description="班级财产（活动室及包干区内全部公共财产）每学期检查两次：期中和期末。",
        source="[004 篇九]",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="assets.term_stocktake", name="学期财产盘点清查", category="assets", role=Role.ASSET_KEEPER,
        frequency={"frequency": "term_end", "offset_days": -7}, window=("08:00", "17:00"), grace_days=5,
        room_names=("物资仓库", "食品仓库"), room_kind="store",
        items=(
            I("固定资产账实相符"),
            I("库房物资账物相符"),
            I("盘盈盘亏数量（件）", kind="value", unit="件", min_value=D("0"), max_value=D("0")),
            I("盘点表已签字、登记入册"),
        ),
        description="每学期一次的财产盘点清查工作，登记入册，做到帐帐相符、帐物相符。",
        source="[000] [004 篇六]",
    ))  # fmt: skip
    add(LibraryRoutine(
        key="maintenance.term_end_storage", name="期末设施设备维护与收存", category="maintenance",
        role=Role.REPAIR_WORKER, frequency={"frequency": "term_end"}, window=("08:00", "17:00"), grace_days=3,
        zone="全园",
        items=(
            I("户外器材检修后收存"),
            I("放假前水电总闸、门窗检查"),
            I("需假期维修的项目已登记"),
        ),
        description="期末做好设施设备的维修保养与收存，放假前进行安全检查。",
        source="[001 篇七]",
    ))  # fmt: skip
    return out


LIBRARY: list[LibraryRoutine] = _library()
BY_KEY: dict[str, LibraryRoutine] = {r.key: r for r in LIBRARY}


def register(entry: LibraryRoutine) -> LibraryRoutine:
    """Add an app's routine to the library (from its ``registrations`` module); a key
    registered twice keeps the later entry."""
    if entry.key in BY_KEY:
        LIBRARY[:] = [e for e in LIBRARY if e.key != entry.key]
    LIBRARY.append(entry)
    BY_KEY[entry.key] = entry
    return entry


def get(key: str) -> LibraryRoutine | None:
    return BY_KEY.get(key)
