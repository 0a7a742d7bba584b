"""Pinyin keys so Chinese names can be found by full pinyin or by initials.

``pinyin_key("张小明")`` → ``"zhangxiaoming zxm"``: a search for "zhangx", "xiaoming" or
"zxm" matches with a plain ``icontains``.
"""

from django.db.models import Q
from pypinyin import Style, lazy_pinyin


def pinyin_key(text: str) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    full = lazy_pinyin(text, style=Style.NORMAL, errors="default")
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return f"{''.join(full)} {''.join(initials)}".lower().replace(" ", " ")[:400]


def pinyin_q(query: str, *fields: str, pinyin_field: str = "name_pinyin") -> Q:
    """A Q object matching ``query`` in any of ``fields`` or in the pinyin key."""
    query = (query or "").strip()
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": query})
    if pinyin_field and query.isascii():
        condition |= Q(**{f"{pinyin_field}__icontains": query.replace(" ", "").lower()})
    return condition
