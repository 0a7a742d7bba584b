"""Models of the canteen (食堂、食品安全与膳食营养), one module per area."""

from houqin.canteen.models.meals import *  # noqa: F401,F403
from houqin.canteen.models.nutrition import *  # noqa: F401,F403
from houqin.canteen.models.safety import *  # noqa: F401,F403
from houqin.canteen.models.store import *  # noqa: F401,F403
from houqin.canteen.models.supply import *  # noqa: F401,F403
