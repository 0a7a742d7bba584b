"""Demo data of the nutrition area (registered with ``core.demo`` at order 455, after the
supply demo): the starter composition table in each demo campus with realistic edible-portion
factors and prices, ~50 dishes with recipes for 4–6 y (1–3 y copied at 0.8), published
weekly menus (早点/午餐/午点) for the past four weeks and this week, next week as a draft, and
the staff meal counts of the past school days. Everything through the services (audited).
"""

import datetime as dt
import functools
from decimal import Decimal

from django.utils import timezone

from houqin.canteen import nutrition_importers as importers
from houqin.canteen import nutrition_services as services
from houqin.canteen.models import AgeGroup, Dish, Ingredient, MealKind, Menu
from houqin.core import audit
from houqin.core.demo import MAIN_CODE, WEST_CODE
from houqin.safety.gate_services import is_school_day

# Short name → the starter table's name.
F = {
    "籼米": "籼米（长粒大米，生，未强化）",
    "粳米": "粳米（短粒大米，生，未强化）",
    "糯米": "糯米（生）",
    "面粉": "小麦粉（中筋/通用粉，未强化）",
    "全麦粉": "全麦粉",
    "鸡蛋面": "鸡蛋面（干，未强化）",
    "黍米": "黍米（糜子米，生）",
    "玉米面": "玉米面（黄，全谷）",
    "玉米粒": "鲜玉米（甜玉米，黄，生）",
    "燕麦片": "燕麦片（普通/快熟，未强化，干）",
    "绿豆": "绿豆（干）",
    "红小豆": "红小豆（赤豆，干）",
    "红薯": "红薯（甘薯，生）",
    "土豆": "马铃薯（土豆，带皮，生）",
    "山药": "山药（薯蓣，生）",
    "里脊": "猪里脊（瘦，生）",
    "猪腿肉": "猪后腿肉（瘦，生）",
    "肉末": "猪肉末（肉馅，生）",
    "排骨": "猪肋排（肥瘦，生）",
    "猪肝": "猪肝（生）",
    "牛肉": "牛肉（瘦，各部位综合，生）",
    "牛腩": "牛腩（胸腹肉，瘦，生）",
    "鸡胸": "鸡胸肉（去皮去骨，生）",
    "鸡腿": "鸡腿肉（去皮，生）",
    "鸡翅": "鸡翅（带皮，生）",
    "鲈鱼": "淡水鲈鱼（混合品种，生）",
    "罗非鱼": "罗非鱼（生）",
    "龙利鱼": "比目鱼（鲽/鳎类，生）",
    "鳕鱼": "大西洋鳕鱼（生）",
    "虾": "虾（混合品种，生，可能经冷冻）",
    "鸡蛋": "鸡蛋（全蛋，生）",
    "鹌鹑蛋": "鹌鹑蛋（全蛋，生）",
    "牛奶": "全脂牛奶（3.25%，未添加维生素A/D）",
    "酸奶": "酸奶（原味，全脂）",
    "北豆腐": "北豆腐（卤水+硫酸钙点，硬）",
    "嫩豆腐": "嫩豆腐（卤水+硫酸钙点）",
    "豆浆": "豆浆（原味，未强化）",
    "大白菜": "大白菜（生）",
    "青菜": "小白菜/青菜（生）",
    "包菜": "卷心菜（圆白菜，生）",
    "菠菜": "菠菜（生）",
    "芹菜": "芹菜（生）",
    "莴笋": "莴笋（生）",
    "胡萝卜": "胡萝卜（生）",
    "番茄": "番茄（西红柿，生）",
    "黄瓜": "黄瓜（带皮，生）",
    "茄子": "茄子（生）",
    "青椒": "青椒（甜椒，生）",
    "西兰花": "西兰花（生）",
    "花菜": "花椰菜（菜花，生）",
    "生菜": "生菜（散叶，生）",
    "香菇": "香菇（鲜）",
    "木耳": "木耳（云耳，干）",
    "海带": "海带（鲜）",
    "紫菜": "紫菜（鲜）",
    "冬瓜": "冬瓜（生）",
    "南瓜": "南瓜（生）",
    "西葫芦": "西葫芦（带皮，生）",
    "白萝卜": "白萝卜（生）",
    "豆芽": "绿豆芽（生）",
    "豌豆": "青豌豆（生）",
    "洋葱": "洋葱（生）",
    "小葱": "小葱（青葱，生）",
    "生姜": "生姜（生）",
    "苹果": "苹果（带皮）",
    "香蕉": "香蕉",
    "橙子": "橙子",
    "梨": "梨（亚洲梨/砂梨）",
    "猕猴桃": "猕猴桃（绿心）",
    "葡萄": "葡萄（红/绿，欧洲种）",
    "红枣": "红枣（干）",
    "芝麻酱": "芝麻酱（烤芝麻）",
    "油": "大豆油",
    "香油": "芝麻油（香油）",
    "糖": "白砂糖",
    "盐": "食盐",
    "酱油": "酱油（大豆+小麦酿造）",
    "番茄酱": "番茄酱（番茄沙司）",
    "蚝油": "蚝油",
    "黄油": "黄油（无盐）",
}

