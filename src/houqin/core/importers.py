"""Excel imports. All or nothing: every row is validated first, every problem is reported
with its row number and column, and rows are only written when the whole file is clean —
in one transaction, with one audit event per imported record plus a summary event.
"""

import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.forms_core import id_number_birth_date
from houqin.core.models import Child, Guardian, SchoolClass
from houqin.core.validators import validate_id_number, validate_phone

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
MAX_EMPTY_RUN = 2000

# The column headers of the children template (the file format; not translated).
NAME, SEX, BIRTH, CLASS, STUDENT_NO, ID_NUMBER, ENROLLED, ALLERGIES, DIET = (
    "姓名",
    "性别",
    "出生日期",
    "班级",
    "学号",
    "身份证号",
    "入园日期",
    "过敏",
    "特殊饮食",
)
G_NAME, G_RELATION, G_PHONE = "监护人{n}姓名", "监护人{n}关系", "监护人{n}电话"
GUARDIAN_SLOTS = (1, 2)
CHILD_HEADERS = [NAME, SEX, BIRTH, CLASS, STUDENT_NO, ID_NUMBER, ENROLLED, ALLERGIES, DIET] + [
    h.format(n=n) for n in GUARDIAN_SLOTS for h in (G_NAME, G_RELATION, G_PHONE)
]
REQUIRED_HEADERS = [NAME, SEX, BIRTH, CLASS, G_NAME.format(n=1), G_RELATION.format(n=1), G_PHONE.format(n=1)]

SEX_VALUES = {"男": Child.Sex.MALE, "女": Child.Sex.FEMALE, "M": Child.Sex.MALE, "F": Child.Sex.FEMALE}
RELATION_VALUES = {
    "父亲": Guardian.Relation.FATHER,
    "爸爸": Guardian.Relation.FATHER,
    "母亲": Guardian.Relation.MOTHER,
    "妈妈": Guardian.Relation.MOTHER,
    "爷爷": Guardian.Relation.GRANDFATHER,
    "祖父": Guardian.Relation.GRANDFATHER,
    "外公": Guardian.Relation.GRANDFATHER,
    "外祖父": Guardian.Relation.GRANDFATHER,
    "奶奶": Guardian.Relation.GRANDMOTHER,
    "祖母": Guardian.Relation.GRANDMOTHER,
    "外婆": Guardian.Relation.GRANDMOTHER,
    "外祖母": Guardian.Relation.GRANDMOTHER,
    "其他": Guardian.Relation.OTHER,
}
TEMPLATE_RELATIONS = ["父亲", "母亲", "爷爷", "奶奶", "外公", "外婆", "其他"]
# What people type in "allergies" when there are none.
NONE_WORDS = {"无", "没有", "无过敏", "否", "/", "-", "—", "none", "no", "n/a"}

CHILD_FIELD_COLUMNS = {
    "name": NAME,
    "sex": SEX,
    "birth_date": BIRTH,
    "school_class": CLASS,
    "student_no": STUDENT_NO,
    "id_number": ID_NUMBER,
    "enrolled_on": ENROLLED,
    "allergies": ALLERGIES,
    "special_diet": DIET,
}


@dataclass
class RowError:
    row: int  # the row number as Excel shows it
    column: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


class _RowInvalid(Exception):
    pass


