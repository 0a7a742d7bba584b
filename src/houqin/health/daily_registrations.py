"""Registrations of the daily area: Attendance, morning and midday checks, all-day observation (出勤、晨午检、全日观察)."""
