"""Safety and gate models, one module per area."""

from .gate import *  # noqa: F401,F403
from .hazards import *  # noqa: F401,F403
