"""Demo data of the supply area (registered with ``core.demo`` at order 450, before the
nutrition demo at 455): designated food suppliers with certificates and contracts (one
certificate expiring in 10 days), a month of daily deliveries checked by two signers (one
rejected line), daily stock-outs for lunch and the snacks signed by the keeper and the
cook, and a disposal of expired yoghurt.

Ingredients are the campus's rows of the starter composition table: when the campus has
none yet, the nutrition area's importer loads the starter table (the nutrition demo then
finds the same rows by campus and name).
"""

import csv
import datetime as dt
from decimal import Decimal

from django.utils import timezone

from houqin.canteen import supply_services as services
from houqin.canteen.models import CertificateKind, FoodBatch, Ingredient, Receiving
from houqin.core.demo import MAIN_CODE, WEST_CODE
from houqin.procurement.models import Supplier
from houqin.safety.gate_services import is_school_day

D = Decimal
STARTER_CSV = "food_composition_starter.csv"

# (name, categories, contact, phone, address, certificates [(kind, number, days to expiry or None)])
SUPPLIERS = [
    ("绿源蔬菜配送有限公司", ["vegetable", "fruit", "soy"], "李国强", "13967100001", "杭州市余杭区农副产品物流中心B区12号",
     [(CertificateKind.BUSINESS_LICENCE, "91330110MA2B1C3D4E", None),
      (CertificateKind.FOOD_OPERATION_LICENCE, "JY13301100123456", 620)]),
    ("放心肉业有限公司", ["meat", "poultry"], "王建华", "13967100002", "杭州市萧山区定点屠宰场南侧",
     [(CertificateKind.BUSINESS_LICENCE, "91330109MA2C2D3E4F", None),
      (CertificateKind.FOOD_OPERATION_LICENCE, "JY13301090234567", 410),
      (CertificateKind.ANIMAL_QUARANTINE, "3301090012345", 75),
      (CertificateKind.MEAT_QUALITY, "RP33010900456", 75)]),
    ("五谷丰粮油商行", ["grain_oil", "condiment", "dry"], "赵明", "13967100003", "杭州市西湖区粮油批发市场8号",
     [(CertificateKind.BUSINESS_LICENCE, "92330106MA2D3E4F5G", None),
      (CertificateKind.FOOD_OPERATION_LICENCE, "JY13301060345678", 10)]),
    ("阳光乳业有限公司", ["dairy"], "孙丽", "13967100004", "杭州市钱塘区乳业园区1号",
     [(CertificateKind.BUSINESS_LICENCE, "91330114MA2E4F5G6H", None),
      (CertificateKind.FOOD_PRODUCTION_LICENCE, "SC10533011400123", 900)]),
    ("农家乐蛋品合作社", ["egg"], "钱永福", "13967100005", "杭州市临安区蛋品合作社",
     [(CertificateKind.BUSINESS_LICENCE, "93330185MA2F5G6H7J", None),
      (CertificateKind.FOOD_OPERATION_LICENCE, "JY13301850456789", 300),
      (CertificateKind.TEST_REPORT, "JC2026-0312", 160)]),
]  # fmt: skip

# Starter-table names of the foods delivered.
VEG = ["小白菜/青菜（生）", "大白菜（生）", "卷心菜（圆白菜，生）", "胡萝卜（生）", "番茄（西红柿，生）",
       "西兰花（生）", "黄瓜（带皮，生）", "冬瓜（生）", "菠菜（生）"]  # fmt: skip
