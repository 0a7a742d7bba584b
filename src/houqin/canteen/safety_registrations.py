"""Registrations of the safety area: Sample retention, hygiene logs and kitchen staff (留样、卫生记录、从业人员)."""
