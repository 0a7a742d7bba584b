"""Registrations of the growth area: Health cards, measurements, exams and growth evaluation (体检与生长发育)."""
