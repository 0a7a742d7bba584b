"""Demo data of the asset register (registered with ``core.demo`` at order 300): the
categories of a kindergarten, about 250 asset cards across the main campus's rooms with
their custodians (each room's keeper or the class teacher), prices and purchase dates
spread over five years, valuable items with photos, a few damaged, idle, missing or under
repair and two disposed; and a smaller register on the west campus.

Everything goes through :mod:`houqin.assets.services` (validated and audited). Dates are
relative to the day the demo is loaded.
"""

import datetime as dt
import io
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from houqin.assets import services
from houqin.assets.models import Asset, AssetCategory
from houqin.core.demo import MAIN_CODE, WEST_CODE

# name, code, kind, useful life in years (0: not depreciated)
CATEGORIES = [
    ("电子设备", "DZ", AssetCategory.Kind.FIXED, 6),
    ("家具", "JJ", AssetCategory.Kind.FIXED, 15),
    ("厨房设备", "CF", AssetCategory.Kind.FIXED, 10),
    ("体育器材", "TY", AssetCategory.Kind.FIXED, 10),
    ("教玩具", "WJ", AssetCategory.Kind.LOW_VALUE, 3),
    ("图书", "TS", AssetCategory.Kind.LOW_VALUE, 0),
]

# (category code, name, model/spec, brand, unit, quantity, unit price)
CLASSROOM = [
    ("DZ", "空调（柜机）", "KFR-72LW/NhIaB1W 3匹", "格力", "台", 1, "5999.00"),
    ("DZ", "交互智能平板", "86英寸 MC86FEA", "希沃", "台", 1, "12800.00"),
    ("DZ", "电钢琴", "P-125", "雅马哈", "台", 1, "4380.00"),
    ("DZ", "紫外线消毒灯", "ZSW-30 移动式", "雪莱特", "台", 1, "680.00"),
    ("DZ", "饮水机", "立式温热 YR-5", "美的", "台", 1, "1280.00"),
    ("DZ", "蓝牙音箱", "便携 SoundLink", "漫步者", "台", 1, "399.00"),
    ("CF", "不锈钢保温桶", "12升 双层", "", "个", 1, "260.00"),
    ("JJ", "幼儿桌椅", "6桌30椅 实木", "童乐", "套", 1, "4200.00"),
    ("JJ", "玩具柜（组合）", "樟子松 3组", "童乐", "组", 1, "2600.00"),
    ("JJ", "毛巾架", "不锈钢 40格", "", "个", 1, "480.00"),
    ("WJ", "积木（大块）", "EVA 120块", "童乐", "套", 2, "380.00"),
    ("WJ", "区角玩具", "角色扮演 厨房组", "", "套", 5, "160.00"),
    ("TS", "图书角绘本", "3-6岁 精装", "", "册", 150, "28.00"),
]
# room name → [(category code, name, spec, brand, unit, quantity, price)]
ROOMS = {
    "美工室": [
        ("DZ", "陶艺拉坯机", "LP-260", "景德", "台", 1, "2680.00"),
        ("DZ", "陶艺拉坯机", "LP-260", "景德", "台", 1, "2680.00"),
        ("DZ", "电窑", "0.3立方 RK-30", "景德", "台", 1, "9800.00"),
        ("JJ", "美工桌椅", "4桌24椅", "童乐", "套", 1, "3800.00"),
        ("WJ", "美工工具", "剪刀胶棒颜料", "", "套", 30, "45.00"),
    ],
    "图书室": [
        ("JJ", "书架", "双面 五层", "童乐", "组", 1, "1800.00"),
        ("JJ", "书架", "双面 五层", "童乐", "组", 1, "1800.00"),
        ("JJ", "书架", "双面 五层", "童乐", "组", 1, "1800.00"),
        ("JJ", "阅读桌椅", "圆桌 6套", "童乐", "套", 1, "3200.00"),
        ("DZ", "电脑（借阅管理）", "启天 M430", "联想", "台", 1, "4600.00"),
        ("TS", "绘本", "中英文精装", "", "册", 1200, "32.00"),
        ("TS", "教师用书", "学前教育", "", "册", 260, "45.00"),
    ],
    "科学发现室": [
        ("DZ", "数码显微镜", "XSP-200", "凤凰", "台", 1, "1600.00"),
        ("DZ", "数码显微镜", "XSP-200", "凤凰", "台", 1, "1600.00"),
        ("WJ", "放大镜", "儿童手持 5倍", "", "个", 30, "12.00"),
        ("WJ", "科学实验套装", "磁铁光影", "", "套", 8, "260.00"),
        ("JJ", "实验操作台", "PP 六人", "", "张", 1, "2400.00"),
    ],
    "保健室": [
        ("DZ", "身高体重秤", "超声波 HW-900", "鸿泰", "台", 1, "1800.00"),
        ("DZ", "视力表灯箱", "LED 5米", "", "个", 1, "450.00"),
        ("DZ", "医用冷藏箱", "YC-130", "海尔", "台", 1, "2900.00"),
        ("DZ", "紫外线消毒车", "ZXC-II", "", "台", 1, "1500.00"),
        ("JJ", "观察床", "不锈钢", "", "张", 1, "980.00"),
    ],
    "隔离室": [("JJ", "隔离床", "单人", "", "张", 1, "860.00")],
    "音乐室": [
        ("DZ", "立式钢琴", "UP118", "珠江", "台", 1, "18800.00"),
        ("DZ", "音响系统", "有源 STAGEPAS 600BT", "雅马哈", "套", 1, "6800.00"),
        ("WJ", "奥尔夫乐器", "打击乐 38件", "", "套", 2, "1200.00"),
    ],
    "多功能厅": [
        ("DZ", "投影仪", "CB-FH52", "爱普生", "台", 1, "6200.00"),
        ("DZ", "电动幕布", "150英寸", "红叶", "幅", 1, "1900.00"),
        ("DZ", "舞台音响系统", "功放+4音箱+无线话筒", "JBL", "套", 1, "23800.00"),
        ("DZ", "舞台灯光", "LED 帕灯 12只+控台", "", "套", 1, "15000.00"),
        ("JJ", "折叠椅", "会议折叠", "", "批", 1, "6000.00"),
    ],
    "会议室": [
        ("JJ", "会议桌", "4.8米 实木", "", "张", 1, "8600.00"),
        ("JJ", "会议椅", "网布 20把", "", "批", 1, "4400.00"),
        ("DZ", "投影仪", "CB-X49", "爱普生", "台", 1, "4200.00"),
        ("DZ", "笔记本电脑", "ThinkPad E14", "联想", "台", 1, "5600.00"),
    ],
    "园长室": [
        ("DZ", "笔记本电脑", "ThinkPad X1 Carbon", "联想", "台", 1, "9800.00"),
        ("JJ", "办公桌", "1.6米", "", "张", 1, "2100.00"),
        ("JJ", "文件柜", "钢制 四门", "", "个", 1, "980.00"),
    ],
    "财务室": [
        ("DZ", "台式电脑", "启天 M437", "联想", "台", 1, "5200.00"),
        ("DZ", "台式电脑", "启天 M437", "联想", "台", 1, "5200.00"),
        ("DZ", "激光打印机", "M232dwc", "惠普", "台", 1, "2300.00"),
        ("JJ", "保险柜", "电子密码 BGX-5/D1-60", "虎牌", "台", 1, "3200.00"),
    ],
    "教师办公室": [
        *[("DZ", "台式电脑", "扬天 M4000", "联想", "台", 1, "4500.00")] * 6,
        ("DZ", "打印复印一体机", "DCP-7195DW", "兄弟", "台", 1, "2980.00"),
        ("DZ", "彩色复印机", "IR ADV C3826", "佳能", "台", 1, "18900.00"),
        ("JJ", "办公桌椅", "屏风工位 8人", "", "套", 1, "7200.00"),
    ],
    "档案室": [
        *[("JJ", "密集档案柜", "手摇式 一列", "", "列", 1, "3600.00")] * 4,
        ("DZ", "除湿机", "DH-860", "德业", "台", 1, "2200.00"),
    ],
    "厨房": [
        ("CF", "商用燃气灶", "双头大锅灶", "金佰利", "台", 1, "16800.00"),
        ("CF", "蒸饭柜", "24盘 燃气", "金佰利", "台", 1, "8900.00"),
        ("CF", "四门冷藏柜", "BCD-1000", "星星", "台", 1, "6200.00"),
        ("CF", "和面机", "HWT-25", "恒联", "台", 1, "4200.00"),
        ("CF", "切菜机", "多功能 QC-660", "旭众", "台", 1, "5600.00"),
        ("CF", "排烟净化系统", "油烟净化 8000风量", "", "套", 1, "23000.00"),
        ("CF", "电烤箱", "三层六盘", "新麦", "台", 1, "7800.00"),
        ("CF", "不锈钢操作台", "1.8米 双层", "", "张", 1, "1500.00"),
    ],
    "食品仓库": [
        ("CF", "卧式冷冻柜", "BD/BC-718", "海尔", "台", 1, "4300.00"),
        ("JJ", "不锈钢货架", "四层 1.5米", "", "组", 1, "1600.00"),
    ],
    "洗消间": [
        ("CF", "通道式洗碗机", "CD-120", "科林", "台", 1, "26000.00"),
        ("CF", "高温消毒柜", "RTP700", "康宝", "台", 1, "6800.00"),
    ],
    "留样间": [("CF", "留样冰箱", "BC-93 带锁", "海尔", "台", 1, "2600.00")],
    "物资仓库": [
        ("JJ", "重型货架", "四层 2米", "", "组", 1, "2200.00"),
        ("JJ", "重型货架", "四层 2米", "", "组", 1, "2200.00"),
        ("JJ", "铝合金人字梯", "2米", "", "把", 1, "320.00"),
    ],
    "洗衣房": [
        ("DZ", "滚筒洗衣机", "10kg XQG100", "海尔", "台", 1, "3800.00"),
        ("DZ", "烘干机", "9kg GDNE9", "海尔", "台", 1, "4500.00"),
    ],
    "后勤办公室": [
        ("DZ", "台式电脑", "启天 M437", "联想", "台", 1, "5200.00"),
        ("DZ", "标签打印机", "QR-386A", "启锐", "台", 1, "900.00"),
        ("JJ", "办公桌椅", "1.4米 两套", "", "套", 1, "2600.00"),
    ],
    "维修间": [
        ("DZ", "冲击钻", "GSB 600", "博世", "把", 1, "650.00"),
        ("DZ", "电焊机", "ZX7-250", "瑞凌", "台", 1, "1200.00"),
        ("JJ", "工具柜", "钢制 五抽", "", "个", 1, "1100.00"),
    ],
    "门卫室": [
        ("DZ", "监控硬盘录像机", "DS-8632N 32路", "海康威视", "台", 1, "8800.00"),
        ("DZ", "监控显示器", "43英寸", "海康威视", "台", 1, "2600.00"),
        ("DZ", "一键报警装置", "联网型", "", "套", 1, "3200.00"),
        ("DZ", "人脸识别门禁", "DS-K5671", "海康威视", "台", 1, "5800.00"),
    ],
    "操场": [
        ("TY", "篮球架", "儿童升降 1.2-2.6米", "金陵", "副", 1, "4800.00"),
        ("TY", "篮球架", "儿童升降 1.2-2.6米", "金陵", "副", 1, "4800.00"),
        ("TY", "塑胶跑道修补", "", "", "项", 1, "36000.00"),
        ("WJ", "皮球", "7寸", "", "个", 60, "15.00"),
        ("WJ", "跳绳", "儿童", "", "根", 80, "8.00"),
        ("WJ", "平衡车", "儿童无脚踏", "", "辆", 12, "220.00"),
    ],
    "大型玩具区": [
        ("TY", "大型组合滑梯", "工程塑料+镀锌管 ZH-9201", "奇乐", "套", 1, "68000.00"),
        ("TY", "攀爬网", "绳网 6米", "奇乐", "套", 1, "12800.00"),
        ("TY", "秋千", "双人 镀锌", "奇乐", "套", 1, "5600.00"),
        ("TY", "沙水池设施", "", "奇乐", "套", 1, "18000.00"),
    ],
    "种植园地": [("WJ", "园艺工具", "儿童铲耙", "", "套", 20, "25.00")],
}
WEST_CLASSROOM = [
    ("DZ", "空调（柜机）", "KFR-72LW 3匹", "美的", "台", 1, "5699.00"),
    ("DZ", "电视机", "65英寸 65E3K", "海信", "台", 1, "3299.00"),
    ("JJ", "幼儿桌椅", "5桌25椅", "童乐", "套", 1, "3600.00"),
    ("WJ", "积木（大块）", "EVA 120块", "", "套", 2, "380.00"),
    ("TS", "图书角绘本", "3-6岁", "", "册", 100, "26.00"),
]
WEST_ROOMS = {
    "保健室": [("DZ", "身高体重秤", "HW-600", "鸿泰", "台", 1, "1500.00")],
    "会议室": [("DZ", "投影仪", "CB-X06", "爱普生", "台", 1, "3600.00")],
    "教师办公室": [("DZ", "台式电脑", "扬天 M4000", "联想", "台", 1, "4500.00")] * 3,
    "厨房": [
        ("CF", "商用燃气灶", "单头大锅灶", "金佰利", "台", 1, "9800.00"),
        ("CF", "四门冷藏柜", "BCD-1000", "星星", "台", 1, "6200.00"),
        ("CF", "高温消毒柜", "RTP500", "康宝", "台", 1, "4800.00"),
    ],
    "门卫室": [("DZ", "监控硬盘录像机", "DS-7816N 16路", "海康威视", "台", 1, "4200.00")],
    "操场": [("TY", "组合滑梯", "ZH-6101", "奇乐", "套", 1, "32000.00")],
}
# (room name, asset name, status, reason): the first such asset gets the status
MAIN_STATUSES = [
    ("多功能厅", "投影仪", Asset.Status.UNDER_REPAIR, "灯泡不亮，已报修"),
    ("洗消间", "通道式洗碗机", Asset.Status.UNDER_REPAIR, "喷淋臂堵塞，厂家上门维修"),
    ("科学发现室", "数码显微镜", Asset.Status.DAMAGED, "目镜摔裂"),
    ("大二班活动室", "电钢琴", Asset.Status.DAMAGED, "两个琴键不回弹"),
    ("维修间", "冲击钻", Asset.Status.DAMAGED, "电机烧毁"),
    ("会议室", "投影仪", Asset.Status.IDLE, "多功能厅投影仪维修期间备用，平时闲置"),
    ("物资仓库", "铝合金人字梯", Asset.Status.IDLE, ""),
    ("档案室", "除湿机", Asset.Status.IDLE, "梅雨季外闲置"),
    ("教师办公室", "打印复印一体机", Asset.Status.IDLE, "已由彩色复印机替代"),
    ("图书室", "教师用书", Asset.Status.MISSING, "学期盘点时发现缺失"),
    ("财务室", "激光打印机", Asset.Status.DISPOSED, "硒鼓组件损坏，维修不经济，报废"),
    ("操场", "塑胶跑道修补", Asset.Status.DISPOSED, "随操场改造一并核销"),
]
FALLBACK_KEEPER = "assets"
PHOTO_NAMES = {"立式钢琴", "大型组合滑梯", "交互智能平板", "舞台音响系统"}


