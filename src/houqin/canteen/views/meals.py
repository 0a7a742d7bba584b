"""Pages of the meals area (智能排餐、追溯、陪餐、膳委会) under /c/<campus>/canteen/:
accompanying meals (``companions/``), the dietary committee (``committee/``), the menu
generator (``generator/``) and the traceability report (``trace/``). Each side lives in its
own ``views/meals_*.py`` module; ``urlpatterns`` gathers them."""


def _gather():
    from houqin.canteen.views import meals_committee, meals_companions, meals_generator, meals_trace

    return [
        *meals_companions.urlpatterns,
        *meals_committee.urlpatterns,
        *meals_generator.urlpatterns,
        *meals_trace.urlpatterns,
    ]


urlpatterns = _gather()
