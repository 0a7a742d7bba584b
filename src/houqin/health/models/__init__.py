"""Models of health care (卫生保健), one module per area."""

from houqin.health.models.attendance import *  # noqa: F401,F403
from houqin.health.models.care import *  # noqa: F401,F403
from houqin.health.models.daily import *  # noqa: F401,F403
from houqin.health.models.disease import *  # noqa: F401,F403
from houqin.health.models.growth import *  # noqa: F401,F403