def _photo(seed, name):
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    colour = (rng.randrange(60, 200), rng.randrange(60, 200), rng.randrange(60, 200))
    img = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle([60, 50, 260, 190], outline=(255, 255, 255), width=6)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return ContentFile(out.getvalue(), name=name)


def add_demo_rows(ctx):
    today = timezone.localdate()
    rng = random.Random(300)
    for code, classroom_items, room_items, statuses in (
        (MAIN_CODE, CLASSROOM, ROOMS, MAIN_STATUSES),
        (WEST_CODE, WEST_CLASSROOM, WEST_ROOMS, []),
    ):
        campus = ctx.campuses[code]
        categories = _categories(campus)
        fallback = ctx.users[FALLBACK_KEEPER] if code == MAIN_CODE else ctx.users["west_principal"]
        made = {}
        for (room_code, room_name), room in sorted(ctx.rooms.items(), key=lambda kv: kv[1].code):
            if room_code != code:
                continue
            items = classroom_items if room_name.endswith("活动室") else room_items.get(room_name, [])
            custodian = room.keeper or fallback
            for item in items:
                asset = _create(campus, categories, room, custodian, item, rng, today)
                made.setdefault((room_name, asset.name), []).append(asset)
        for room_name, name, status, reason in statuses:
            assets = made.get((room_name, name))
            if assets:
                services.asset_set_status(actor=None, asset=assets[0], status=status, reason=reason)


