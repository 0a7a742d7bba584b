"""Models of Assets (资产), one module per area."""

from houqin.assets.models.custody import *  # noqa: F401,F403
from houqin.assets.models.register import *  # noqa: F401,F403
from houqin.assets.models.stocktake import *  # noqa: F401,F403
