"""Pages of the care area: Special-care registers and health-care reports (体弱儿/肥胖儿专案、保健统计)."""

urlpatterns = []
