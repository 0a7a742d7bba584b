"""Schemas several routers share."""

from ninja import Field, Schema


class AttachmentOut(Schema):
    """A photo or scan attached to an object (``core.attachments``)."""

    id: int
    kind: str
    name: str = Field(alias="original_name")
    mime_type: str
    size: int
