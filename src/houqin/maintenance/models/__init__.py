"""Models of Maintenance (维修), one module per area."""

from houqin.maintenance.models.repairs import *  # noqa: F401,F403
