"""API of the meals area: Menu generation, traceability, accompanying meals and the dietary committee (智能排餐、追溯、陪餐、膳委会)."""

from ninja import Router

router = Router(tags=["canteen-meals"])
