"""A district person never sees another district's data, on pages or through the API;
outside organisations see only their own organisation."""

import pytest
from django.urls import reverse

from core.access import can_see, scope_root, visible_to
from core.models import ApiToken, Contact, Organisation, OrgUnit, Person
from core.roles import Role

RACH_GIA, PHU_QUOC = "899", "911"


@pytest.fixture
def rach_gia_culture(people):
    return people[Role.DISTRICT_CULTURE]


@pytest.fixture
def phu_quoc_culture():
    return Person.objects.get(username="vhtt.phuquoc")


def test_district_scope_is_its_own_subtree(rach_gia_culture):
    root = scope_root(rach_gia_culture)
    assert root.code == RACH_GIA
    units = visible_to(rach_gia_culture, OrgUnit.objects.all())
    assert units.filter(code=RACH_GIA).exists()
    assert not units.filter(code=PHU_QUOC).exists()
    assert not units.filter(code="91").exists()
    assert all(u.path.startswith(root.path) for u in units)
    assert units.filter(level="commune").count() == OrgUnit.objects.get(code=RACH_GIA).children.count()


def test_district_person_cannot_see_other_district_pages(client, rach_gia_culture, phu_quoc_culture):
    client.force_login(rach_gia_culture)
    other_org = phu_quoc_culture.organisation
    assert client.get(reverse("core:orgunit_detail", args=[PHU_QUOC])).status_code == 404
    assert client.get(reverse("core:organisation_detail", args=[other_org.pk])).status_code == 404
    assert client.get(reverse("core:person_detail", args=[phu_quoc_culture.pk])).status_code == 404
    for name in ("core:orgunit_list", "core:organisation_list", "core:person_list", "core:directory"):
        body = client.get(reverse(name), {"q": ""}).content.decode()
        assert "Phú Quốc" not in body, name
        assert phu_quoc_culture.full_name not in body, name


def test_district_person_sees_province_hotlines_but_not_other_district_contacts(rach_gia_culture):
    phu_quoc = OrgUnit.objects.get(code=PHU_QUOC)
    secret = Contact.objects.create(
        kind="focal_point", title="Đầu mối Phú Quốc", org_unit=phu_quoc, phone="0297 111 222"
    )
    visible = visible_to(rach_gia_culture, Contact.objects.all())
    assert visible.filter(org_unit__code="91", kind="hotline").exists()
    assert not visible.filter(pk=secret.pk).exists()
    assert not can_see(rach_gia_culture, secret)


def test_district_person_cannot_see_other_district_through_api(client, rach_gia_culture, phu_quoc_culture):
    _token, key = ApiToken.issue(rach_gia_culture, "leak test")
    headers = {"Authorization": f"Bearer {key}"}
    units = client.get("/api/v1/orgunits?limit=1000", headers=headers).json()["items"]
    assert units and all(u["code"] != PHU_QUOC for u in units)
    assert client.get(f"/api/v1/orgunits/{PHU_QUOC}", headers=headers).status_code == 404
    people = client.get("/api/v1/people?limit=1000", headers=headers).json()["items"]
    assert phu_quoc_culture.username not in {p["username"] for p in people}
    orgs = client.get("/api/v1/organisations?limit=1000", headers=headers).json()["items"]
    assert phu_quoc_culture.organisation_id not in {o["id"] for o in orgs}


def test_province_roles_see_every_district(people):
    leader = people[Role.LEADER]
    units = visible_to(leader, OrgUnit.objects.all())
    assert units.filter(level="district").count() == 15
    assert visible_to(leader, Person.objects.all()).filter(username="vhtt.phuquoc").exists()


def test_press_sees_only_its_own_organisation(people):
    press = people[Role.PRESS]
    orgs = visible_to(press, Organisation.objects.all())
    assert list(orgs) == [press.organisation]
    assert set(visible_to(press, Person.objects.all())) == set(press.organisation.people.all())
    assert list(visible_to(press, OrgUnit.objects.all())) == [press.organisation.org_unit]


def test_inactive_person_sees_nothing(people):
    leader = people[Role.LEADER]
    leader.is_active = False
    assert not visible_to(leader, OrgUnit.objects.all()).exists()


def test_search_cannot_escape_scope(client, rach_gia_culture):
    client.force_login(rach_gia_culture)
    body = client.get(reverse("core:orgunit_list"), {"q": "Phu Quoc"}).content.decode()
    assert "Phú Quốc" not in body
    body = client.get(reverse("core:orgunit_list"), {"q": "Rach Gia"}).content.decode()
    assert "Rạch Giá" in body
