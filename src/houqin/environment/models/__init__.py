"""Models of Environment, cleaning and greening (环境), one module per area."""

from houqin.environment.models.environment import *  # noqa: F401,F403
