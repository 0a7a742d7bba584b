"""API of the growth area: Health cards, measurements, exams and growth evaluation (体检与生长发育)."""

from ninja import Router

router = Router(tags=["health-growth"])
