"""The REST API: token auth, scoped data, and bad input answered in Vietnamese naming the field."""

import pytest

from core.models import ApiToken
from core.roles import Role


@pytest.fixture
def leader_api(client, people):
    _token, key = ApiToken.issue(people[Role.LEADER], "test")

    def get(path):
        return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {key}"})

    return get


def test_me_lists_permissions(leader_api):
    body = leader_api("/me").json()
    assert body["username"] == "lanhdao" and body["org_unit_code"] == "91"
    assert "audit.view" in body["permissions"] and "directory.edit" not in body["permissions"]


def test_orgunits_filter_and_paginate(leader_api):
    body = leader_api("/orgunits?level=district&limit=5").json()
    assert body["count"] == 15 and len(body["items"]) == 5
    assert all(u["parent_code"] == "91" for u in body["items"])
    body = leader_api("/orgunits?q=phu%20quoc").json()
    assert [u["code"] for u in body["items"]][:1] == ["911"]


def test_directory_has_the_plan_hotlines(leader_api):
    phones = {c["phone"] for c in leader_api("/directory?limit=100").json()["items"]}
    assert {"1900 3228", "0927.681.168"} <= phones


@pytest.mark.parametrize(
    ("path", "field", "words"),
    [
        ("/orgunits?limit=abc", "limit", "số nguyên"),
        ("/orgunits?limit=100000", "limit", "1000"),
        ("/orgunits?offset=-1", "offset", "0"),
        ("/orgunits?offset=99999999999999999999", "offset", "10000000"),
        ("/orgunits?level=kingdom", "level", "province"),
        ("/orgunits?q=" + "x" * 200, "q", "100"),
        ("/audit?date_from=hôm-qua", "date_from", "YYYY-MM-DD"),
    ],
)
def test_bad_query_is_422_in_vietnamese_naming_the_field(leader_api, path, field, words):
    response = leader_api(path)
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == field
    assert words in body["errors"][0]["message"]
    assert body["detail"].startswith(f"{field}:")


def test_nul_byte_in_search_is_harmless(leader_api):
    assert leader_api("/orgunits?q=rach%00gia").status_code == 200
    assert leader_api("/orgunits/91%00").status_code == 404


def test_unknown_unit_is_404(leader_api):
    assert leader_api("/orgunits/NOPE").status_code == 404


def test_token_is_checked_not_guessed(client):
    huge = "tc_" + "a" * 5000
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {huge}"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic Zm9vOmJhcg=="}).status_code == 401
