"""Import of the asset register from .xlsx, and its template.

All or nothing, like the core's children import (:mod:`houqin.core.importers`, whose file
reading and cell parsing this reuses): every row is checked first and every problem is
reported with its row number, column and reason; the assets are written in one
transaction only when the whole file is clean, each with its "import" audit event.

The columns are those of a school's paper ledger (资产台账). Files made in Excel or WPS are
expected: dates as date cells or text (2024/9/1, 2024-09-01, 2024年9月1日), numbers as
floats, a title row above the headers, pre-numbered 序号 rows or a 合计 row below the data.
Categories, suppliers, rooms (number or name) and custodians (real name, user name or
mobile number) are matched against the campus; anything unknown is an error.
"""

import io
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from houqin.assets import services
from houqin.assets.models import Asset, AssetCategory
from houqin.core import audit
from houqin.core.importers import ImportResult, RowError, _open_rows, _text, parse_date
from houqin.core.models import Room
from houqin.core.numbering import next_number

# The column headers (the file format; not translated).
TAG, NAME, CATEGORY, SPEC, BRAND, UNIT, QUANTITY, PRICE, DATE, ROOM, CUSTODIAN, SUPPLIER, INVOICE, STATUS, NOTE = (
    "资产编号", "资产名称", "类别", "规格型号", "品牌", "单位", "数量", "单价", "购置日期", "存放地点/房间", "保管人",
    "供应商", "发票号", "状态", "备注",
)  # fmt: skip
HEADERS = [TAG, NAME, CATEGORY, SPEC, BRAND, UNIT, QUANTITY, PRICE, DATE, ROOM, CUSTODIAN, SUPPLIER, INVOICE, STATUS,
           NOTE]  # fmt: skip
REQUIRED_HEADERS = [NAME, CATEGORY]
# Other spellings found in schools' ledgers (and in our own ledger export).
ALIASES = {
    "名称": NAME, "资产名": NAME, "物品名称": NAME, "编号": TAG, "资产编码": TAG, "分类": CATEGORY,
    "资产类别": CATEGORY, "规格": SPEC, "型号": SPEC, "计量单位": UNIT, "价格": PRICE, "单价(元)": PRICE,
    "单价（元）": PRICE, "购置时间": DATE, "购入日期": DATE, "存放地点": ROOM, "房间": ROOM, "存放位置": ROOM,
    "使用地点": ROOM, "保管人员": CUSTODIAN, "责任人": CUSTODIAN, "发票号码": INVOICE, "使用状态": STATUS,
}  # fmt: skip
# Columns of the ledger layout that the import reads past.
IGNORED = {"序号", "金额", "金额(元)", "金额（元）", "总价"}
TOTAL_WORDS = ("合计", "小计", "总计")

STATUS_WORDS = {
    "在用": Asset.Status.IN_USE, "正常": Asset.Status.IN_USE, "使用中": Asset.Status.IN_USE,
    "闲置": Asset.Status.IDLE, "借出": Asset.Status.ON_LOAN, "维修": Asset.Status.UNDER_REPAIR,
    "维修中": Asset.Status.UNDER_REPAIR, "待修": Asset.Status.UNDER_REPAIR, "损坏": Asset.Status.DAMAGED,
    "盘亏": Asset.Status.MISSING, "丢失": Asset.Status.MISSING, "遗失": Asset.Status.MISSING,
}  # fmt: skip
DISPOSED_WORDS = {"已处置", "报废", "已报废", "处置", "disposed"}
TEMPLATE_STATUSES = ["在用", "闲置", "维修中", "损坏", "盘亏"]
HEADER_SEARCH_ROWS = 5

FIELD_COLUMNS = {
    "tag": TAG, "name": NAME, "category": CATEGORY, "model_spec": SPEC, "brand": BRAND, "unit": UNIT,
    "quantity": QUANTITY, "price": PRICE, "purchase_date": DATE, "room": ROOM, "custodian": CUSTODIAN,
    "supplier": SUPPLIER, "invoice_number": INVOICE, "status": STATUS, "note": NOTE, "is_valuable": CUSTODIAN,
}  # fmt: skip
TEXT_LIMITS = {TAG: 40, NAME: 120, SPEC: 120, BRAND: 60, UNIT: 10, INVOICE: 40, NOTE: 300}


