"""Infectious disease: the seeded list, isolation from the disease's days, return to class
(refused early, certificate required), terminal disinfection, outbreak alerts at 3 in a
day and 5 in 3 days (not at 2 or 4), the 24-hour report, class quarantine refusing
enrolment and moves, permissions and campus isolation."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from houqin.core.models import AuditEvent, CampusSettings, Child, Notification
from houqin.core.services import object_save
from houqin.health import disease_services as services
from houqin.health.models import ClassQuarantine, DiseaseCase, OutbreakAlert, TerminalDisinfection
from tests import factories as f
from tests.conftest import login
from tests.health.disease_helpers import diseases, kids, klass, people, png  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(n):
    return TODAY - dt.timedelta(days=n)


def record(people, child, disease, onset, **kw):  # noqa: F811
    return services.case_record(actor=people["health"], campus=child.campus, child=child, disease=disease,
                                onset_date=onset, symptoms=kw.pop("symptoms", "发热、手足疱疹"), **kw)  # fmt: skip


def test_the_common_diseases_are_seeded_once(campus, diseases):  # noqa: F811
    assert {"手足口病", "流行性腮腺炎", "流感", "水痘", "诺如病毒感染", "猩红热", "麻疹", "风疹", "急性出血性结膜炎",
            "细菌性痢疾"} <= set(diseases)  # fmt: skip
    hfmd = diseases["手足口病"]
    assert (hfmd.cluster_cases, hfmd.cluster_days, hfmd.class_cluster_cases) == (5, 7, 2)
    assert (diseases["麻疹"].cluster_cases, diseases["麻疹"].cluster_days) == (2, 10)
    assert (diseases["细菌性痢疾"].cluster_cases, diseases["细菌性痢疾"].cluster_days) == (10, 3)
    assert diseases["水痘"].isolation_days == 14 and diseases["麻疹"].isolation_days == 7
    assert services.diseases_ensure(campus) == 0


def test_isolation_from_the_disease_days_and_a_disinfection_task(people, kids, diseases):  # noqa: F811
    case = record(people, kids[0], diseases["水痘"], days_ago(2))
    assert case.number.startswith("CRB-")
    assert case.isolation_from == days_ago(2) and case.isolation_until == days_ago(2) + dt.timedelta(days=13)
    assert case.earliest_return == days_ago(2) + dt.timedelta(days=14)
    task = case.disinfection
    assert task.status == "pending" and task.due_date == TODAY + dt.timedelta(days=1)
    second = record(people, kids[1], diseases["水痘"], days_ago(1))
    assert second.disinfection == task  # one open task per class
    assert AuditEvent.objects.filter(action="case_record", object_id=str(case.pk)).exists()
    assert Notification.objects.filter(recipient=people["teacher"], event="health.disease.case").count() == 2
    with pytest.raises(ValidationError):  # the same child, the same open disease
        record(people, kids[0], diseases["水痘"], days_ago(1))
    with pytest.raises(ValidationError):
        record(people, kids[2], diseases["水痘"], TODAY + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.case_record(actor=people["teacher"], campus=kids[0].campus, child=kids[3],
                             disease=diseases["流感"], onset_date=TODAY)  # fmt: skip


def test_return_refused_before_the_isolation_ends(people, kids, diseases):  # noqa: F811
    case = record(people, kids[0], diseases["流感"], days_ago(8))  # 7 days: isolation until 2 days ago
    assert case.isolation_until == days_ago(2)
    late = record(people, kids[1], diseases["水痘"], days_ago(3))  # until in 10 days
    with pytest.raises(ValidationError) as exc:
        services.case_return(actor=people["health"], case=late, returned_on=TODAY, certificate_date=TODAY,
                             certificate=png())  # fmt: skip
    assert "returned_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.case_return(actor=people["health"], case=late, returned_on=late.isolation_until,
                             certificate_date=TODAY, certificate=png())  # fmt: skip
    assert "returned_on" in exc.value.message_dict  # the last isolation day is still isolation
    with pytest.raises(ValidationError) as exc:
        services.case_return(actor=people["health"], case=case, returned_on=TODAY, certificate_date=TODAY,
                             certificate=None)  # fmt: skip
    assert (
        gettext("A medical certificate (复课证明) is required to return to class.")
        in exc.value.message_dict["certificate"]
    )
    case.refresh_from_db()
    assert case.status == "isolating"
    services.case_return(actor=people["health"], case=case, returned_on=TODAY, certificate_date=days_ago(1),
                         certificate=png())  # fmt: skip
    case.refresh_from_db()
    assert (
        case.status == "returned"
        and case.returned_on == TODAY
        and case.return_recorded_by == people["health"]
    )
    with pytest.raises(ValidationError):
        services.case_return(actor=people["health"], case=case, returned_on=TODAY, certificate_date=TODAY,
                             certificate=png())  # fmt: skip


def test_extend_and_void(people, kids, diseases):  # noqa: F811
    case = record(people, kids[0], diseases["流感"], days_ago(1))
    with pytest.raises(ValidationError):
        services.case_extend(actor=people["health"], case=case, until=case.isolation_until, reason="未退热")
    services.case_extend(actor=people["health"], case=case, until=case.isolation_until + dt.timedelta(days=3),
                         reason="仍发热")  # fmt: skip
    assert case.isolation_until == days_ago(1) + dt.timedelta(days=9)
    services.case_void(actor=people["health"], case=case, reason="医院排除流感")
    case.refresh_from_db()
    assert case.is_void and case.disinfection.is_void  # no other case needs the disinfection


def test_terminal_disinfection_needs_method_and_photo_and_is_overdue(people, kids, diseases, campus):  # noqa: F811
    case = record(people, kids[0], diseases["手足口病"], days_ago(4), reported_on=days_ago(3))
    task = case.disinfection
    assert task.due_date == days_ago(2) and task.is_overdue
    assert list(services.overdue_disinfections(campus)) == [task]
    with pytest.raises(ValidationError) as exc:
        services.disinfection_done(
            actor=people["childcare"], task=task, method="含氯消毒液500mg/L擦拭", photos=[]
        )
    assert "photos" in exc.value.message_dict
    services.disinfection_done(actor=people["childcare"], task=task, method="含氯消毒液500mg/L擦拭",
                               areas="桌椅、玩具、门把手", photos=[png()])  # fmt: skip
    task.refresh_from_db()
    assert task.status == "done" and task.done_by == people["childcare"] and not task.is_overdue
    assert not services.overdue_disinfections(campus).exists()
    assert record(people, kids[1], diseases["手足口病"], TODAY).disinfection != task  # a new task once done


# --- Outbreak alerts ---------------------------------------------------------------------------------


def test_three_cases_in_a_day_raise_an_alert_two_do_not(people, kids, diseases, campus):  # noqa: F811
    flu = diseases["流感"]
    record(people, kids[0], flu, days_ago(1))
    record(people, kids[1], flu, days_ago(1))
    assert not OutbreakAlert.objects.exists()
    record(people, kids[2], diseases["水痘"], days_ago(1))  # another disease does not count
    assert not OutbreakAlert.objects.exists()
    record(people, kids[3], flu, days_ago(2))  # 3 flu in 2 days: neither rule (3/day, 5/3 days)
    assert not OutbreakAlert.objects.exists()
    third = record(people, kids[4], flu, days_ago(1))
    alert = OutbreakAlert.objects.get()
    assert alert.rule == "day" and alert.case_count == 3 and set(alert.cases.all()) == {
        c for c in DiseaseCase.objects.filter(onset_date=days_ago(1), disease=flu)
    }  # fmt: skip
    assert alert.report_due_at - alert.raised_at == dt.timedelta(hours=24)
    assert third in alert.cases.all() and alert.number.startswith("YQ-")
    recipients = set(
        Notification.objects.filter(event="health.disease.outbreak").values_list("recipient", flat=True)
    )
    assert recipients == {people["principal"].pk, people["health"].pk}
    proposal = ClassQuarantine.objects.get()
    assert proposal.status == "proposed" and not proposal.active and proposal.outbreak == alert
    assert proposal.end_date == TODAY + dt.timedelta(days=flu.quarantine_days - 1)
    record(people, kids[5], flu, days_ago(1))  # a fourth case joins the open alert
    alert.refresh_from_db()
    assert OutbreakAlert.objects.count() == 1 and alert.case_count == 4
    assert Notification.objects.filter(event="health.disease.outbreak").count() == 2


def test_five_cases_in_three_days_raise_an_alert_four_do_not(people, kids, diseases):  # noqa: F811
    hfmd = diseases["手足口病"]
    for child, onset in zip(kids[:4], (days_ago(4), days_ago(3), days_ago(3), days_ago(2)), strict=True):
        record(people, child, hfmd, onset)
    record(people, kids[4], hfmd, days_ago(7))  # outside the 3-day window
    assert not OutbreakAlert.objects.exists()
    record(people, kids[5], hfmd, days_ago(2))  # 4-3-3-2-2: five within 3 days
    alert = OutbreakAlert.objects.get()
    assert alert.rule == "window" and alert.case_count == 5
    assert (alert.first_onset, alert.last_onset) == (days_ago(4), days_ago(2))


def test_thresholds_are_campus_settings(people, kids, diseases, campus):  # noqa: F811
    CampusSettings.objects.create(campus=campus, values={services.S_DAY_CASES: 2, services.S_REPORT_HOURS: 2})
    campus = type(campus).objects.get(pk=campus.pk)
    for child in kids[:2]:
        child.campus = campus
        services.case_record(actor=people["health"], campus=campus, child=child, disease=diseases["流感"],
                             onset_date=days_ago(1))  # fmt: skip
    alert = OutbreakAlert.objects.get()
    assert alert.report_due_at - alert.raised_at == dt.timedelta(hours=2)


def test_report_and_close(people, kids, diseases, campus):  # noqa: F811
    for child in kids[:3]:
        record(people, child, diseases["诺如病毒感染"], days_ago(1), symptoms="呕吐、腹泻")
    alert = OutbreakAlert.objects.get()
    assert alert.symptoms == "呕吐、腹泻" and alert.status == "open"
    with pytest.raises(ValidationError):
        services.outbreak_close(actor=people["health"], alert=alert)
    with pytest.raises(ValidationError) as exc:
        services.outbreak_report(actor=people["health"], alert=alert, reported_to="", measures="")
    assert {"reported_to", "measures"} <= set(exc.value.message_dict)
    services.outbreak_report(actor=people["health"], alert=alert, reported_to="区疾控中心 张医生", method="电话",
                             measures="班级终末消毒，晨午检加强，停止串班")  # fmt: skip
    alert.refresh_from_db()
    assert alert.status == "reported" and alert.reported_by == people["health"] and alert.reported_at
    with pytest.raises(ValidationError):
        services.outbreak_report(actor=people["health"], alert=alert, reported_to="x", measures="y")
    services.outbreak_close(actor=people["health"], alert=alert, note="末例病例隔离期满，无新发")
    assert alert.status == "closed"
    assert AuditEvent.objects.filter(action="outbreak_report", object_id=str(alert.pk)).exists()
    # pages: detail and the printable report form list the cases
    client = login(people["health"])
    page = client.get(f"/c/{campus.code}/health/outbreaks/{alert.pk}/print/").content.decode()
    assert all(c.name in page for c in kids[:3]) and "区疾控中心 张医生" in page
    assert client.get(f"/c/{campus.code}/health/outbreaks/{alert.pk}/").status_code == 200
    assert login(people["cook"]).get(f"/c/{campus.code}/health/outbreaks/").status_code == 403


def test_report_page_marks_reported(people, kids, diseases, campus):  # noqa: F811
    for child in kids[:3]:
        record(people, child, diseases["流感"], days_ago(1))
    alert = OutbreakAlert.objects.get()
    url = f"/c/{campus.code}/health/outbreaks/{alert.pk}/report/"
    assert login(people["teacher"]).post(url, {}).status_code == 403
    response = login(people["health"]).post(url, {
        "reported_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "reported_to": "区疾控中心",
        "method": "网络直报", "measures": "终末消毒",
    })  # fmt: skip
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "reported" and alert.reported_to == "区疾控中心"


# --- Quarantine --------------------------------------------------------------------------------------


def test_quarantine_refuses_enrolment_and_moves(people, kids, klass, campus):  # noqa: F811
    other = f.SchoolClassFactory(campus=campus, name="中一班")
    q = services.quarantine_create(actor=people["health"], campus=campus, school_class=klass, start_date=days_ago(1),
                                   end_date=TODAY + dt.timedelta(days=5), reason="手足口病")  # fmt: skip
    assert q.active
    message = gettext(
        "%(class)s is under quarantine until %(date)s (不收新生、不串班): no child can be enrolled into it or moved into it."
    ) % {"class": klass, "date": q.end_date}
    newcomer = Child(campus=campus, name="新同学", sex="F", birth_date=days_ago(1400), school_class=klass)
    with pytest.raises(ValidationError) as exc:
        object_save(actor=people["principal"], instance=newcomer)
    assert exc.value.message_dict["school_class"] == [message]
    mover = f.ChildFactory(campus=campus, school_class=other, name="转班生")
    mover.school_class = klass
    with pytest.raises(ValidationError):
        mover.full_clean()
    # children already in the class may still be edited; moving out is allowed
    kids[0].note = "过敏"
    kids[0].full_clean()
    kids[1].school_class = other
    kids[1].full_clean()
    # a new child into another class is fine
    Child(campus=campus, name="另一个", sex="M", birth_date=days_ago(1400), school_class=other).full_clean()
    services.quarantine_end(actor=people["health"], quarantine=q, reason="检疫期满")
    assert not q.active and q.status == "lifted"
    newcomer.full_clean()


def test_quarantine_in_the_future_or_proposed_does_not_refuse(people, klass, campus):  # noqa: F811
    f.ClassQuarantineFactory(campus=campus, school_class=klass, start_date=TODAY + dt.timedelta(days=1))
    f.ClassQuarantineFactory(campus=campus, school_class=klass, status="proposed")
    Child(campus=campus, name="新同学", sex="F", birth_date=days_ago(1400), school_class=klass).full_clean()
    with pytest.raises(ValidationError):
        services.check_merge([klass], TODAY + dt.timedelta(days=2))
    services.check_merge([klass], TODAY)


def test_proposed_quarantine_confirmed_and_overlaps_refused(people, klass, campus):  # noqa: F811
    proposal = f.ClassQuarantineFactory(campus=campus, school_class=klass, status="proposed")
    assert not proposal.active
    services.quarantine_confirm(actor=people["health"], quarantine=proposal)
    assert proposal.active and proposal.confirmed_by == people["health"]
    assert services.quarantine_in_force(campus, klass) == proposal
    with pytest.raises(ValidationError):
        services.quarantine_create(actor=people["health"], campus=campus, school_class=klass, start_date=TODAY,
                                   end_date=TODAY + dt.timedelta(days=3))  # fmt: skip
    with pytest.raises(ValidationError):
        services.quarantine_confirm(actor=people["health"], quarantine=proposal)
    with pytest.raises(PermissionDenied):
        services.quarantine_end(actor=people["teacher"], quarantine=proposal, reason="x")


# --- Pages, permissions, isolation ------------------------------------------------------------------------


def test_pages(people, kids, diseases, campus):  # noqa: F811
    case = record(people, kids[0], diseases["流感"], days_ago(1))
    client = login(people["health"])
    for path in ("cases/", "cases/new/", f"cases/{case.pk}/", "diseases/", "quarantines/", "outbreaks/",
                 "disinfection/terminal/", f"disinfection/terminal/{case.disinfection_id}/", "quarantines/new/",
                 f"diseases/{diseases['流感'].pk}/edit/"):  # fmt: skip
        assert client.get(f"/c/{campus.code}/health/{path}").status_code == 200, path
    response = client.get(f"/c/{campus.code}/health/cases/new/?child={kids[1].pk}&date={days_ago(2)}")
    assert response.context["form"].initial["onset_date"] == days_ago(2)
    response = client.post(f"/c/{campus.code}/health/cases/new/", {
        "child": kids[1].pk, "disease": diseases["流感"].pk, "onset_date": days_ago(2).isoformat(),
        "diagnosis_source": "hospital", "symptoms": "高热",
    })  # fmt: skip
    assert response.status_code == 302 and DiseaseCase.objects.count() == 2
    # early return through the page is refused with the message
    url = f"/c/{campus.code}/health/cases/{case.pk}/return/"
    response = client.post(url, {"returned_on": TODAY.isoformat(), "certificate_date": TODAY.isoformat(),
                                 "certificate": png()}, follow=True)  # fmt: skip
    assert DiseaseCase.objects.get(pk=case.pk).status == "isolating"
    assert str(case.isolation_until) in response.content.decode()
    # the teacher may see, not record; the cook neither; the outsider gets 404
    assert login(people["teacher"]).get(f"/c/{campus.code}/health/cases/").status_code == 200
    assert login(people["teacher"]).get(f"/c/{campus.code}/health/cases/new/").status_code == 403
    assert login(people["cook"]).get(f"/c/{campus.code}/health/cases/").status_code == 403
    assert login(people["teacher"]).post(f"/c/{campus.code}/health/diseases/seed/").status_code == 403


def test_campus_isolation(people, campus, other_campus, outsider):  # noqa: F811
    theirs = f.DiseaseCaseFactory(campus=other_campus)
    task = f.TerminalDisinfectionFactory(campus=other_campus)
    client = login(people["health"])
    assert client.get(f"/c/{campus.code}/health/cases/{theirs.pk}/").status_code == 404
    assert client.get(f"/c/{campus.code}/health/disinfection/terminal/{task.pk}/").status_code == 404
    assert (
        client.post(f"/c/{campus.code}/health/cases/{theirs.pk}/void/", {"void-reason": "x"}).status_code
        == 404
    )
    assert login(outsider).get(f"/c/{campus.code}/health/cases/").status_code == 404
    assert TerminalDisinfection.objects.filter(campus=campus).count() == 0
