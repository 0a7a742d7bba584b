"""Procurement and warehouse (采购与库房) pages under /c/<campus>/procurement/."""

from houqin.procurement.views import purchasing, warehouse

app_name = "procurement"

urlpatterns = [*purchasing.urlpatterns, *warehouse.urlpatterns]
