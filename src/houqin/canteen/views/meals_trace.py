"""The traceability report of a meal (追溯): on screen and as an A4 print."""

from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from houqin.canteen.meals_forms import TraceForm
from houqin.canteen.meals_trace import trace_report
from houqin.core.views.generic import CampusViewMixin

VIEW_TRACE = "canteen.view_trace"


class TraceView(CampusViewMixin, TemplateView):
    template_name = "canteen/meals_trace.html"
    permission_required = VIEW_TRACE
    title = gettext_lazy("Traceability report (追溯)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        bound = "date" in request.GET
        form = TraceForm(request.GET if bound else None, campus=request.campus)
        ctx["form"] = form
        ctx["report"] = None
        if bound and form.is_valid():
            ctx["report"] = trace_report(request.campus, form.cleaned_data["date"], form.cleaned_data["meal"])
            ctx["query"] = request.GET.urlencode()
        return ctx


class TracePrintView(TraceView):
    template_name = "canteen/meals_trace_print.html"


urlpatterns = [
    path("trace/", TraceView.as_view(), name="meals_trace"),
    path("trace/print/", TracePrintView.as_view(), name="meals_trace_print"),
]