def _categories(campus):
    out = {}
    from houqin.core.services import object_save

    for name, code, kind, life in CATEGORIES:
        category = AssetCategory(campus=campus, name=name, code=code, kind=kind, useful_life_years=life)
        out[code] = object_save(actor=None, instance=category, campus=campus, message="demo data")
    return out


def _create(campus, categories, room, custodian, item, rng, today):
    code, name, spec, brand, unit, quantity, price = item
    acquired = today - dt.timedelta(days=rng.randrange(60, 5 * 365))
    data = {
        "name": name,
        "category": categories[code],
        "model_spec": spec,
        "brand": brand,
        "unit": unit,
        "quantity": quantity,
        "price": Decimal(price),
        "purchase_date": acquired,
        "in_service_date": acquired + dt.timedelta(days=rng.randrange(0, 15)),
        "warranty_until": acquired + dt.timedelta(days=365 * (3 if code in ("DZ", "CF") else 1)),
        "room": room,
        "custodian": custodian,
        "invoice_number": f"{rng.randrange(10**7, 10**8)}" if Decimal(price) >= 1000 else "",
    }
    services.apply_valuable_rule(campus, data)
    photos = [_photo(rng.random(), "photo.jpg")] if name in PHOTO_NAMES else []
    return services.asset_create(actor=None, campus=campus, data=data, photos=photos)
