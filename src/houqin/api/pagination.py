"""Limit/offset pagination for every list: ``?limit=50&offset=0`` → ``{"count", "items"}``.

``limit`` defaults to 50 and is capped at 200 (a larger value is served as 200, so a
client cannot ask for the whole table in one request); ``offset`` counts from 0.
"""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import PaginationBase

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class LimitOffset(PaginationBase):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, description=f"Rows per page (at most {MAX_LIMIT}).")
        offset: int = Field(0, ge=0, description="Rows to skip.")

    class Output(Schema):
        count: int
        items: list[Any]

    def paginate_queryset(self, queryset, pagination: Input, request, **params):
        limit = min(pagination.limit, MAX_LIMIT)
        offset = pagination.offset
        return {"count": self._items_count(queryset), "items": list(queryset[offset : offset + limit])}