# Short name → (edible portion, yuan per kg): 可食部 as in Chinese composition tables
# (eggs 0.88, fish about 0.55–0.6, leafy vegetables about 0.87), Hangzhou wholesale prices.
PRICES = {
    "籼米": ("1.00", "5.20"), "粳米": ("1.00", "5.80"), "糯米": ("1.00", "7.00"), "面粉": ("1.00", "4.60"),
    "全麦粉": ("1.00", "7.50"), "鸡蛋面": ("1.00", "10.00"), "黍米": ("1.00", "9.00"), "玉米面": ("1.00", "5.00"),
    "玉米粒": ("1.00", "9.00"), "燕麦片": ("1.00", "18.00"), "绿豆": ("1.00", "12.00"), "红小豆": ("1.00", "14.00"),
    "红薯": ("0.90", "4.00"), "土豆": ("0.94", "4.00"), "山药": ("0.83", "10.00"),
    "里脊": ("1.00", "36.00"), "猪腿肉": ("1.00", "30.00"), "肉末": ("1.00", "28.00"), "排骨": ("0.72", "42.00"),
    "猪肝": ("0.99", "20.00"), "牛肉": ("1.00", "76.00"), "牛腩": ("1.00", "70.00"), "鸡胸": ("1.00", "22.00"),
    "鸡腿": ("1.00", "26.00"), "鸡翅": ("0.69", "36.00"), "鲈鱼": ("0.58", "42.00"), "罗非鱼": ("0.55", "16.00"),
    "龙利鱼": ("1.00", "30.00"), "鳕鱼": ("1.00", "80.00"), "虾": ("0.60", "60.00"), "鸡蛋": ("0.88", "11.00"),
    "鹌鹑蛋": ("0.86", "20.00"), "牛奶": ("1.00", "10.00"), "酸奶": ("1.00", "14.00"), "北豆腐": ("1.00", "6.00"),
    "嫩豆腐": ("1.00", "5.00"), "豆浆": ("1.00", "4.00"), "大白菜": ("0.87", "2.50"), "青菜": ("0.87", "5.00"),
    "包菜": ("0.86", "3.00"), "菠菜": ("0.89", "7.00"), "芹菜": ("0.67", "5.00"), "莴笋": ("0.62", "5.00"),
    "胡萝卜": ("0.96", "3.50"), "番茄": ("0.97", "6.00"), "黄瓜": ("0.92", "5.00"), "茄子": ("0.93", "5.00"),
    "青椒": ("0.82", "6.00"), "西兰花": ("0.83", "9.00"), "花菜": ("0.82", "6.00"), "生菜": ("0.94", "6.00"),
    "香菇": ("0.95", "14.00"), "木耳": ("1.00", "60.00"), "海带": ("1.00", "6.00"), "紫菜": ("1.00", "80.00"),
    "冬瓜": ("0.80", "2.50"), "南瓜": ("0.85", "3.00"), "西葫芦": ("0.94", "4.00"), "白萝卜": ("0.95", "2.50"),
    "豆芽": ("1.00", "3.00"), "豌豆": ("1.00", "12.00"), "洋葱": ("0.90", "3.00"), "小葱": ("0.73", "8.00"),
    "生姜": ("0.95", "12.00"), "苹果": ("0.76", "9.00"), "香蕉": ("0.59", "7.00"), "橙子": ("0.74", "9.00"),
    "梨": ("0.82", "7.00"), "猕猴桃": ("0.83", "16.00"), "葡萄": ("0.86", "14.00"), "红枣": ("0.88", "30.00"),
    "芝麻酱": ("1.00", "40.00"), "油": ("1.00", "14.00"), "香油": ("1.00", "50.00"), "糖": ("1.00", "7.00"),
    "盐": ("1.00", "3.00"), "酱油": ("1.00", "12.00"), "番茄酱": ("1.00", "20.00"), "蚝油": ("1.00", "18.00"),
    "黄油": ("1.00", "80.00"),
}  # fmt: skip

