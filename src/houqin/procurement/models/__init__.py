"""Models of Procurement and warehouse (采购与库房), one module per area."""

from houqin.procurement.models.purchasing import *  # noqa: F401,F403
from houqin.procurement.models.shared import *  # noqa: F401,F403
from houqin.procurement.models.warehouse import *  # noqa: F401,F403
