"""Demo data of purchasing (registered with ``core.demo``, order 330, after the asset register
(300) and the warehouse (305)).

Main campus: six suppliers and thirteen purchase requests in every state — a draft, two
waiting for approval (one at the principal), one rejected, one withdrawn, one cancelled, one
approved and waiting to be ordered, one in its price comparison, and five ordered: the big
one (多媒体教室设备, above the principal's threshold, three quotes, the dearer one chosen for
its after-sales service) partly received — paper into the warehouse and asset cards for the
projectors and toy sets — with its first invoice signed; a cleaning restock fully received
with its invoice waiting for the principal; disinfectants delivered and waiting for the
second signer; office supplies ordered and not yet delivered; sports goods received and
signed off. West campus: two suppliers and one request waiting for approval.

Everything goes through :mod:`houqin.procurement.purchasing_services` and the approvals
engine; dates are relative to the day the demo is loaded.
"""

import datetime as dt
from decimal import Decimal as D

from django.utils import timezone

from houqin.core import approvals
from houqin.core.demo import MAIN_CODE, WEST_CODE
from houqin.core.services import object_save
from houqin.procurement import purchasing_services as services
from houqin.procurement.models import Item, ItemCategory, StockLocation, Supplier

SUPPLIERS = [
    # name, contact, phone, scope, credit code
    ("文汇办公用品商行", "王经理", "13905710001", "办公用品、纸张", "92330106MA2B1C3D4E"),
    ("启明教玩具有限公司", "李经理", "13905710002", "教玩具、绘本、美工材料", "91330106MA2B1C3D5F"),
    ("华联商贸超市", "周店长", "13905710003", "日用百货、清洁用品", "91330106MA2B1C3D6G"),
    ("海康达电子科技", "陈工", "13905710004", "投影、音响、电脑及安装", "91330106MA2B1C3D7H"),
    ("绿源清洁消毒用品", "吴经理", "13905710005", "清洁用品、消毒用品", "91330106MA2B1C3D8J"),
    ("育才校具厂", "郑厂长", "13905710006", "幼儿桌椅、柜子、户外器械", "91330106MA2B1C3D9K"),
]
WEST_SUPPLIERS = [
    ("西城便民超市", "钱老板", "13905720001", "日用百货", ""),
    ("安心消毒用品店", "孙老板", "13905720002", "消毒用品", ""),
]


def _save(instance):
    return object_save(actor=None, instance=instance, campus=instance.campus, message="demo data")


def _suppliers(campus, rows):
    out = {}
    for name, contact, phone, scope, code in rows:
        supplier = Supplier.objects.filter(campus=campus, name=name).first()
        if supplier is None:
            supplier = _save(Supplier(campus=campus, name=name, contact=contact, phone=phone, scope=scope,
                                      credit_code=code, address="杭州市西湖区"))  # fmt: skip
        out[name] = supplier
    return out


class _Catalogue:
    """Finds the warehouse items and asset categories the other demos made (or makes them)."""

    def __init__(self, campus):
        self.campus = campus
        self.store = StockLocation.objects.filter(campus=campus, name="总务仓库").first() or _save(
            StockLocation(campus=campus, name="总务仓库")
        )

    def item(self, name, spec="", unit="个", category="办公用品"):
        item = Item.objects.filter(campus=self.campus, name=name).first()
        if item is None:
            cat = ItemCategory.objects.filter(campus=self.campus, name=category).first() or _save(
                ItemCategory(campus=self.campus, name=category)
            )
            item = _save(Item(campus=self.campus, name=name, spec=spec, unit=unit, category=cat,
                              default_location=self.store))  # fmt: skip
        return item

    def category(self, name, code, kind, life):
        from houqin.assets.models import AssetCategory

        cat = AssetCategory.objects.filter(campus=self.campus, name=name).first()
        if cat is None:
            cat = _save(
                AssetCategory(campus=self.campus, name=name, code=code, kind=kind, useful_life_years=life)
            )
        return cat


def _stock(item, qty, price, note=""):
    return {"kind": "stock", "item": item, "quantity": D(qty), "estimated_unit_price": D(price), "note": note}


def _asset(category, description, spec, qty, unit, price):
    return {
        "kind": "asset", "asset_category": category, "description": description, "spec": spec,
        "quantity": D(qty), "unit": unit, "estimated_unit_price": D(price),
    }  # fmt: skip