S, M, V, P, K, R, D = "staple", "main", "side", "soup", "snack", "fruit", "drink"
B, MS, L, AS = (
    MealKind.BREAKFAST.value,
    MealKind.MORNING_SNACK.value,
    MealKind.LUNCH.value,
    MealKind.AFTERNOON_SNACK.value,
)
# The demo kindergartens serve two meals and two snacks (两餐两点: 早餐、早点、午餐、午点).
DEMO_MEALS = f"{B},{MS},{L},{AS}"

# (name, category, protein source, meals, {ingredient: grams per child 4–6 y, purchased}).
DISHES = [
    ("米饭", S, "", L, {"籼米": 65}),
    ("二米饭", S, "", L, {"籼米": 50, "黍米": 15}),
    ("红豆饭", S, "", L, {"粳米": 55, "红小豆": 10}),
    ("南瓜软饭", S, "", L, {"籼米": 55, "南瓜": 25}),
    ("鸡蛋青菜面", S, "egg", L, {"鸡蛋面": 55, "鸡蛋": 25, "青菜": 30, "油": 5, "盐": 0.8}),
    ("玉米面馒头", S, "", f"{MS},{AS}", {"面粉": 35, "玉米面": 10}),
    ("南瓜发糕", S, "", f"{MS},{AS}", {"面粉": 35, "南瓜": 20, "糖": 4}),
    ("瘦肉青菜粥", S, "meat", B, {"粳米": 30, "猪腿肉": 15, "青菜": 20, "香油": 2, "盐": 0.5}),
    ("鸡蛋青菜面片", S, "egg", B, {"面粉": 40, "鸡蛋": 20, "青菜": 20, "油": 5, "盐": 0.5}),
    ("南瓜燕麦粥", S, "", B, {"燕麦片": 15, "粳米": 15, "南瓜": 30, "糖": 3}),
    ("白煮蛋", M, "egg", B, {"鸡蛋": 50}),
    ("鹌鹑蛋", M, "egg", B, {"鹌鹑蛋": 40}),
    ("番茄炖牛腩", M, "meat", L, {"牛腩": 45, "番茄": 40, "土豆": 30, "油": 8, "盐": 0.8}),
    ("土豆烧牛肉", M, "meat", L, {"牛肉": 40, "土豆": 50, "胡萝卜": 15, "油": 8, "酱油": 2}),
    ("糖醋里脊", M, "meat", L, {"里脊": 45, "面粉": 8, "番茄酱": 6, "糖": 4, "油": 11}),
    ("肉末茄子", M, "meat", L, {"肉末": 30, "茄子": 60, "油": 9, "酱油": 2}),
    ("青椒胡萝卜炒肉丝", M, "meat", L, {"猪腿肉": 40, "青椒": 35, "胡萝卜": 20, "油": 9, "盐": 0.8}),
    ("胡萝卜烧排骨", M, "meat", L, {"排骨": 60, "胡萝卜": 30, "油": 5, "酱油": 3, "糖": 2}),
    ("香菇炖鸡腿", M, "poultry", L, {"鸡腿": 50, "香菇": 20, "土豆": 30, "油": 8, "盐": 0.8}),
    ("咖喱鸡块", M, "poultry", L, {"鸡腿": 45, "土豆": 40, "胡萝卜": 20, "洋葱": 10, "油": 9, "牛奶": 20}),
    ("黄瓜鸡丁", M, "poultry", L, {"鸡胸": 40, "黄瓜": 40, "胡萝卜": 15, "油": 9, "盐": 0.8}),
    ("清蒸鲈鱼", M, "fish", L, {"鲈鱼": 80, "生姜": 2, "小葱": 3, "酱油": 3, "油": 6}),
    ("番茄龙利鱼", M, "fish", L, {"龙利鱼": 50, "番茄": 50, "油": 9, "盐": 0.8}),
    ("糖醋鱼块", M, "fish", L, {"罗非鱼": 85, "面粉": 6, "番茄酱": 6, "糖": 4, "油": 11}),
    ("虾仁滑蛋", M, "fish", L, {"虾": 40, "鸡蛋": 40, "豌豆": 15, "油": 9, "盐": 0.8}),
    ("番茄炒蛋", M, "egg", L, {"鸡蛋": 55, "番茄": 70, "油": 10, "糖": 2, "盐": 0.8}),
    ("肉末蒸蛋", M, "egg", L, {"鸡蛋": 50, "肉末": 15, "酱油": 2, "香油": 2}),
    ("西葫芦炒蛋", M, "egg", L, {"鸡蛋": 45, "西葫芦": 60, "油": 9, "盐": 0.8}),
    ("肉末烧豆腐", M, "bean", L, {"北豆腐": 70, "肉末": 20, "小葱": 3, "油": 9, "酱油": 3}),
    ("家常豆腐", M, "bean", L, {"北豆腐": 70, "猪腿肉": 15, "木耳": 2, "青椒": 15, "油": 10, "酱油": 3}),
    ("蒜香西兰花", V, "", L, {"西兰花": 70, "胡萝卜": 10, "油": 6, "盐": 0.6}),
    ("清炒青菜", V, "", L, {"青菜": 80, "油": 6, "盐": 0.6}),
    ("醋溜白菜", V, "", L, {"大白菜": 80, "胡萝卜": 10, "油": 6, "盐": 0.6}),
    ("香菇青菜", V, "", L, {"青菜": 70, "香菇": 15, "油": 6, "盐": 0.6}),
    ("手撕包菜", V, "", L, {"包菜": 80, "油": 8, "酱油": 2}),
    ("炒三丁", V, "", L, {"胡萝卜": 25, "黄瓜": 30, "玉米粒": 25, "油": 6, "盐": 0.6}),
    ("木耳炒山药", V, "", L, {"山药": 50, "木耳": 3, "青椒": 15, "油": 6, "盐": 0.6}),
    ("蚝油生菜", V, "", L, {"生菜": 80, "蚝油": 3, "油": 6}),
    ("清炒花菜", V, "", L, {"花菜": 70, "胡萝卜": 10, "油": 6, "盐": 0.6}),
    ("紫菜蛋花汤", P, "", L, {"紫菜": 5, "鸡蛋": 10, "香油": 1, "盐": 0.4}),
    ("番茄蛋汤", P, "", L, {"番茄": 30, "鸡蛋": 10, "盐": 0.4}),
    ("冬瓜海带汤", P, "", L, {"冬瓜": 40, "海带": 10, "盐": 0.4}),
    ("猪肝菠菜汤", P, "", L, {"猪肝": 10, "菠菜": 30, "生姜": 1, "盐": 0.4}),
    ("萝卜排骨汤", P, "", L, {"白萝卜": 40, "排骨": 20, "盐": 0.4}),
    ("豆腐青菜汤", P, "", L, {"嫩豆腐": 30, "青菜": 20, "盐": 0.4}),
    ("鲜肉包", K, "meat", f"{B},{AS}", {"面粉": 40, "肉末": 20, "大白菜": 20, "香油": 2, "酱油": 2}),
    ("鸡蛋饼", K, "egg", f"{B},{AS}", {"面粉": 35, "鸡蛋": 30, "小葱": 3, "油": 6, "盐": 0.5}),
    ("蔬菜小馄饨", K, "meat", f"{B},{AS}", {"面粉": 30, "肉末": 20, "青菜": 15, "紫菜": 1, "香油": 1}),
    ("豆沙包", K, "", f"{MS},{AS}", {"面粉": 40, "红小豆": 10, "糖": 5}),
    ("蒸红薯", K, "", AS, {"红薯": 80}),
    ("红豆粥", K, "", f"{MS},{AS}", {"粳米": 15, "红小豆": 10, "红枣": 5, "糖": 4}),
    ("绿豆汤", K, "", AS, {"绿豆": 12, "糖": 5}),
    ("燕麦牛奶粥", K, "", f"{MS},{AS}", {"燕麦片": 20, "牛奶": 100, "糖": 3}),
    ("鸡蛋蛋糕", K, "egg", f"{MS},{AS}", {"面粉": 25, "鸡蛋": 25, "糖": 6, "黄油": 4}),
    ("芝麻酱花卷", K, "", f"{MS},{AS}", {"面粉": 40, "芝麻酱": 5, "糖": 3}),
    ("苹果", R, "", f"{MS},{AS}", {"苹果": 100}),
    ("香蕉", R, "", f"{MS},{AS}", {"香蕉": 110}),
    ("橙子", R, "", f"{MS},{AS}", {"橙子": 110}),
    ("梨", R, "", f"{MS},{AS}", {"梨": 100}),
    ("猕猴桃", R, "", f"{MS},{AS}", {"猕猴桃": 90}),
    ("葡萄", R, "", f"{MS},{AS}", {"葡萄": 100}),
    ("牛奶", D, "", f"{MS},{AS}", {"牛奶": 200}),
    ("酸奶", D, "", f"{MS},{AS}", {"酸奶": 150}),
    ("豆浆", D, "bean", f"{B},{MS},{AS}", {"豆浆": 200, "糖": 4}),
]

