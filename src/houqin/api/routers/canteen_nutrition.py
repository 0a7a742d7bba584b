"""API of the nutrition area: Ingredients, dishes, weekly menus and nutrition analysis (带量食谱与营养分析)."""

from ninja import Router

router = Router(tags=["canteen-nutrition"])
