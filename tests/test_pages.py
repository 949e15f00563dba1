"""Staff pages: they render for their users, survive hostile query strings, and do not grow
their query count with the number of rows."""

import pytest
from django.urls import reverse

from core import audit
from core.models import Organisation, Person
from core.roles import Role

LISTS = ["core:orgunit_list", "core:organisation_list", "core:person_list", "core:directory", "core:audit_list"]


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize(
    "query",
    [
        {"page": "abc"},
        {"page": "-1"},
        {"page": "99999"},
        {"q": "<script>alert(1)</script>"},
        {"q": "x" * 5000},
        {"level": "'; DROP TABLE core_orgunit; --", "kind": "nope", "role": "emperor"},
        {"q": "\x00"},
    ],
)
def test_hostile_query_strings_never_fail(client, people, name, query):
    client.force_login(people[Role.ADMIN])
    response = client.get(reverse(name), query)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/orgunits/NOPE/", "/organisations/999999/", "/people/999999/", "/audit/999999/", "/directory/999999/edit/"],
)
def test_missing_objects_are_404_in_vietnamese(client, people, path):
    client.force_login(people[Role.ADMIN])
    response = client.get(path)
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_htmx_search_returns_only_the_results(client, people):
    client.force_login(people[Role.LEADER])
    response = client.get(
        reverse("core:orgunit_list"), {"q": "rach gia"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and "Rạch Giá" in body


@pytest.mark.parametrize("name", ["core:person_list", "core:organisation_list", "core:orgunit_list", "core:home"])
def test_list_query_count_does_not_grow_with_rows(client, people, django_assert_max_num_queries, name):
    leader = people[Role.LEADER]
    org = Organisation.objects.filter(kind="culture_office").first()
    Person.objects.bulk_create(
        [
            Person(username=f"extra{i}", full_name=f"Cán bộ {i}", role=Role.DISTRICT_CULTURE, organisation=org)
            for i in range(40)
        ]
    )
    for i in range(20):
        audit.record(leader, "test.bulk", org, note=str(i))
    client.force_login(leader)
    # The home page's module cards each read their one-line summary (rosters: who is on duty, my next shift).
    with django_assert_max_num_queries(16):
        assert client.get(reverse(name)).status_code == 200


def test_security_headers_and_csp(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_expired_form_gets_a_vietnamese_page(people):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("core:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in response.content.decode()
