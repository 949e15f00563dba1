"""The directory: hotlines from the plan, edited by administrators only, one source for pages."""

import pytest
from django.urls import reverse

from core.directory import public_hotlines
from core.models import AuditEvent, Contact
from core.roles import Role

PLAN_NUMBERS = {"1900 3228", "0965.20.15.15", "0918.12.31.11", "0927.681.168"}


def test_plan_hotlines_are_in_the_directory_and_public():
    assert {h["phone"] for h in public_hotlines()} >= PLAN_NUMBERS


def test_every_page_footer_shows_the_hotlines(client):
    body = client.get("/").content.decode()
    assert "0927.681.168" in body and 'href="tel:0927681168"' in body


def test_directory_page_lists_hotlines_and_focal_points(client, people):
    client.force_login(people[Role.DISTRICT_BROADCAST])
    body = client.get(reverse("core:directory")).content.decode()
    assert "Huỳnh Thị Diễm" in body and "0919.443.718" in body
    assert "Sửa" not in body  # no edit links for a non-administrator


def test_admin_adds_an_entry_and_it_is_audited(client, people):
    admin = people[Role.ADMIN]
    client.force_login(admin)
    data = {
        "kind": "hotline",
        "title": "Tổng đài hỗ trợ tiêm chủng",
        "org_unit": people[Role.LEADER].org_unit.pk,
        "phone": "0297 3 456 789",
        "email": "",
        "sort_order": 50,
        "is_public": "on",
        "is_active": "on",
    }
    response = client.post(reverse("core:contact_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    contact = Contact.objects.get(title="Tổng đài hỗ trợ tiêm chủng")
    assert AuditEvent.objects.filter(action="contact.create", object_id=str(contact.pk), actor=admin).exists()
    assert "0297 3 456 789" in {h["phone"] for h in public_hotlines()}


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"phone": "", "email": ""}, "số điện thoại hoặc địa chỉ email"),
        ({"phone": "call me maybe"}, "số điện thoại"),
        ({"email": "not-an-email"}, "email"),
        ({"title": ""}, "Trường này là bắt buộc"),
        ({"title": "x" * 300}, "255"),
        ({"org_unit": "999999"}, "lựa chọn hợp lệ"),
    ],
)
def test_bad_input_gets_a_vietnamese_message_and_changes_nothing(client, people, changes, field_message):
    client.force_login(people[Role.ADMIN])
    data = {
        "kind": "hotline",
        "title": "Thử",
        "org_unit": people[Role.LEADER].org_unit.pk,
        "phone": "0297 111 222",
        "sort_order": 1,
        **changes,
    }
    count = Contact.objects.count()
    response = client.post(reverse("core:contact_create"), data)
    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert Contact.objects.count() == count


def test_org_unit_outside_the_editors_scope_cannot_be_chosen(client, people):
    """An administrator sees the whole province; a forged id of a unit outside it is rejected."""
    from core.models import OrgUnit

    elsewhere = OrgUnit.objects.create(code="92", name="Thành phố Cần Thơ", level="province")
    client.force_login(people[Role.ADMIN])
    count = Contact.objects.count()
    data = {
        "kind": "hotline",
        "title": "Ngoài địa bàn",
        "org_unit": elsewhere.pk,
        "phone": "0292 111 222",
        "sort_order": 1,
    }
    response = client.post(reverse("core:contact_create"), data)
    assert response.status_code == 200
    assert "lựa chọn hợp lệ" in response.content.decode()
    assert Contact.objects.count() == count


def test_non_admin_cannot_edit(client, people):
    contact = Contact.objects.first()
    client.force_login(people[Role.LEADER])
    assert client.post(reverse("core:contact_edit", args=[contact.pk]), {"title": "x"}).status_code == 403


def test_admin_changes_a_role_through_the_page(client, people):
    from core.models import AuditEvent, Organisation

    target = people[Role.DISTRICT_STEERING]
    org = Organisation.objects.get(kind="culture_office", org_unit__code="899")
    client.force_login(people[Role.ADMIN])
    page = client.get(f"/people/{target.pk}/").content.decode()
    assert f'action="/people/{target.pk}/role/"' in page
    response = client.post(f"/people/{target.pk}/role/", {"role": "district_culture", "organisation": org.pk})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == "district_culture" and target.organisation == org
    assert AuditEvent.objects.filter(action="person.role", object_id=str(target.pk)).exists()
    bad = client.post(f"/people/{target.pk}/role/", {"role": "emperor", "organisation": org.pk})
    assert bad.status_code == 400 and "lựa chọn hợp lệ" in bad.content.decode()
    # A district role on a province organisation would widen the scope to the whole province.
    province_org = Organisation.objects.get(kind="department")
    bad = client.post(f"/people/{target.pk}/role/", {"role": "district_culture", "organisation": province_org.pk})
    assert bad.status_code == 400 and "không phù hợp" in bad.content.decode()
    target.refresh_from_db()
    assert target.organisation == org