FRUIT = ["苹果（带皮）", "香蕉", "橙子"]
MEAT = ["猪后腿肉（瘦，生）", "猪肉末（肉馅，生）", "鸡腿肉（去皮，生）", "牛肉（瘦，各部位综合，生）"]
RICE, FLOUR, OIL, SALT = "粳米（短粒大米，生，未强化）", "小麦粉（中筋/通用粉，未强化）", "大豆油", "食盐"
MILK, YOGHURT, EGG, TOFU = (
    "全脂牛奶（3.25%，未添加维生素A/D）",
    "酸奶（原味，全脂）",
    "鸡蛋（全蛋，生）",
    "北豆腐（卤水+硫酸钙点，硬）",
)
PRICES = {
    "小白菜/青菜（生）": "4.20", "大白菜（生）": "2.60", "卷心菜（圆白菜，生）": "3.00", "胡萝卜（生）": "3.50",
    "番茄（西红柿，生）": "6.80", "西兰花（生）": "9.60", "黄瓜（带皮，生）": "5.20", "冬瓜（生）": "2.40",
    "菠菜（生）": "7.00", "苹果（带皮）": "9.80", "香蕉": "7.60", "橙子": "8.80", "猪后腿肉（瘦，生）": "32.00",
    "猪肉末（肉馅，生）": "28.00", "鸡腿肉（去皮，生）": "24.00", "牛肉（瘦，各部位综合，生）": "78.00",
    RICE: "6.20", FLOUR: "4.80", OIL: "16.50", SALT: "3.00", MILK: "12.00", YOGHURT: "16.00", EGG: "11.60",
    TOFU: "6.00",
}  # fmt: skip
# Children's portions scale the quantities: the main campus cooks for ~100%, the branch for ~40%.
SCALE = {MAIN_CODE: D("1"), WEST_CODE: D("0.4")}
DAYS = {MAIN_CODE: 30, WEST_CODE: 14}