def _other(description, qty, unit, price, spec=""):
    return {"kind": "other", "description": description, "spec": spec, "quantity": D(qty), "unit": unit,
            "estimated_unit_price": D(price)}  # fmt: skip


def _raise(campus, who, title, unit, reason, lines, needed_by=None):
    data = {"title": title, "reason": reason, "needed_by": needed_by}
    if hasattr(unit, "pk"):
        data["school_class"] = unit
    else:
        data["department"] = unit
    return services.purchase_request_save(actor=who, campus=campus, data=data, lines=lines)


def _approve(pr, signers, comment=""):
    """Submit, then sign every step with the holder of its role."""
    approval = services.purchase_request_submit(actor=pr.requested_by, purchase_request=pr)
    while approval.status == "pending":
        approvals.approve(actor=signers[approval.current_role], approval=approval, comment=comment)
    pr.refresh_from_db()
    return approval


def add_demo_rows(ctx):
    today = timezone.localdate()
    main = ctx.campuses[MAIN_CODE]
    users = ctx.users
    teacher, head, principal = users["teacher"], users["logistics"], users["principal"]
    keeper, accountant = users["assets"], users["accountant"]
    signers = {"logistics_head": head, "principal": principal}
    sup = _suppliers(main, SUPPLIERS)
    cat = _Catalogue(main)
    from houqin.assets.models import AssetCategory

    electronics = cat.category("电子设备", "DZ", AssetCategory.Kind.FIXED, 6)
    furniture = cat.category("家具", "JJ", AssetCategory.Kind.FIXED, 15)
    kitchen = cat.category("厨房设备", "CF", AssetCategory.Kind.FIXED, 10)
    toys = cat.category("教玩具", "WJ", AssetCategory.Kind.LOW_VALUE, 3)
    big_class = next(
        (c for (code, name), c in ctx.classes.items() if code == MAIN_CODE and name.startswith("大")), None
    )
    room = next(
        (r for (code, name), r in ctx.rooms.items() if code == MAIN_CODE and name.endswith("活动室")), None
    )

    # 1. A draft.
    _raise(main, teacher, "中班美工区材料", "中班年级组", "美工区主题活动需要补充材料",
           [_stock(cat.item("彩泥", "24色", "盒", "教玩具"), "20", "16"),
            _stock(cat.item("彩色卡纸", "A4 100张", "包"), "10", "15")])  # fmt: skip

    # 2. Waiting for the logistics head.
    pr = _raise(main, users["health"], "保健室器材补充", "保健室", "晨检用品和急救箱更新",
                [_other("急救箱（含药品）", "2", "个", "180"), _stock(cat.item("测温枪电池", "5号", "节", "消毒用品"), "40", "1.2")],
                needed_by=today + dt.timedelta(days=10))  # fmt: skip
    services.purchase_request_submit(actor=pr.requested_by, purchase_request=pr)

    # 3. Approved by the logistics head, waiting for the principal (above 2,000 yuan).
    pr = _raise(main, teacher, "多功能厅音响设备", "园务办公室", "六一文艺汇演，原音响老化有杂音",
                [_asset(electronics, "无线麦克风", "一拖二 UHF", "2", "套", "680"),
                 _asset(electronics, "有源音箱", "12寸 300W", "2", "只", "1450")],
                needed_by=today + dt.timedelta(days=20))  # fmt: skip
    approval = services.purchase_request_submit(actor=teacher, purchase_request=pr)
    approvals.approve(actor=head, approval=approval, comment="确有需要，请园长审批")

    # 4. Rejected.
    pr = _raise(main, users["canteen"], "办公室咖啡机", "食堂", "教职工休息使用",
                [_other("全自动咖啡机", "1", "台", "1600")])  # fmt: skip
    approval = services.purchase_request_submit(actor=pr.requested_by, purchase_request=pr)
    approvals.reject(actor=head, approval=approval, comment="不属于保教必需品，不予采购")

    # 5. Withdrawn by the requester.
    pr = _raise(main, teacher, "小班玩具柜", "小班年级组", "玩具收纳不足",
                [_asset(furniture, "玩具收纳柜", "九格 松木", "2", "个", "560")])  # fmt: skip
    approval = services.purchase_request_submit(actor=teacher, purchase_request=pr)
    approvals.withdraw(actor=teacher, approval=approval, comment="先与中班调剂，暂不申购")

    # 6. Approved, then cancelled.
    pr = _raise(main, users["guard"], "门卫室电暖器", "门卫室", "冬季夜间值班取暖",
                [_other("电暖器", "1", "台", "299")])  # fmt: skip
    _approve(pr, signers)
    services.purchase_request_cancel(actor=keeper, purchase_request=pr, reason="工会已配发，无需采购")

    # 7. Approved, to be compared and ordered (below the comparison amount).
    pr = _raise(main, users["canteen"], "厨房不锈钢操作台", "食堂", "粗加工区操作台锈蚀，需生熟分开",
                [_asset(kitchen, "不锈钢操作台", "1.5m 双层", "2", "张", "1250")],
                needed_by=today + dt.timedelta(days=14))  # fmt: skip
    _approve(pr, signers)

    # 8. In its price comparison: two of the three quotes recorded.
    pr = _raise(main, keeper, "户外大型玩具维护保养", "后勤处", "大型玩具年度检修，更换老化部件",
                [_other("滑梯及攀爬架检修保养", "1", "项", "6800"), _other("塑胶地垫修补", "20", "平方米", "90")])  # fmt: skip
    _approve(pr, signers, comment="同意，货比三家")
    for name, total in (("育才校具厂", "8450"), ("启明教玩具有限公司", "8900")):
        services.quote_save(actor=keeper, purchase_request=pr, supplier=sup[name], total=D(total),
                            quoted_on=today - dt.timedelta(days=1), delivery_days=7)  # fmt: skip

    # 9. The big one: above the principal's threshold, three quotes, the dearer one chosen,
    #    ordered, partly received (stock and asset cards), the first invoice signed.
    paper = cat.item("A4复印纸", "70g 500张", "包")
    pr = _raise(main, teacher, "多媒体教室设备", big_class or "大班年级组", "多媒体教室建设：投影、益智玩具及配套耗材",
                [_stock(paper, "50", "24"),
                 _asset(electronics, "短焦投影仪", "3LCD 3600流明", "3", "台", "2800"),
                 _asset(toys, "益智玩具套装", "木质 12件", "10", "套", "150")],
                needed_by=today + dt.timedelta(days=5))  # fmt: skip
    _approve(pr, signers, comment="同意")
    lines = list(pr.lines.order_by("position"))
    quotes = {}
    for name, prices, days in (
        ("海康达电子科技", ("24.5", "2760", "148"), 5),
        ("文汇办公用品商行", ("23", "2690", "150"), 15),
        ("启明教玩具有限公司", ("25", "2850", "139"), 7),
    ):
        quotes[name] = services.quote_save(
            actor=keeper, purchase_request=pr, supplier=sup[name], quoted_on=today - dt.timedelta(days=18),
            line_prices={ln.pk: D(p) for ln, p in zip(lines, prices, strict=True)}, delivery_days=days,
            note="含送货安装" if name == "海康达电子科技" else "",
        )  # fmt: skip
    services.quote_choose(actor=keeper, purchase_request=pr, quote=quotes["海康达电子科技"],
                          reason="含上门安装调试，投影仪质保三年，交货最快")  # fmt: skip
    big = services.purchase_order_create(actor=keeper, purchase_request=pr, ordered_on=today - dt.timedelta(days=16),
                                         expected_delivery=today - dt.timedelta(days=9))  # fmt: skip
    ol = {ln.kind + str(ln.position): ln for ln in big.lines.all()}
    first = services.acceptance_record(
        actor=keeper, order=big, delivered_on=today - dt.timedelta(days=10), location=cat.store,
        invoice_number="24332100156",
        lines=[
            {"order_line": ol["stock1"], "quantity_delivered": 50},
            {"order_line": ol["asset2"], "quantity_delivered": 2, "room": room, "custodian": teacher},
            {"order_line": ol["asset3"], "quantity_delivered": 10, "room": room, "custodian": teacher},
        ],
        note="第一批到货，投影仪缺一台，供应商承诺下周补发",
    )  # fmt: skip
    services.acceptance_confirm(actor=head, acceptance=first)
    invoice = services.invoice_record(actor=accountant, order=big, number="24332100156",
                                      issued_on=today - dt.timedelta(days=10), amount=D("8225.00"))  # fmt: skip
    services.invoice_sign(actor=principal, invoice=invoice, note="同意")

    # 10. Cleaning restock: fully received; its invoice waits for the principal.
    pr = _raise(main, keeper, "清洁用品补货", "后勤处", "库存预警：抽纸、洗手液低于补货线",
                [_stock(cat.item("抽纸", "3层130抽", "包", "清洁用品"), "400", "2.8"),
                 _stock(cat.item("洗手液", "500ml", "瓶", "清洁用品"), "60", "9.5")])  # fmt: skip
    _approve(pr, signers)
    order = services.purchase_order_create(actor=keeper, purchase_request=pr, supplier=sup["华联商贸超市"],
                                           ordered_on=today - dt.timedelta(days=8))  # fmt: skip
    acc = services.acceptance_record(
        actor=keeper, order=order, delivered_on=today - dt.timedelta(days=6), location=cat.store,
        lines=[{"order_line": ln, "quantity_delivered": ln.quantity} for ln in order.lines.all()],
    )  # fmt: skip
    services.acceptance_confirm(actor=accountant, acceptance=acc)
    services.invoice_record(actor=accountant, order=order, number="24332100311",
                            issued_on=today - dt.timedelta(days=5), amount=D("1690.00"))  # fmt: skip

    # 11. Disinfectants: delivered, waiting for the second signer.
    cabinet = StockLocation.objects.filter(campus=main, name="消毒用品柜").first() or cat.store
    pr = _raise(main, users["health"], "消毒用品采购", "保健室", "秋冬季传染病预防",
                [_stock(cat.item("84消毒液", "500ml", "瓶", "消毒用品"), "40", "6.5"),
                 _stock(cat.item("75%酒精", "500ml", "瓶", "消毒用品"), "20", "9")])  # fmt: skip
    _approve(pr, signers)
    order = services.purchase_order_create(actor=keeper, purchase_request=pr, supplier=sup["绿源清洁消毒用品"],
                                           ordered_on=today - dt.timedelta(days=3))  # fmt: skip
    services.acceptance_record(
        actor=keeper, order=order, delivered_on=today, location=cabinet,
        lines=[{"order_line": ln, "quantity_delivered": ln.quantity} for ln in order.lines.all()],
        note="已核对生产日期和批号",
    )  # fmt: skip

    # 12. Office supplies: ordered, not delivered yet.
    pr = _raise(main, keeper, "办公用品补充", "园务办公室", "期中资料打印",
                [_stock(cat.item("打印机墨盒", "HP 803黑色", "个"), "6", "89"),
                 _stock(cat.item("中性笔", "0.5mm黑色", "支"), "200", "1.2")])  # fmt: skip
    _approve(pr, signers)
    services.purchase_order_create(actor=keeper, purchase_request=pr, supplier=sup["文汇办公用品商行"],
                                   expected_delivery=today + dt.timedelta(days=3))  # fmt: skip

    # 13. Sports goods: received and signed off.
    pr = _raise(main, teacher, "户外活动器材", "大班年级组", "户外混龄游戏需要",
                [_stock(cat.item("皮球", "7寸", "个", "教玩具"), "20", "12"),
                 _stock(cat.item("跳绳", "儿童款", "根", "教玩具"), "30", "5")])  # fmt: skip
    _approve(pr, signers)
    order = services.purchase_order_create(actor=keeper, purchase_request=pr, supplier=sup["启明教玩具有限公司"],
                                           ordered_on=today - dt.timedelta(days=25))  # fmt: skip
    acc = services.acceptance_record(
        actor=keeper, order=order, delivered_on=today - dt.timedelta(days=21), location=cat.store,
        lines=[{"order_line": ln, "quantity_delivered": ln.quantity} for ln in order.lines.all()],
    )  # fmt: skip
    services.acceptance_confirm(actor=head, acceptance=acc)
    invoice = services.invoice_record(actor=accountant, order=order, number="24332099874",
                                      issued_on=today - dt.timedelta(days=21), amount=order.total)  # fmt: skip
    services.invoice_sign(actor=principal, invoice=invoice)

    # West campus: two suppliers and one request waiting for the logistics head.
    west = ctx.campuses[WEST_CODE]
    _suppliers(west, WEST_SUPPLIERS)
    pr = _raise(west, users["west_teacher"], "户外地垫更换", "小一班", "户外活动区地垫破损",
                [_other("EVA拼接地垫", "30", "块", "35")])  # fmt: skip
    services.purchase_request_submit(actor=pr.requested_by, purchase_request=pr)