# The week's plan: rotated lists per slot, shifted by the week and the day.
PLAN = {
    "breakfast": ["瘦肉青菜粥", "鲜肉包", "鸡蛋青菜面片", "蔬菜小馄饨", "南瓜燕麦粥", "鸡蛋饼"],
    "egg": ["白煮蛋", "鹌鹑蛋"],
    "drink": ["牛奶", "牛奶", "酸奶", "牛奶", "牛奶"],
    "morning": ["鸡蛋蛋糕", "芝麻酱花卷", "南瓜发糕", "燕麦牛奶粥", "玉米面馒头"],
    "staple": ["米饭", "二米饭", "米饭", "红豆饭", "南瓜软饭"],
    "main": ["番茄炖牛腩", "清蒸鲈鱼", "香菇炖鸡腿", "肉末烧豆腐", "番茄炒蛋", "糖醋里脊", "番茄龙利鱼",
             "咖喱鸡块", "家常豆腐", "肉末蒸蛋", "土豆烧牛肉", "糖醋鱼块", "黄瓜鸡丁", "虾仁滑蛋",
             "青椒胡萝卜炒肉丝", "西葫芦炒蛋", "肉末茄子", "胡萝卜烧排骨"],
    "side": ["蒜香西兰花", "清炒青菜", "醋溜白菜", "香菇青菜", "手撕包菜", "炒三丁", "木耳炒山药", "蚝油生菜",
             "清炒花菜"],
    "soup": ["紫菜蛋花汤", "番茄蛋汤", "冬瓜海带汤", "猪肝菠菜汤", "萝卜排骨汤", "豆腐青菜汤"],
    "afternoon": ["蒸红薯", "红豆粥", "豆沙包", "绿豆汤", "酸奶"],
    "fruit": ["苹果", "香蕉", "橙子", "梨", "猕猴桃", "葡萄"],
}  # fmt: skip
STAFF_MEALS = {MAIN_CODE: (20, 26), WEST_CODE: (8, 11)}