def _at(day, hh, mm=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def _people(ctx, code):
    """(recorder/keeper, confirmer/cook): two different people with the canteen permissions."""
    users = ctx.users
    if code == MAIN_CODE:
        return users.get("canteen"), users.get("cook")
    return users.get("logistics"), users.get("west_principal")


def _ingredients(campus, keeper):
    """The campus's ingredients by starter-table name, loading the starter table when the
    campus has none (the nutrition area's importer; a minimal fallback otherwise)."""
    names = [*VEG, *FRUIT, *MEAT, RICE, FLOUR, OIL, SALT, MILK, YOGHURT, EGG, TOFU]
    if not Ingredient.objects.filter(campus=campus).exists():
        try:
            from houqin.canteen.nutrition_importers import starter_load
        except ImportError:  # pragma: no cover - the nutrition area is part of the app
            starter_load = None
        if starter_load is not None:
            starter_load(actor=keeper, campus=campus)
    found = {i.name: i for i in Ingredient.objects.filter(campus=campus, name__in=names)}
    missing = [n for n in names if n not in found]
    if missing:  # pragma: no cover - only without the importer
        from pathlib import Path

        path = Path(__file__).parent / "data" / "nutrition" / STARTER_CSV
        with path.open(encoding="utf-8") as handle:
            groups = {r["name_zh"]: r["food_group"] for r in csv.DictReader(handle)}
        for name in missing:
            found[name], _c = Ingredient.objects.get_or_create(
                campus=campus, name=name, defaults={"food_group": groups.get(name, "vegetable")}
            )
    return found


def _suppliers(campus, head, today):
    out = {}
    for name, categories, contact, phone, address, certificates in SUPPLIERS:
        existing = Supplier.objects.filter(campus=campus, name=name).first()  # purchasing may know it already
        profile = services.food_supplier_save(
            actor=head, campus=campus, supplier=existing,
            supplier_data={"name": name, "contact": contact, "phone": phone, "address": address},
            data={"is_designated": True, "categories": categories, "designated_on": today - dt.timedelta(days=400),
                  "note": "演示数据"},
        )  # fmt: skip
        supplier = profile.supplier
        for kind, number, days in certificates:
            issued = today - dt.timedelta(days=300)
            services.certificate_save(
                actor=head, campus=campus, supplier=supplier,
                data={"kind": kind, "number": number, "issued_on": issued,
                      "expires_on": None if days is None else today + dt.timedelta(days=days),
                      "issuer": "杭州市市场监督管理局" if kind != CertificateKind.ANIMAL_QUARANTINE else "杭州市动物卫生监督所",
                      "title": "鸡蛋（沙门氏菌、兽药残留）" if kind == CertificateKind.TEST_REPORT else ""},
            )  # fmt: skip
        start = dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
        services.contract_save(
            actor=head, campus=campus, supplier=supplier,
            data={"number": f"HT-{start.year}-{len(out) + 1:02d}", "title": f"{start.year}学年食材定点供货合同",
                  "signed_on": start - dt.timedelta(days=10), "start_date": start,
                  "end_date": dt.date(start.year + 1, 8, 31), "note": "含索证索票、配送时间、质量责任条款"},
        )  # fmt: skip
        out[categories[0]] = supplier
    return out


def _q(value, scale):
    return (D(value) * scale).quantize(D("0.1"))


def _line(ingredient, quantity, *, fresh=True, shelf=None, made=None, batch_no="", storage="ambient", temp=None,
          spec="", unit="kg", location=""):  # fmt: skip
    return {
        "ingredient": ingredient, "name": "", "quantity": quantity, "unit": unit, "spec": spec,
        "unit_price": PRICES.get(ingredient.name, "5.00"), "is_fresh_produce": fresh, "shelf_life_days": shelf,
        "production_date": made, "batch_no": batch_no, "storage": storage, "temperature_c": temp,
        "location": location,
    }  # fmt: skip


def _deliveries(day, n, ing, scale):
    """The deliveries of one school day: [(category, hour, lines)]."""
    out = []
    veg = [VEG[(n + k) % len(VEG)] for k in range(3)]
    out.append(("vegetable", 6, [
        *(_line(ing[v], _q(14 if k == 0 else 9, scale), shelf=2, location="蔬菜货架") for k, v in enumerate(veg)),
        _line(ing[FRUIT[n % len(FRUIT)]], _q(10, scale), shelf=5, location="水果货架"),
        _line(ing[TOFU], _q(5, scale), fresh=False, made=day, shelf=2, storage="chilled", temp=D("4.0"),
              batch_no=day.strftime("%m%d"), location="冷藏柜"),
    ]))  # fmt: skip
    out.append(
        (
            "meat",
            6,
            [
                _line(
                    ing[MEAT[n % len(MEAT)]],
                    _q(9, scale),
                    shelf=1,
                    storage="chilled",
                    temp=D("3.5"),
                    location="冷藏柜",
                ),
            ],
        )
    )
    out.append(("dairy", 7, [
        _line(ing[MILK], _q(40, scale), fresh=False, made=day - dt.timedelta(days=1), shelf=7, storage="chilled",
              temp=D("5.0"), batch_no=f"M{(day - dt.timedelta(days=1)):%y%m%d}", unit="L", spec="1L/盒",
              location="冷藏柜"),
    ]))  # fmt: skip
    if day.weekday() in (0, 3):
        out.append(("egg", 7, [_line(ing[EGG], _q(16, scale), shelf=15, location="蛋品货架")]))
    if day.weekday() == 0:
        out.append(("grain_oil", 9, [
            _line(ing[RICE], _q(90, scale), fresh=False, made=day - dt.timedelta(days=20), shelf=365,
                  batch_no=f"R{day:%y%m}A", spec="25kg/袋", location="粮食货架（离地30cm）"),
            _line(ing[OIL], _q(20, scale), fresh=False, made=day - dt.timedelta(days=40), shelf=540,
                  batch_no=f"Y{day:%y%m}", spec="5L/桶", unit="L", location="调料货架"),
            _line(ing[FLOUR], _q(15, scale), fresh=False, made=day - dt.timedelta(days=15), shelf=270,
                  batch_no=f"F{day:%y%m}", spec="10kg/袋", location="粮食货架（离地30cm）"),
        ]))  # fmt: skip
    return out


def _stock_out(campus, keeper, cook, day, meal, wanted):
    """Take ``wanted`` [(ingredient, quantity)] first expiry first out; keeper and cook sign."""
    lines = []
    for ingredient, quantity in wanted:
        for batch, take in services.fefo_suggestion(campus, day, ingredient=ingredient, quantity=quantity):
            lines.append({"batch": batch, "quantity": take})
    if not lines:
        return None
    stock_out = services.stock_out_create(actor=keeper, campus=campus, date=day, meal=meal, lines=lines,
                                          sign_as="keeper", note="演示数据")  # fmt: skip
    return services.stock_out_sign(actor=cook, stock_out=stock_out, role="cook")


def add_demo_rows(ctx):
    for code in (MAIN_CODE, WEST_CODE):
        campus = ctx.campuses.get(code)
        if campus is None:
            continue
        keeper, cook = _people(ctx, code)
        if keeper is None or cook is None:
            continue
        build_campus(campus, keeper, cook, days=DAYS[code], scale=SCALE[code])


def build_campus(campus, keeper, cook, *, days=30, scale=None, today=None):
    """Suppliers, ``days`` of deliveries with their stock-outs, and a disposal."""
    scale = D("1") if scale is None else scale
    today = today or timezone.localdate()
    if Receiving.objects.filter(campus=campus).exists():
        return
    ing = _ingredients(campus, keeper)
    suppliers = _suppliers(campus, keeper, today)
    rejected_done = yoghurt_done = False
    n = 0
    for offset in range(days, 0, -1):
        day = today - dt.timedelta(days=offset)
        if day.weekday() >= 5 or not is_school_day(campus, day):
            continue
        for category, hour, lines in _deliveries(day, n, ing, scale):
            if category == "vegetable" and not rejected_done and n >= 3:
                lines.append({**_line(ing["番茄（西红柿，生）"], _q(6, scale), shelf=2), "appearance_ok": False,
                              "result": "rejected", "reject_reason": "部分腐烂、有异味，整批退回"})  # fmt: skip
                rejected_done = True
            if category == "dairy" and not yoghurt_done and offset <= days - 5:
                # yoghurt with a short shelf life: part of it expires in the store (the disposal below)
                lines.append(_line(ing[YOGHURT], _q(12, scale), fresh=False, made=day - dt.timedelta(days=2), shelf=7,
                                   storage="chilled", temp=D("4.5"), batch_no=f"S{day:%y%m%d}", spec="100g/杯",
                                   location="冷藏柜"))  # fmt: skip
                yoghurt_done = True
            receiving = services.receiving_record(
                actor=keeper, campus=campus, supplier=suppliers[category], lines=lines,
                delivered_at=_at(day, hour, 10 + 5 * n % 40), delivery_note_no=f"SH{day:%m%d}{hour:02d}",
            )  # fmt: skip
            services.receiving_confirm(actor=cook, receiving=receiving)
        veg = [VEG[(n + k) % len(VEG)] for k in range(3)]
        _stock_out(campus, keeper, cook, day, "lunch", [
            (ing[RICE], _q(15, scale)), (ing[OIL], _q(1.5, scale)), (ing[MEAT[n % len(MEAT)]], _q(9, scale)),
            *((ing[v], _q(14 if k == 0 else 9, scale)) for k, v in enumerate(veg)), (ing[TOFU], _q(5, scale)),
        ])  # fmt: skip
        _stock_out(campus, keeper, cook, day, "morning_snack", [(ing[MILK], _q(38, scale))])
        _stock_out(campus, keeper, cook, day, "afternoon_snack", [
            (ing[FRUIT[n % len(FRUIT)]], _q(10, scale)), (ing[EGG], _q(5, scale)), (ing[FLOUR], _q(1.5, scale)),
        ])  # fmt: skip
        n += 1
    _dispose_expired(campus, keeper, cook, today)


def _dispose_expired(campus, keeper, cook, today):
    """The daily expired-food check found yoghurt past its date: logged and destroyed."""
    for batch in FoodBatch.objects.filter(campus=campus, status=FoodBatch.Status.IN_STOCK, quantity_on_hand__gt=0,
                                          best_before__lt=today).order_by("best_before", "pk"):  # fmt: skip
        services.disposal_record(
            actor=keeper, campus=campus, batch=batch, quantity=batch.quantity_on_hand,
            reason="expired", witness=cook, method="毁形后作餐厨垃圾处理",
            detail="每日库存检查发现超过保质期", disposed_on=max(batch.best_before + dt.timedelta(days=1), batch.received_on),
        )  # fmt: skip