# --- Cell parsing ------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_date(value):
    """An Excel date cell, or text like 2021-03-05 (also 2021/3/5, 2021.3.5, 2021年3月5日, 20210305)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = int(value)
        if 19000101 <= number <= 21001231:
            return dt.datetime.strptime(str(number), "%Y%m%d").date()
        if 1 <= value < 80000:  # an Excel serial number in a cell not formatted as a date
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
        raise ValueError
    text = str(value).strip()
    if re.fullmatch(r"\d{8}", text):
        return dt.datetime.strptime(text, "%Y%m%d").date()
    match = _DATE_RE.match(text)
    if not match:
        raise ValueError
    return dt.date(int(match[1]), int(match[2]), int(match[3]))


def _phone(text: str) -> str:
    """Spaces go; hyphens go from mobile numbers (138-0013-8000) but stay in landlines."""
    text = text.replace(" ", "")
    plain = text.replace("-", "")
    return plain if re.fullmatch(r"1\d{10}", plain) else text


def _messages(exc: ValidationError) -> list[str]:
    return list(exc.messages)


# --- The children import -----------------------------------------------------------------


def _open_rows(file, result: ImportResult):
    """The non-empty rows of the first worksheet as ``(excel_row_number, values)``, or None
    with ``result.file_error`` set."""
    from openpyxl import load_workbook

    size = getattr(file, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        result.file_error = _("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        return None
    if size == 0:
        result.file_error = _("The file is empty.")
        return None
    try:
        file.seek(0)
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        result.file_error = _(
            "This is not an Excel .xlsx file. If it is an old .xls file or a CSV file, open it in Excel or WPS "
            "and save it as “Excel workbook (.xlsx)”, or start from the template."
        )
        return None
    rows = []
    try:
        sheet = workbook.worksheets[0]
        empty_run = 0
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if not any(_text(v) for v in values):
                empty_run += 1
                if empty_run > MAX_EMPTY_RUN:  # formatting that reaches far below the data
                    break
                continue
            empty_run = 0
            rows.append((number, values))
            if len(rows) > MAX_ROWS + 1:
                result.file_error = _("The file holds more than %(n)s rows; split it into smaller files.") % {
                    "n": MAX_ROWS
                }
                return None
    except Exception:  # noqa: BLE001
        result.file_error = _("The file could not be read; it may be damaged. Save it again as .xlsx.")
        return None
    finally:
        workbook.close()
    return rows


def _header_map(header_row, result: ImportResult):
    columns = {}
    unknown = []
    for index, raw in enumerate(header_row or ()):
        name = re.sub(r"\s+", "", _text(raw)).rstrip("*＊")
        if not name:
            continue
        if name in columns:
            result.file_error = _("The column “%(name)s” appears twice.") % {"name": name}
            return None
        if name not in CHILD_HEADERS:
            unknown.append(name)
        columns[name] = index
    missing = [h for h in REQUIRED_HEADERS if h not in columns]
    if NAME not in columns or missing:
        result.file_error = _(
            "The first row must hold the template's column headers. Missing: %(missing)s. "
            "Download the template and copy your data into it."
        ) % {"missing": "、".join(missing)}
        return None
    if unknown:
        result.file_error = _("Unknown columns: %(names)s. Use the headers of the template.") % {
            "names": "、".join(unknown)
        }
        return None
    return columns


def children_import(*, actor, campus, file) -> ImportResult:
    """Import children with their guardians from an .xlsx made from the template.

    Validates every row and reports every problem; writes nothing unless the whole file is
    valid, and then writes everything in one transaction.
    """
    result = ImportResult()
    rows = _open_rows(file, result)
    if rows is None:
        return result
    if not rows:
        result.file_error = _("The file is empty.")
        return result
    columns = _header_map(rows[0][1], result)
    if columns is None:
        return result

    classes = {c.name.strip(): c for c in SchoolClass._base_manager.filter(campus=campus)}
    data_rows = rows[1:]
    if not data_rows:
        result.file_error = _("The file holds no children below the header row.")
        return result
    result.rows = len(data_rows)

    def cell(values, header):
        index = columns.get(header)
        return values[index] if index is not None and index < len(values) else None

    # Values that must be unique: collected from the file, checked against the campus.
    student_nos = {_text(cell(v, STUDENT_NO)) for _n, v in data_rows} - {""}
    id_numbers = {_text(cell(v, ID_NUMBER)).upper() for _n, v in data_rows} - {""}
    taken_student_nos = set(
        Child._base_manager.filter(campus=campus, student_no__in=student_nos).values_list(
            "student_no", flat=True
        )
    )
    taken_ids = set(
        Child._base_manager.filter(campus=campus, id_number__in=id_numbers).values_list(
            "id_number", flat=True
        )
    )
    seen_student_nos: dict[str, int] = {}
    seen_ids: dict[str, int] = {}

    prepared = []
    for number, values in data_rows:
        errors: list[RowError] = []

        def error(column, message, number=number, errors=errors):
            errors.append(RowError(number, column, str(message)))

        name = _text(cell(values, NAME))
        if not name:
            error(NAME, _("The name is required."))
        elif len(name) > 40:
            error(NAME, _("The name is longer than 40 characters."))

        sex_text = _text(cell(values, SEX))
        sex = SEX_VALUES.get(sex_text.upper() if sex_text.isascii() else sex_text)
        if not sex:
            error(SEX, _("Enter 男 or 女.") if sex_text else _("The sex is required."))

        birth = None
        try:
            birth = parse_date(cell(values, BIRTH))
            if birth is None:
                error(BIRTH, _("The date of birth is required."))
        except (ValueError, OverflowError):
            error(
                BIRTH,
                _("“%(value)s” is not a date; use an Excel date or YYYY-MM-DD.")
                % {"value": _text(cell(values, BIRTH))},
            )

        class_name = _text(cell(values, CLASS))
        school_class = classes.get(class_name)
        if not class_name:
            error(CLASS, _("The class is required."))
        elif school_class is None:
            error(CLASS, _("There is no class “%(name)s” on this campus.") % {"name": class_name})
        elif not school_class.is_active:
            error(CLASS, _("The class “%(name)s” is no longer active.") % {"name": class_name})

        student_no = _text(cell(values, STUDENT_NO))
        if len(student_no) > 30:
            error(STUDENT_NO, _("The student number is longer than 30 characters."))
        elif student_no:
            if student_no in seen_student_nos:
                error(
                    STUDENT_NO,
                    _("The student number %(no)s also appears in row %(row)s.")
                    % {"no": student_no, "row": seen_student_nos[student_no]},
                )
            else:
                seen_student_nos[student_no] = number
            if student_no in taken_student_nos:
                error(
                    STUDENT_NO,
                    _("A child with the student number %(no)s already exists.") % {"no": student_no},
                )

        raw_id = cell(values, ID_NUMBER)
        id_number = _text(raw_id).upper().replace(" ", "")
        if isinstance(raw_id, (int, float)) and not isinstance(raw_id, bool):
            error(
                ID_NUMBER,
                _(
                    "Excel stored the ID number as a number and may have rounded it; format the column as text and type it again."
                ),
            )
        elif id_number:
            try:
                validate_id_number(id_number)
            except ValidationError as exc:
                for message in _messages(exc):
                    error(ID_NUMBER, message)
            else:
                if birth and id_number_birth_date(id_number) != birth:
                    error(
                        ID_NUMBER, _("The date of birth in the ID number does not match the date of birth.")
                    )
                if id_number in seen_ids:
                    error(
                        ID_NUMBER,
                        _("The same ID number also appears in row %(row)s.") % {"row": seen_ids[id_number]},
                    )
                else:
                    seen_ids[id_number] = number
                if id_number in taken_ids:
                    error(ID_NUMBER, _("A child with this ID number already exists."))

        enrolled_on = None
        try:
            enrolled_on = parse_date(cell(values, ENROLLED))
        except (ValueError, OverflowError):
            error(
                ENROLLED,
                _("“%(value)s” is not a date; use an Excel date or YYYY-MM-DD.")
                % {"value": _text(cell(values, ENROLLED))},
            )

        texts = {}
        for header in (ALLERGIES, DIET):
            text = _text(cell(values, header))
            if text.lower() in NONE_WORDS:
                text = ""
            if len(text) > 200:
                error(header, _("The text is longer than 200 characters."))
            texts[header] = text

        guardians = []
        for n in GUARDIAN_SLOTS:
            g_name_col, g_rel_col, g_phone_col = (h.format(n=n) for h in (G_NAME, G_RELATION, G_PHONE))
            g_name = _text(cell(values, g_name_col))
            g_relation_text = _text(cell(values, g_rel_col))
            g_phone = _phone(_text(cell(values, g_phone_col)))
            if n > 1 and not (g_name or g_relation_text or g_phone):
                continue
            if not g_name:
                error(g_name_col, _("The guardian's name is required."))
            elif len(g_name) > 40:
                error(g_name_col, _("The name is longer than 40 characters."))
            relation = RELATION_VALUES.get(g_relation_text)
            if relation is None:
                error(
                    g_rel_col,
                    (_("Enter one of: %(values)s.") % {"values": "、".join(TEMPLATE_RELATIONS)})
                    if g_relation_text
                    else _("The relation is required."),
                )
            if not g_phone:
                error(g_phone_col, _("The guardian's phone number is required."))
            else:
                try:
                    validate_phone(g_phone)
                except ValidationError as exc:
                    for message in _messages(exc):
                        error(g_phone_col, message)
            guardians.append(
                (
                    n,
                    Guardian(
                        campus=campus, name=g_name, relation=relation or "", phone=g_phone, is_primary=n == 1
                    ),
                )
            )

        if not errors:
            child = Child(
                campus=campus,
                name=name,
                sex=sex,
                birth_date=birth,
                school_class=school_class,
                student_no=student_no,
                id_number=id_number,
                enrolled_on=enrolled_on,
                allergies=texts[ALLERGIES],
                special_diet=texts[DIET],
            )
            try:
                # Foreign keys and uniqueness were checked above against the campus.
                child.full_clean(
                    exclude=["campus", "school_class"], validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                for field_name, messages in exc.message_dict.items():
                    for message in messages:
                        error(CHILD_FIELD_COLUMNS.get(field_name, ""), message)
            for n, guardian in guardians:
                try:
                    guardian.full_clean(exclude=["campus", "child"])
                except ValidationError as exc:
                    columns_of = {"name": G_NAME, "relation": G_RELATION, "phone": G_PHONE}
                    for field_name, messages in exc.message_dict.items():
                        for message in messages:
                            error(columns_of.get(field_name, G_NAME).format(n=n), message)
            prepared.append((child, [g for _n, g in guardians]))
        result.errors.extend(errors)

    if result.errors:
        return result

    try:
        with transaction.atomic():
            for child, guardians in prepared:
                child.save()
                for guardian in guardians:
                    guardian.child = child
                    guardian.save()
                audit.record(
                    actor=actor,
                    action="import",
                    obj=child,
                    after={**audit.snapshot(child), "guardians": [audit.snapshot(g) for g in guardians]},
                    message=_("Imported from %(file)s") % {"file": getattr(file, "name", "") or "xlsx"},
                )
            audit.record(
                actor=actor,
                action="children_import",
                campus=campus,
                after={"file": getattr(file, "name", ""), "children": len(prepared)},
                message=_("%(n)s children imported from %(file)s")
                % {"n": len(prepared), "file": getattr(file, "name", "") or "xlsx"},
            )
    except IntegrityError:
        result.file_error = _(
            "Someone else changed the children while the file was checked (a student number is now taken). "
            "Nothing was imported; please upload the file again."
        )
        return result
    result.created = len(prepared)
    return result


def children_template(campus) -> bytes:
    """The .xlsx template: headers, text formats, drop-downs, and an instructions sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "幼儿名单"
    sheet.append(CHILD_HEADERS)
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FDE68A")
    for index, header in enumerate(CHILD_HEADERS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        if header in REQUIRED_HEADERS:
            cell.fill = required_fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 20 if header == ID_NUMBER else 14
        if header in (STUDENT_NO, ID_NUMBER) or header.endswith("电话"):
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = "@"
        if header in (BIRTH, ENROLLED):
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"

    info = workbook.create_sheet("说明")
    info.append([_("Column"), _("Required"), _("How to fill it in")])
    for c in info[1]:
        c.font = bold
    notes = {
        NAME: _("The child's full name."),
        SEX: "男 / 女",
        BIRTH: _("An Excel date or text like 2021-03-05."),
        CLASS: _("The name of a class of this campus, exactly as in the list on the right."),
        STUDENT_NO: _("Optional; must be unique on the campus."),
        ID_NUMBER: _("Optional; the 18-character resident ID number, typed as text."),
        ENROLLED: _("Optional; an Excel date or YYYY-MM-DD."),
        ALLERGIES: _("Leave empty when the child has none."),
        DIET: _("For example 清真 or no pork; leave empty when none."),
    }
    for header in CHILD_HEADERS:
        note = notes.get(header, "")
        if "关系" in header:
            note = "、".join(TEMPLATE_RELATIONS)
        elif "电话" in header:
            note = _("An 11-digit mobile number or a landline with its area code.")
        elif header.startswith("监护人2"):
            note = _("Optional second guardian.")
        elif header.startswith("监护人1"):
            note = _("The primary contact.")
        info.append([header, _("Yes") if header in REQUIRED_HEADERS else _("No"), str(note)])
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 8
    info.column_dimensions["C"].width = 60
    class_names = list(
        SchoolClass._base_manager.filter(campus=campus, is_active=True)
        .order_by("sort_order", "name")
        .values_list("name", flat=True)
    )
    info.cell(row=1, column=5, value=_("Classes")).font = bold
    for row, class_name in enumerate(class_names, start=2):
        info.cell(row=row, column=5, value=class_name)
    info.column_dimensions["E"].width = 16

    def dropdown(formula, header):
        column = get_column_letter(CHILD_HEADERS.index(header) + 1)
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.add(f"{column}2:{column}1000")
        sheet.add_data_validation(validation)

    dropdown('"男,女"', SEX)
    for n in GUARDIAN_SLOTS:
        dropdown('"' + ",".join(TEMPLATE_RELATIONS) + '"', G_RELATION.format(n=n))
    if class_names:
        dropdown(f"'说明'!$E$2:$E${len(class_names) + 1}", CLASS)

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
