"""Streaming .xlsx exports of any list.

openpyxl's write-only mode writes each row to disk as it is appended, and the finished
workbook goes to a temporary file that :class:`~django.http.FileResponse` streams and then
deletes, so memory stays flat however many rows a campus has. Pass querysets with
``.iterator(chunk_size=2000)``.

``columns`` is ``[(header, accessor)]``: an accessor is an attribute path
(``"school_class.name"``; a missing link gives an empty cell) or a callable ``row -> value``
(use one for choice fields: ``lambda c: c.get_sex_display()``). Dates, times, numbers and
Decimals become native Excel cells; text that looks like a formula stays text.
"""

import datetime as dt
import itertools
import re
import tempfile
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.http import FileResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 6, 60
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
_FILENAME_BAD = re.compile(r'[\\/:*?"<>|\r\n\t]')


def _resolve(row, accessor):
    if callable(accessor):
        return accessor(row)
    value = row
    for part in str(accessor).split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if callable(value) and not isinstance(value, type):
            value = value()
    return value


def cell_value(value):
    """A value openpyxl writes as a native cell (or text)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, (dt.date, dt.time, int, float, Decimal)):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return "、".join(str(cell_value(v)) for v in value if v is not None)
    text = str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text = str(value)
    longest = max(
        (len(line) + sum(1 for ch in line if ord(ch) > 0x2E80) for line in text.splitlines()), default=0
    )
    return longest


def _sheet_title(title) -> str:
    text = _SHEET_TITLE_BAD.sub(" ", str(title or "Sheet")).strip().strip("'") or "Sheet"
    return text[:31]


def _filename(filename) -> str:
    name = _FILENAME_BAD.sub("_", str(filename or "export")).strip(" .") or "export"
    if not name.lower().endswith(".xlsx"):
        name += ".xlsx"
    return name


def write_xlsx(fileobj, *, title, columns: list[tuple[object, str | Callable]], rows: Iterable):
    """Write the rows to ``fileobj`` (a path or binary file) as a one-sheet workbook."""
    wb = Workbook(write_only=True)
    wb.properties.title = str(title)
    wb.properties.creator = "Houqin"
    ws = wb.create_sheet(title=_sheet_title(title))
    headers = [str(h) for h, _acc in columns]
    accessors = [acc for _h, acc in columns]

    def values_of(row):
        return [cell_value(_resolve(row, acc)) for acc in accessors]

    rows = iter(rows)
    sample = [values_of(row) for row in itertools.islice(rows, WIDTH_SAMPLE_ROWS)]

    # Column widths and panes must be set before the first row is written.
    for idx, header in enumerate(headers, start=1):
        widest = max([_display_width(header) + 2] + [_display_width(v[idx - 1]) + 1 for v in sample])
        ws.column_dimensions[get_column_letter(idx)].width = max(MIN_WIDTH, min(MAX_WIDTH, widest))
    ws.freeze_panes = "A2"

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF7")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font, cell.fill, cell.alignment = bold, fill, centre
        header_cells.append(cell)
    ws.append(header_cells)

    def emit(values):
        out = []
        for value in values:
            if isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"  # text, never a formula
                out.append(cell)
            elif isinstance(value, dt.datetime):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "yyyy-mm-dd hh:mm"
                out.append(cell)
            else:
                out.append(value)
        ws.append(out)

    count = 0
    for values in sample:
        emit(values)
        count += 1
    for row in rows:
        emit(values_of(row))
        count += 1
    wb.save(fileobj)
    return count


def xlsx_response(*, filename, title, columns, rows) -> FileResponse:
    """A streamed .xlsx download of ``rows`` (see the module docstring for ``columns``)."""
    tmp = tempfile.NamedTemporaryFile(prefix="houqin-export-", suffix=".xlsx")  # noqa: SIM115 (closed by the response)
    try:
        write_xlsx(tmp, title=title, columns=columns, rows=rows)
        tmp.flush()
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    response = FileResponse(
        tmp, as_attachment=True, filename=_filename(filename), content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "no-store"
    return response
