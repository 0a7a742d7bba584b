"""API of the supply area: Food suppliers, receiving inspection and the food store (定点供应商、进货查验、食品仓库)."""

from ninja import Router

router = Router(tags=["canteen-supply"])