def _users(ctx, code):
    users = ctx.users
    if code == MAIN_CODE:
        return users.get("health") or users.get("principal"), users.get("health") or users.get("principal")
    return users.get("west_principal"), users.get("west_principal")


def _ingredients(ctx, campus, actor):
    """The starter table, then the campus's edible portions and prices (audited)."""
    importers.starter_load(actor=actor, campus=campus)
    rows = {i.name: i for i in Ingredient.objects.filter(campus=campus, name__in=F.values())}
    out = {}
    for short, name in F.items():
        ingredient = rows[name]
        edible, price = PRICES.get(short, ("1.00", None))
        before = audit.snapshot(ingredient)
        ingredient.edible_portion = Decimal(edible)
        ingredient.price_per_kg = Decimal(price) if price else None
        services.ingredient_save(actor=actor, campus=campus, instance=ingredient, before=before)
        out[short] = ingredient
    return out


def _dishes(campus, actor, ingredients):
    dishes = {}
    for name, category, protein, meals, recipe in DISHES:
        dish = Dish.objects.filter(campus=campus, name=name).first()
        if dish is None:
            dish = services.dish_save(
                actor=actor, campus=campus,
                instance=Dish(campus=campus, name=name, category=category, protein_source=protein, meals=meals),
            )  # fmt: skip
        lines = [(ingredients[k], Decimal(str(g))) for k, g in recipe.items()]
        services.dish_lines_set(actor=actor, dish=dish, age_group=AgeGroup.Y4_6, lines=lines)
        services.dish_lines_copy(actor=actor, dish=dish, from_group=AgeGroup.Y4_6, to_group=AgeGroup.Y1_3,
                                 factor=Decimal("0.8"))  # fmt: skip
        dishes[name] = dish
    return dishes


