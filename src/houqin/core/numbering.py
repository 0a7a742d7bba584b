"""Per-campus document numbers: ``CG-2026-0001``, ``SQ-2026-0002``…

One counter per (campus, prefix, year) in :class:`~houqin.core.models.NumberSequence`.
The counter row is locked with ``SELECT … FOR UPDATE`` for the rest of the caller's
transaction, so two concurrent requests never receive the same number and a rolled-back
document gives its number back. The first number of a year creates the row; when two
writers race to create it, the loser's INSERT fails on the unique constraint inside a
savepoint and it locks the winner's row instead (``get_or_create`` does exactly that).
"""

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

PREFIX_RE = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
_ATTEMPTS = 3


def format_number(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:04d}"


def next_number(*, campus, prefix: str, on_date=None) -> str:
    """Take the next number for ``prefix`` on the campus in the year of ``on_date`` (today).

    Call it inside the transaction that saves the numbered document, so that the number
    and the document are committed (or rolled back) together.
    """
    from houqin.core.models import NumberSequence

    if not PREFIX_RE.match(prefix or ""):
        raise ValueError(
            f"A number prefix is 1–10 upper-case letters or digits starting with a letter: {prefix!r}"
        )
    if on_date is None:
        on_date = timezone.localdate()
    elif isinstance(on_date, dt.datetime) and timezone.is_aware(on_date):
        on_date = timezone.localtime(on_date)
    year = on_date.year
    campus_id = getattr(campus, "pk", campus)

    sequences = NumberSequence.objects.with_scopes_disabled()
    for attempt in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                seq, _created = sequences.select_for_update().get_or_create(
                    campus_id=campus_id, prefix=prefix, year=year
                )
                seq.last_value += 1
                seq.save(update_fields=["last_value", "updated_at"])
                return format_number(prefix, year, seq.last_value)
        except IntegrityError:
            # Lost the race to create the year's row and the row was not visible yet;
            # try again: the next get() sees (and waits for) the winner's row.
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
