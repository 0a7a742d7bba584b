"""The rule settings page and its audited service."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from houqin.core.models import AuditEvent, Campus, CampusSettings
from houqin.core.settings_registry import all_settings, campus_setting, get_setting
from houqin.core.settings_services import campus_settings_update


def settings_url(campus):
    return reverse("core:settings", kwargs={"campus": campus.code})


def form_data(campus, **changes):
    """The settings form as the browser would post it: every current value, some changed."""
    data = {}
    for s in all_settings():
        value = campus_setting(campus, s.key)
        name = s.key.replace(".", "__")
        if s.kind == "bool":
            if value:
                data[name] = "on"
        else:
            data[name] = s.to_json(value)
    for key, value in changes.items():
        data[key.replace(".", "__")] = value
    return data


def stored(campus):
    row = CampusSettings.objects.filter(campus=campus).first()
    return row.values if row else {}


def test_page_lists_every_setting_grouped_by_module(member_client, campus):
    response = member_client.get(settings_url(campus))
    assert response.status_code == 200
    for s in all_settings():
        assert f'data-setting="{s.key}"' in response.text
    for module in {s.module for s in all_settings()}:
        assert f'id="settings-{module}"' in response.text
    assert "48" in response.text  # the retention default is shown


def test_below_national_minimum_is_refused_and_nothing_saved(member_client, campus):
    data = form_data(campus, **{"canteen.sample_retention_hours": "24", "canteen.sample_min_grams": "200"})
    response = member_client.post(settings_url(campus), data)
    assert response.status_code == 200
    # the message sits next to the field
    assert 'data-testid="error-canteen.sample_retention_hours"' in response.text
    error = response.context["form"].errors["canteen__sample_retention_hours"][0]
    assert "48" in error
    # the valid change in the same submission is not saved either
    assert stored(campus) == {}
    assert not AuditEvent.objects.filter(action="settings_update").exists()


def test_stricter_value_is_saved_and_audited(member_client, member, campus):
    data = form_data(campus, **{"canteen.sample_retention_hours": "72"})
    response = member_client.post(settings_url(campus), data)
    assert response.status_code == 302
    assert stored(campus) == {"canteen.sample_retention_hours": 72}
    assert campus_setting(Campus.objects.get(pk=campus.pk), "canteen.sample_retention_hours") == 72
    event = AuditEvent.objects.get(action="settings_update")
    assert event.actor == member and event.campus_id == campus.pk
    assert event.before == {"canteen.sample_retention_hours": 48}
    assert event.after == {"canteen.sample_retention_hours": 72}
    # the page now shows the value as changed
    page = member_client.get(settings_url(campus))
    assert 'value="72"' in page.text


def test_back_to_default_removes_the_stored_value(member, campus):
    campus_settings_update(actor=member, campus=campus, values={"canteen.sample_retention_hours": "72"})
    campus_settings_update(actor=member, campus=campus, values={"canteen.sample_retention_hours": "48"})
    assert stored(campus) == {}
    assert AuditEvent.objects.filter(action="settings_update").count() == 2


def test_unchanged_submission_writes_no_audit(member_client, campus):
    response = member_client.post(settings_url(campus), form_data(campus))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="settings_update").exists()
    assert stored(campus) == {}


@pytest.mark.parametrize(
    "key,value",
    [
        ("canteen.sample_min_grams", "100"),
        ("canteen.sample_retention_hours", "abc"),
        ("canteen.sample_retention_hours", ""),
        ("health.fever_threshold_c", "39"),
        ("core.closing_time", "25:99"),
        ("nutrition.dri_edition", "1999"),
    ],
)
def test_service_refuses_invalid_values(member, campus, key, value):
    with pytest.raises(ValidationError) as exc:
        campus_settings_update(actor=member, campus=campus, values={"canteen.boiling_minutes": "20", key: value})
    assert key in exc.value.message_dict
    assert stored(campus) == {}


def test_service_refuses_unknown_keys(member, campus):
    with pytest.raises(ValidationError):
        campus_settings_update(actor=member, campus=campus, values={"nope.nothing": "1"})


def test_decimal_and_time_values_round_trip(member, campus):
    campus_settings_update(
        actor=member,
        campus=campus,
        values={"health.fever_threshold_c": "37.5", "core.closing_time": "18:00"},
    )
    assert campus_setting(campus, "health.fever_threshold_c") == Decimal("37.5")  # the service reset the cache
    assert campus_setting(campus, "core.closing_time") == "18:00"
    assert get_setting("health.fever_threshold_c").parse(stored(campus)["health.fever_threshold_c"]) == Decimal("37.5")


def test_other_role_403_and_outsider_404(other_role_client, outsider_client, campus):
    assert other_role_client.get(settings_url(campus)).status_code == 403
    assert other_role_client.post(settings_url(campus), {}).status_code == 403
    assert outsider_client.get(settings_url(campus)).status_code == 404
    assert outsider_client.post(settings_url(campus), {}).status_code == 404