def _pick(slot, week_no, day_no, offset=0):
    items = PLAN[slot]
    return items[(week_no * 3 + day_no + offset) % len(items)]


def week_items(dishes, week_start, week_no, school_day=None):
    """The (date, meal, dish) of one demo week (Monday–Friday school days)."""
    items = []
    for day_no in range(5):
        day = week_start + dt.timedelta(days=day_no)
        if school_day is not None and not school_day(day):
            continue
        main = _pick("main", week_no, day_no * 2)
        items += [(day, B, dishes[_pick("breakfast", week_no, day_no)])]
        if day_no % 2 == 0:
            items += [(day, B, dishes[_pick("egg", week_no, day_no)])]
        else:
            items += [(day, B, dishes["豆浆"])]
        items += [
            (day, MS, dishes[_pick("drink", 0, day_no)]),
            (day, MS, dishes[_pick("morning", week_no, day_no)]),
            (day, L, dishes[_pick("staple", week_no, day_no)]),
            (day, L, dishes[main]),
            (day, L, dishes[_pick("side", week_no, day_no)]),
            (day, L, dishes[_pick("soup", week_no, day_no)]),
            (day, AS, dishes[_pick("afternoon", week_no, day_no)]),
            (day, AS, dishes[_pick("fruit", week_no, day_no)]),
        ]
    return items


def _menus(campus, writer, publisher, dishes, today):
    this_week = services.monday(today)
    school_day = functools.partial(is_school_day, campus)
    for offset in range(-4, 2):
        week = this_week + dt.timedelta(weeks=offset)
        week_no = (week.toordinal() // 7) % 97
        items = week_items(dishes, week, week_no, school_day)
        if not items:
            items = week_items(dishes, week, week_no)  # a holiday week still gets its plan
        for group in (AgeGroup.Y1_3, AgeGroup.Y4_6):
            if Menu.objects.filter(campus=campus, week_start=week, age_group=group).exists():
                continue
            menu = services.menu_create(actor=writer, campus=campus, week_start=week, age_group=group, items=items,
                                        note="演示数据")  # fmt: skip
            if offset <= 0:
                services.menu_publish(actor=publisher, menu=menu)


def _staff_meals(ctx, campus, actor, today):
    low, high = STAFF_MEALS.get(campus.code, (8, 12))
    day = services.monday(today) - dt.timedelta(weeks=4)
    while day <= today:
        if day.weekday() < 5 and is_school_day(campus, day):
            services.staff_meals_set(actor=actor, campus=campus, date=day, count=ctx.rng.randint(low, high))
        day += dt.timedelta(days=1)


def add_demo_rows(ctx):
    from houqin.core.settings_services import campus_settings_update

    today = timezone.localdate()
    for code, campus in ctx.campuses.items():
        writer, publisher = _users(ctx, code)
        campus_settings_update(actor=writer, campus=campus, values={"nutrition.meal_kinds": DEMO_MEALS})
        campus._settings_cache = None
        ingredients = _ingredients(ctx, campus, writer)
        dishes = _dishes(campus, writer, ingredients)
        _menus(campus, writer, publisher, dishes, today)
        _staff_meals(ctx, campus, ctx.users.get("canteen") if code == MAIN_CODE else writer, today)