def _header_name(raw) -> str:
    return re.sub(r"\s+", "", _text(raw)).rstrip("*＊")


def _canonical(name: str) -> str:
    return ALIASES.get(name, name)


def _find_header(rows, result):
    """(index of the header row among ``rows``, {header: column index}) or None."""
    for position, (_number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = [_canonical(_header_name(v)) for v in values]
        if NAME in names:
            columns, unknown = {}, []
            for index, name in enumerate(names):
                if not name or name in IGNORED:
                    continue
                if name in columns:
                    result.file_error = _("The column “%(name)s” appears twice.") % {"name": name}
                    return None
                if name not in HEADERS:
                    unknown.append(name)
                    continue
                columns[name] = index
            missing = [h for h in REQUIRED_HEADERS if h not in columns]
            if missing:
                break
            if unknown:
                result.file_error = _("Unknown columns: %(names)s. Use the headers of the template.") % {
                    "names": "、".join(unknown)
                }
                return None
            return position, columns
    result.file_error = _(
        "No header row with the template's columns was found. Required: %(required)s. "
        "Download the template and copy your data into it."
    ) % {"required": "、".join(REQUIRED_HEADERS)}
    return None


def _money(value):
    """An Excel number or text like ¥1,299.00 / 1299元 as yuan with two decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float)):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = re.sub(r"[\s,，¥￥]|元$", "", str(value))
        amount = Decimal(text)
    if not amount.is_finite():
        raise ValueError
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _quantity(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    if amount != amount.to_integral_value():
        raise ValueError
    return int(amount)


class _Lookup:
    """Names of the campus's categories, rooms, people and suppliers → rows (or an error)."""

    def __init__(self, campus):
        from houqin.core.forms import campus_users
        from houqin.procurement.models import Supplier

        self.categories = {}
        for c in AssetCategory._base_manager.filter(campus=campus):
            self.categories[c.name.strip()] = c
            if c.code:
                self.categories.setdefault(c.code.strip().upper(), c)
        self.suppliers = {s.name.strip(): s for s in Supplier._base_manager.filter(campus=campus)}
        self.rooms: dict[str, list] = {}
        for room in Room._base_manager.filter(campus=campus).select_related("building"):
            for key in {room.code.strip().upper(), room.name.strip(), f"{room.code} {room.name}".upper()}:
                self.rooms.setdefault(key, []).append(room)
        self.users: dict[str, list] = {}
        for user in campus_users(campus):
            keys = {user.username.lower()}
            if user.real_name:
                keys.add(user.real_name.strip())
            if user.phone:
                keys.add(user.phone)
            for key in keys:
                self.users.setdefault(key, []).append(user)

    def category(self, text):
        found = self.categories.get(text) or self.categories.get(text.upper())
        if found is None:
            return None, _("There is no asset category “%(name)s” on this campus.") % {"name": text}
        if not found.is_active:
            return None, _("The category “%(name)s” is no longer in use.") % {"name": text}
        return found, ""

    def room(self, text):
        key = re.sub(r"\s+", " ", text)
        found = self.rooms.get(key) or self.rooms.get(key.upper())
        if not found:
            return None, _("There is no room “%(name)s” on this campus (use its number or name).") % {
                "name": text
            }
        distinct = {r.pk: r for r in found}
        if len(distinct) > 1:
            return None, _("Several rooms are called “%(name)s”; use the room number (%(codes)s).") % {
                "name": text,
                "codes": "、".join(sorted(r.code for r in distinct.values())),
            }
        room = next(iter(distinct.values()))
        if not room.is_active:
            return None, _("The room “%(name)s” is no longer in use.") % {"name": text}
        return room, ""

    def custodian(self, text):
        plain = text.replace(" ", "").replace("-", "") if re.fullmatch(r"[\d\s-]+", text) else text
        found = self.users.get(plain) or self.users.get(plain.lower())
        if not found:
            return None, _(
                "Nobody called “%(name)s” holds a role on this campus (use the real name, user name or mobile "
                "number)."
            ) % {"name": text}
        distinct = {u.pk: u for u in found}
        if len(distinct) > 1:
            return None, _("Several members are called “%(name)s”; use the user name or mobile number.") % {
                "name": text
            }
        return next(iter(distinct.values())), ""

    def supplier(self, text):
        found = self.suppliers.get(text)
        if found is None:
            return None, _("There is no supplier “%(name)s” on this campus; add it first.") % {"name": text}
        return found, ""


def _status_words() -> dict:
    """Status text → value: the template's words, the values, and the labels as our own
    export writes them (“In use (在用)”, in the active language and in English)."""
    from django.utils import translation

    words = {**STATUS_WORDS, **dict.fromkeys(DISPOSED_WORDS, Asset.Status.DISPOSED)}
    for status in Asset.Status:
        labels = {str(status.label)}
        with translation.override("en"):
            labels.add(str(status.label))
        words[status.value] = status
        for label in labels:
            words[label.lower()] = status
            inner = re.search(r"[(（]([^()（）]+)[)）]", label)
            if inner:
                words.setdefault(inner.group(1), status)
    return words


def _skippable(values, columns) -> bool:
    """合计 rows, and rows without a name that only hold a 序号 or an amount."""
    name = _text(values[columns[NAME]]) if columns[NAME] < len(values) else ""
    if re.sub(r"[\s:：]", "", name) in TOTAL_WORDS:
        return True
    if name:
        return False
    texts = [_text(v) for v in values]
    if any(word in t for t in texts for word in TOTAL_WORDS):
        return True
    used = set(columns.values())
    return not any(texts[i] for i in used if i < len(texts))


def asset_import(*, actor, campus, file) -> ImportResult:
    """Import asset cards from an .xlsx in the layout of the template (see module docstring)."""
    result = ImportResult()
    rows = _open_rows(file, result)
    if rows is None:
        return result
    if not rows:
        result.file_error = _("The file is empty.")
        return result
    found = _find_header(rows, result)
    if found is None:
        return result
    header_position, columns = found
    data_rows = [(n, v) for n, v in rows[header_position + 1 :] if not _skippable(v, columns)]
    if not data_rows:
        result.file_error = _("The file holds no assets below the header row.")
        return result
    result.rows = len(data_rows)

    def cell(values, header):
        index = columns.get(header)
        return values[index] if index is not None and index < len(values) else None

    lookup = _Lookup(campus)
    status_words = _status_words()
    threshold = services.valuable_threshold(campus)
    tags_in_file = {_text(cell(v, TAG)).upper() for _n, v in data_rows} - {""}
    taken = set()
    wanted = sorted(tags_in_file)
    for start in range(0, len(wanted), 500):
        taken |= set(
            Asset._base_manager.filter(campus=campus)
            .annotate(upper_tag=Upper("tag"))
            .filter(upper_tag__in=wanted[start : start + 500])
            .values_list("upper_tag", flat=True)
        )
    seen_tags: dict[str, int] = {}

    prepared = []
    for number, values in data_rows:
        errors: list[RowError] = []

        def error(column, message, number=number, errors=errors):
            errors.append(RowError(number, column, str(message)))

        texts = {}
        for header, limit in TEXT_LIMITS.items():
            text = _text(cell(values, header))
            if len(text) > limit:
                error(header, _("The text is longer than %(n)s characters.") % {"n": limit})
            texts[header] = text[:limit]

        name = texts[NAME]
        if not name:
            error(NAME, _("The name is required."))

        tag = texts[TAG]
        if tag:
            key = tag.upper()
            if key in seen_tags:
                error(
                    TAG,
                    _("The tag number %(tag)s also appears in row %(row)s.")
                    % {"tag": tag, "row": seen_tags[key]},
                )
            else:
                seen_tags[key] = number
            if key in taken:
                error(TAG, _("The tag number %(tag)s is already in the register.") % {"tag": tag})

        category = None
        category_text = _text(cell(values, CATEGORY))
        if not category_text:
            error(CATEGORY, _("The category is required."))
        else:
            category, message = lookup.category(category_text)
            if message:
                error(CATEGORY, message)

        references = {}
        for header, finder in (
            (ROOM, lookup.room),
            (CUSTODIAN, lookup.custodian),
            (SUPPLIER, lookup.supplier),
        ):
            text = _text(cell(values, header))
            references[header] = None
            if text:
                references[header], message = finder(text)
                if message:
                    error(header, message)

        quantity = 1
        try:
            parsed = _quantity(cell(values, QUANTITY))
            if parsed is not None:
                quantity = parsed
                if quantity < 1:
                    error(QUANTITY, _("The quantity must be at least 1."))
        except (ValueError, InvalidOperation):
            error(
                QUANTITY, _("“%(value)s” is not a whole number.") % {"value": _text(cell(values, QUANTITY))}
            )

        price = Decimal("0.00")
        try:
            parsed = _money(cell(values, PRICE))
            if parsed is not None:
                price = parsed
                if price < 0:
                    error(PRICE, _("The price cannot be negative."))
                elif price >= Decimal("10000000000"):
                    error(PRICE, _("The price is too large."))
        except (ValueError, InvalidOperation):
            error(PRICE, _("“%(value)s” is not an amount in yuan.") % {"value": _text(cell(values, PRICE))})

        purchase_date = None
        try:
            purchase_date = parse_date(cell(values, DATE))
        except (ValueError, OverflowError):
            error(
                DATE,
                _("“%(value)s” is not a date; use an Excel date or YYYY-MM-DD.")
                % {"value": _text(cell(values, DATE))},
            )

        status = Asset.Status.IN_USE
        status_text = _text(cell(values, STATUS))
        if status_text:
            word = status_words.get(status_text.lower())
            if word == Asset.Status.DISPOSED:
                error(STATUS, _("Disposed assets are not imported; disposals go through a disposal request."))
            elif word == Asset.Status.ON_LOAN:
                error(STATUS, _("Import lent items as 在用 and record the loan in the lending register."))
            elif word:
                status = word
            else:
                error(STATUS, _("Enter one of: %(values)s.") % {"values": "、".join(TEMPLATE_STATUSES)})

        if not errors:
            data = {"price": price}
            services.apply_valuable_rule(campus, data, threshold=threshold)
            asset = Asset(
                campus=campus, tag=tag or "-", name=name, category=category, model_spec=texts[SPEC],
                brand=texts[BRAND], unit=texts[UNIT] or "件", quantity=quantity, price=price,
                purchase_date=purchase_date, room=references[ROOM], custodian=references[CUSTODIAN],
                supplier=references[SUPPLIER], invoice_number=texts[INVOICE], status=status,
                is_valuable=data.get("is_valuable", False), note=texts[NOTE],
            )  # fmt: skip
            try:
                # Foreign keys and uniqueness were checked above against the campus.
                asset.full_clean(
                    exclude=["campus", "category", "room", "custodian", "supplier"],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as exc:
                for field_name, messages in exc.message_dict.items():
                    for message in messages:
                        error(FIELD_COLUMNS.get(field_name, ""), message)
            prepared.append((asset, bool(tag)))
        result.errors.extend(errors)

    if result.errors:
        return result

    file_name = getattr(file, "name", "") or "xlsx"
    try:
        with transaction.atomic():
            for asset, has_tag in prepared:
                if not has_tag:
                    asset.tag = next_number(campus=campus, prefix=services.TAG_PREFIX)
            new_tags = [a.tag.upper() for a, has_tag in prepared if not has_tag]
            if new_tags and Asset._base_manager.filter(campus=campus, tag__in=new_tags).exists():
                raise IntegrityError("automatic number already used")
            created = _bulk_insert(actor, campus, [a for a, _t in prepared], file_name)
            audit.record(
                actor=actor,
                action="assets_import",
                campus=campus,
                after={"file": file_name, "assets": created},
                message=_("%(n)s assets imported from %(file)s") % {"n": created, "file": file_name},
            )
    except IntegrityError:
        result.file_error = _(
            "A tag number was taken while the file was checked (someone else registered assets, or an automatic "
            "number is already used by hand). Nothing was imported; please upload the file again."
        )
        return result
    result.created = len(prepared)
    return result


def _bulk_insert(actor, campus, assets, file_name) -> int:
    """Insert the checked assets and one "import" audit event for each."""
    from django.contrib.contenttypes.models import ContentType

    from houqin.core.models import AuditEvent
    from houqin.core.pinyin import pinyin_key

    for asset in assets:  # bulk_create skips save(), which sets the pinyin key
        asset.name_pinyin = pinyin_key(asset.name)
    created = Asset._base_manager.bulk_create(assets, batch_size=500)
    if any(a.pk is None for a in created):  # pragma: no cover - backends without RETURNING
        raise RuntimeError("the import needs a database that returns the new ids")
    ctx = audit.current_context()
    content_type = ContentType.objects.get_for_model(Asset, for_concrete_model=True)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    message = (_("Imported from %(file)s") % {"file": file_name})[:300]
    AuditEvent.objects.with_scopes_disabled().bulk_create(
        [
            AuditEvent(
                campus_id=campus.pk,
                actor=actor,
                actor_repr=(str(actor) if actor else ctx.get("source") or "system")[:80],
                action="import",
                content_type=content_type,
                object_id=str(a.pk),
                object_repr=str(a)[:200],
                after=audit.snapshot(a),
                message=message,
                request_id=ctx.get("request_id", ""),
                source=ctx.get("source", ""),
                ip_address=ctx.get("ip"),
            )  # fmt: skip
            for a in created
        ],
        batch_size=500,
    )
    return len(created)


def asset_template(campus) -> bytes:
    """The .xlsx template: headers, formats, drop-downs, and a sheet with instructions and
    the campus's categories, rooms and members."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from houqin.core.forms import campus_users

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "资产台账"
    sheet.append(HEADERS)
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FDE68A")
    widths = {NAME: 18, SPEC: 16, ROOM: 16, SUPPLIER: 18, NOTE: 20, TAG: 16, DATE: 12}
    for index, header in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font = bold
        if header in REQUIRED_HEADERS:
            cell.fill = required_fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(header, 10)
        if header in (TAG, INVOICE):
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = "@"
        if header == DATE:
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = "yyyy-mm-dd"
        if header == PRICE:
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = "0.00"
    sheet.freeze_panes = "A2"

    info = workbook.create_sheet("说明")
    info.append([_("Column"), _("Required"), _("How to fill it in")])
    for c in info[1]:
        c.font = bold
    notes = {
        TAG: _("Optional; leave empty for the next automatic number. Must be unique on the campus."),
        NAME: _("What the asset is, e.g. 钢琴."),
        CATEGORY: _("The name of one of this campus's asset categories (list on the right)."),
        SPEC: _("Model or specification."),
        UNIT: _("Empty: 件."),
        QUANTITY: _("Empty: 1. Fixed assets have one row per item; low-value items may be a set."),
        PRICE: _("Unit price in yuan."),
        DATE: _("An Excel date or text like 2024-09-01 or 2024/9/1."),
        ROOM: _("The room number or name (list on the right)."),
        CUSTODIAN: _(
            "Real name, user name or mobile number of a campus member. Required for valuable items."
        ),
        SUPPLIER: _("The name of a supplier already entered in purchasing."),
        STATUS: "、".join(TEMPLATE_STATUSES) + " " + _("(empty: 在用)"),
    }
    for header in HEADERS:
        info.append([header, _("Yes") if header in REQUIRED_HEADERS else _("No"), str(notes.get(header, ""))])
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 8
    info.column_dimensions["C"].width = 60
    lists = [
        (_("Categories"), list(
            AssetCategory._base_manager.filter(campus=campus, is_active=True).order_by("kind", "code", "name")
            .values_list("name", flat=True)
        )),
        (_("Rooms"), [
            f"{r.code} {r.name}" for r in Room._base_manager.filter(campus=campus, is_active=True)
            .select_related("building").order_by("building__name", "floor", "code")
        ]),
        (_("Members"), [u.real_name or u.username for u in campus_users(campus)]),
    ]  # fmt: skip
    list_ranges = {}
    for offset, (title, values) in enumerate(lists):
        column = 5 + offset
        info.cell(row=1, column=column, value=str(title)).font = bold
        for row, value in enumerate(values, start=2):
            info.cell(row=row, column=column, value=value)
        letter = get_column_letter(column)
        info.column_dimensions[letter].width = 18
        if values:
            list_ranges[offset] = f"'说明'!${letter}$2:${letter}${len(values) + 1}"

    def dropdown(formula, header):
        column = get_column_letter(HEADERS.index(header) + 1)
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
        validation.add(f"{column}2:{column}2000")
        sheet.add_data_validation(validation)

    dropdown('"' + ",".join(TEMPLATE_STATUSES) + '"', STATUS)
    for offset, header in ((0, CATEGORY), (1, ROOM), (2, CUSTODIAN)):
        if offset in list_ranges:
            dropdown(list_ranges[offset], header)

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
