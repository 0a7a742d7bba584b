"""Models of Environment, cleaning and greening (环境), one module per area."""

from houqin.environment.models.greening import *  # noqa: F401,F403
from houqin.environment.models.inspections import *  # noqa: F401,F403
from houqin.environment.models.rooms import *  # noqa: F401,F403
from houqin.environment.models.zones import *  # noqa: F401,F403
