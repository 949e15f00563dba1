"""The REST API: token auth, scoped data, and bad input answered in Vietnamese naming the field."""

import json

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


@pytest.fixture
def api_as(client, people):
    """Call the API as the demo person of a role, with a JSON body when one is given."""

    def call(role, method, path, body=None, raw=None):
        _token, key = ApiToken.issue(people[role], "test")
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return client.generic(
            method, f"/api/v1{path}", data or "", content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )  # fmt: skip

    return call


def test_a_number_is_not_a_date(leader_api):
    """Pydantic reads 0 as 1 January 1970 (a Unix time); the API wants YYYY-MM-DD."""
    for path in ("/audit?date_to=0", "/outreach/broadcast-logs?date_from=1627603200", "/situation/figures?date=0"):
        response = leader_api(path)
        assert response.status_code == 422, path
        assert "YYYY-MM-DD" in response.json()["errors"][0]["message"]


def test_a_body_takes_true_false_and_numbers_as_such(api_as):
    response = api_as(Role.HEALTH_DATA, "POST", "/situation/figures", {"date": "2021-07-30", "confirm": 0})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "confirm", "message": "phải là true hoặc false"}]
    response = api_as(Role.CARRIER, "PUT", "/outreach/carrier-lines/1", {"reached": "412035", "sent_at": 1627610400})
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert fields == {"reached": "phải là số nguyên", "sent_at": "phải là ngày giờ theo định dạng ISO 8601"}


def test_a_body_that_is_not_json_is_400_with_a_message(api_as):
    response = api_as(Role.POLICE, "PATCH", "/misinfo/referrals/1", raw="\x00")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_not_found_is_json_in_vietnamese(leader_api):
    response = leader_api("/reports/cycles/999999/sections")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy."}


def test_the_schema_declares_the_error_answers(client):
    from api.urls import api

    paths = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {422} <= codes, (method, path)
            if operation.get("security"):
                assert {401, 403} <= codes, (method, path)
            if operation.get("requestBody", {}).get("content", {}).get("application/json"):
                assert 400 in codes, (method, path)
    audio = paths["/api/v1/outreach/audio/{script_id}.mp3"]["get"]["responses"][200]
    assert "audio/mpeg" in audio["content"]


def test_a_wrong_method_an_unknown_address_and_a_huge_body_answer_json_in_vietnamese(api_as, settings):
    """api.middleware: where Django or ninja would answer in HTML or English."""
    from situation.models import Figure

    response = api_as(Role.HEALTH_DATA, "DELETE", "/situation/figures")
    assert response.status_code == 405 and "GET" in response["Allow"]
    assert response.json()["detail"].startswith("Địa chỉ này không nhận DELETE")
    response = api_as(Role.HEALTH_DATA, "GET", "/khong-co-dia-chi-nay")
    assert response.status_code == 404 and response.json() == {"detail": "Không tìm thấy."}
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2**20
    before = Figure.objects.count()
    rows = [{"district": "899", "indicator": "ca_cong_dong", "value": 1}] * 40_000
    response = api_as(Role.HEALTH_DATA, "POST", "/situation/figures", {"date": "2021-07-30", "rows": rows})
    assert response.status_code == 413 and "lớn hơn 1 MB" in response.json()["detail"]
    assert Figure.objects.count() == before
