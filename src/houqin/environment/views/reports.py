"""The environment's term report: cleaning scores per zone by month (and week) with the term
ranking, cleaning and greening routine completion, functional-room usage, dormitory
inspections and hygiene problems; each table exports to .xlsx, the whole prints on A4."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from houqin.core.exports import xlsx_response
from houqin.core.permissions import has_perm
from houqin.core.settings_registry import campus_setting
from houqin.core.views.generic import CampusViewMixin
from houqin.environment import selectors
from houqin.environment.forms import TermForm
from houqin.environment.views.common import campus_url

EXPORTS = ("scores", "weeks", "classes", "cleaning", "greening", "rooms", "room_classes", "dormitories")


def _rate(stats):
    return stats["rate"] if stats else None


class ReportView(CampusViewMixin, TemplateView):
    template_name = "environment/report.html"
    permission_required = "environment.view_environment"
    title = gettext_lazy("Environment term report")

    def get(self, request, *args, **kwargs):
        form = TermForm(request.GET or None, campus=request.campus)
        term = form.cleaned_data.get("term") if form.is_bound and form.is_valid() else None
        term = term or selectors.current_term(request.campus)
        report = selectors.term_report(request.campus, term) if term is not None else None
        export = request.GET.get("export")
        if report is not None and export in EXPORTS:
            if not has_perm(request, "core.export"):
                raise PermissionDenied
            return self.export(report, export)
        return self.render_to_response(self.get_context_data(form=form, report=report, term=term))

    def export(self, report, which):
        campus = self.request.campus
        months, weeks = report["months"], report["weeks"]
        if which == "scores":
            title = _("Cleaning scores by month")
            columns = [
                (_("Zone"), lambda r: r["zone"].name),
                (_("Responsible"), lambda r: r["zone"].responsible_label),
                *[(m.strftime("%Y-%m"), (lambda r, i=i: r["months"][i])) for i, m in enumerate(months)],
                (_("Term score"), "score"),
                (_("Rank"), "rank"),
                (_("Inspections"), "inspections"),
            ]
            rows = report["zones"]
        elif which == "weeks":
            title = _("Cleaning scores by week")
            columns = [
                (_("Zone"), lambda r: r["zone"].name),
                *[(w.strftime("%m-%d"), (lambda r, i=i: r["weeks"][i])) for i, w in enumerate(weeks)],
                (_("Term score"), "score"),
            ]
            rows = report["zones"]
        elif which == "classes":
            title = _("Class ranking")
            columns = [(_("Rank"), "rank"), (_("Class"), "label"), (_("Head teacher"), "responsible"),
                       (_("Score (of 100)"), "score"), (_("Zones"), "zones"), (_("Passed"), "passed")]  # fmt: skip
            rows = report["class_ranking"]
        elif which == "cleaning":
            title = _("Cleaning routine completion")
            columns = [
                (_("Zone"), lambda r: r["zone"].name),
                (_("Due"), lambda r: (r["routines"] or {}).get("total")),
                (_("Done"), lambda r: (r["routines"] or {}).get("done")),
                (_("Missed"), lambda r: (r["routines"] or {}).get("missed")),
                (_("Rate (%)"), lambda r: _rate(r["routines"])),
            ]
            rows = report["zones"]
        elif which == "greening":
            title = _("Greening task completion")
            columns = [
                (_("Area"), lambda r: r["area"].name),
                (_("Kind"), lambda r: r["area"].get_kind_display()),
                (_("Due"), lambda r: r["stats"]["all"]["total"]),
                (_("Done"), lambda r: r["stats"]["all"]["done"]),
                (_("Missed"), lambda r: r["stats"]["all"]["missed"]),
                (_("Rate (%)"), lambda r: r["stats"]["all"]["rate"]),
            ]
            rows = report["areas"]
        elif which == "rooms":
            title = _("Functional room usage")
            columns = [(_("Room"), lambda r: str(r["room"])), (_("Uses"), "uses"), (_("Per week"), "per_week"),
                       (_("Classes"), "classes"), (_("Children"), "children"), (_("Problems found"), "problems"),
                       (_("Last use"), "last")]  # fmt: skip
            rows = report["rooms"]["rooms"]
        elif which == "room_classes":
            title = _("Functional room uses by class")
            rooms = report["rooms"]["room_list"]
            columns = [
                (_("Class"), lambda r: r["school_class"].name),
                *[(room.name, (lambda r, i=i: r["cells"][i])) for i, room in enumerate(rooms)],
                (_("Total"), "total"),
            ]
            rows = report["rooms"]["classes"]
        else:
            title = _("Dormitory inspections")
            columns = [(_("Room"), lambda r: str(r["room"])), (_("Inspections"), "inspections"),
                       (_("Passed"), "passed"), (_("Pass rate (%)"), "rate"), (_("Failed items"), "failed_items"),
                       (_("Last inspection"), "last")]  # fmt: skip
            rows = report["dormitories"]
        full_title = f"{report['term'].name} {title}"
        return xlsx_response(filename=f"{full_title}-{campus.display_name}.xlsx", title=title, columns=columns,
                             rows=rows)  # fmt: skip

    def get_context_data(self, form=None, report=None, term=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("export", None)
        if term is not None and "term" not in params:
            params["term"] = term.pk
        ctx.update({
            "form": form, "report": report, "term": term, "querystring": params.urlencode(),
            "can_export": has_perm(self.request, "core.export"),
            "pass_score": campus_setting(self.request.campus, "environment.pass_score"),
            "print_url": campus_url(self.request, "environment:report_print") + "?" + params.urlencode(),
            "chart": [{"name": r["label"], "score": float(r["score"])} for r in (report or {}).get("ranking", [])][:40],
            "today": timezone.localdate(),
        })  # fmt: skip
        return ctx


class ReportPrintView(ReportView):
    template_name = "environment/report_print.html"

    def get_title(self):
        return _("Environment and hygiene term report (环境卫生学期报表)")
