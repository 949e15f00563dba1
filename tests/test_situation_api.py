"""The situation API: the Health Department's system pushes a day's figures (the checks of the entry
page, all or nothing, problems in Vietnamese naming the district and the indicator), the
provincial reporting system reads the day's table and the indicators.

The demo: today's figures are in for 13 districts (not 912 Kiên Hải, 914 Giang Thành); earlier
days are confirmed."""

import datetime
import json

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import ApiToken, AuditEvent, OrgUnit
from core.roles import Role
from situation import figures as fig
from situation.models import Figure, FigureChange, Indicator, SituationDay

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


@pytest.fixture
def api(client, people):
    """api(role) -> call(method, path, body=None), with that role's token."""

    def as_role(role):
        _token, key = ApiToken.issue(people[role], "test")

        def call(method, path, body=None):
            return client.generic(
                method,
                f"/api/v1{path}",
                json.dumps(body) if body is not None else "",
                content_type="application/json",
                headers={"Authorization": f"Bearer {key}"},
            )

        return call

    return as_role


@pytest.fixture
def push(api):
    call = api(Role.HEALTH_DATA)

    def do(rows, date=TODAY, **extra):
        return call("POST", "/situation/figures", {"date": date.isoformat(), "rows": rows, **extra})

    return do


def value(code, indicator, date=TODAY):
    figure = Figure.objects.filter(org_unit__code=code, indicator__code=indicator, date=date).first()
    return figure.value if figure else None


def name(code) -> str:
    return OrgUnit.objects.get(code=code).name


def short(code) -> str:
    return Indicator.objects.get(code=code).short_name


def written():
    return Figure.objects.count(), FigureChange.objects.count(), SituationDay.objects.count()


# Pushing figures ----------------------------------------------------------------------------------


def test_push_saves_new_and_changed_figures_and_says_how_many(push, people):
    old = value("899", "ca_cong_dong")
    same = value("900", "ca_cach_ly")
    response = push(
        [
            {"district": "912", "values": {"ca_cong_dong": 2, "ca_cach_ly": "5", "dang_dieu_tri": None}},
            {"district": "Rạch Giá", "values": {"ca_cong_dong": old + 1}},
            {"district": 900, "values": {"ca_cach_ly": same}},
        ]
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"date": TODAY.isoformat(), "new": 2, "changed": 1, "unchanged": 1, "confirmed": False}
    assert (value("912", "ca_cong_dong"), value("912", "ca_cach_ly"), value("912", "dang_dieu_tri")) == (2, 5, None)
    assert Figure.objects.get(org_unit__code="912", indicator__code="ca_cong_dong", date=TODAY).source == "api"
    change = FigureChange.objects.get(figure__org_unit__code="899", figure__date=TODAY)
    assert (change.old_value, change.new_value, change.source) == (old, old + 1, "api")
    assert change.changed_by == people[Role.HEALTH_DATA]
    assert AuditEvent.objects.filter(action="situation.figures", after__source="api").exists()


def test_push_with_one_problem_writes_nothing_and_names_the_district_and_the_indicator(push):
    before = written()
    response = push(
        [
            {"district": "912", "values": {"ca_cong_dong": 2}},
            {"district": "914", "values": {"ca_cach_ly": -1}},
        ]
    )
    assert response.status_code == 422
    [message] = response.json()["detail"]
    assert name("914") in message and short("ca_cach_ly") in message
    assert _("a count cannot be negative.") in message
    assert written() == before and value("912", "ca_cong_dong") is None


@pytest.mark.parametrize(
    "raw, message",
    [
        (2.5, lambda: _("enter a whole number, without decimals.")),
        ("ba", lambda: _("“%(text)s” is not a whole number.") % {"text": "ba"}),
        (True, lambda: _("enter a whole number.")),
        ({"n": 1}, lambda: _("enter a whole number.")),
        (10**12, lambda: _("at most %(max)s.") % {"max": "100.000.000"}),
        ("9" * 5000, lambda: _("at most %(max)s.") % {"max": "100.000.000"}),
        ("x" * 5000, lambda: _("“%(text)s” is not a whole number.") % {"text": "x" * 20 + "…"}),
    ],
    ids=["decimal", "text", "boolean", "object", "huge", "thousands-of-digits", "thousands-of-letters"],
)
def test_push_refuses_a_value_that_is_not_a_count(push, raw, message):
    response = push([{"district": "912", "values": {"tu_vong": raw}}])
    assert response.status_code == 422
    assert response.json()["detail"] == [f"{name('912')}, {short('tu_vong')}: {message()}"]
    assert response.json()["errors"] == [{"district": name("912"), "field": short("tu_vong"), "message": message()}]


def test_push_names_an_unknown_district_and_an_unknown_indicator(push, api):
    response = push(
        [
            {"district": "Huyện Đảo Xa", "values": {"ca_cong_dong": 1}},
            {"district": "912", "values": {"ca_nhap_canh": 1}},
        ]
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    root = fig.root_unit()
    assert detail[0] == "Huyện Đảo Xa: " + _("no district of %(root)s has this code or name.") % {"root": root.name}
    assert detail[1] == f"{name('912')}, ca_nhap_canh: " + _("no active indicator has this code.")


def test_push_refuses_the_same_district_twice(push):
    response = push([{"district": "912", "values": {"ca_cong_dong": 1}}, {"district": "Kiên Hải", "values": {}}])
    assert response.status_code == 422
    assert response.json()["detail"] == [f"{name('912')}: " + _("appears twice.")]


def test_push_refuses_a_note_with_control_characters(push):
    response = push([{"district": "912", "values": {"ca_cong_dong": 1}, "note": "sửa\x00lỗi"}])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == _("Note")
    assert value("912", "ca_cong_dong") is None


def test_push_of_a_running_total_going_down_needs_a_note(push):
    last = value("899", "khoi_benh", YESTERDAY)
    rows = [{"district": "899", "values": {"khoi_benh": last - 3}}]
    response = push(rows)
    assert response.status_code == 422
    assert name("899") in response.json()["detail"][0] and short("khoi_benh") in response.json()["detail"][0]
    rows[0]["note"] = "Loại 3 ca trùng với huyện khác"
    assert push(rows).status_code == 200
    assert value("899", "khoi_benh") == last - 3


def test_push_correcting_a_confirmed_day_needs_a_reason(push):
    old = value("899", "ca_cong_dong", YESTERDAY)
    rows = [{"district": "899", "values": {"ca_cong_dong": old + 2}}]
    response = push(rows, date=YESTERDAY)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == _("Note")
    rows[0]["note"] = "Bổ sung 2 ca có kết quả muộn"
    response = push(rows, date=YESTERDAY)
    assert response.status_code == 200 and response.json()["confirmed"] is True
    assert FigureChange.objects.get(figure__org_unit__code="899", figure__date=YESTERDAY).correction


def test_push_with_confirm_confirms_the_day(push):
    response = push([{"district": "912", "values": {"ca_cong_dong": 0}}], confirm=True)
    assert response.status_code == 200 and response.json()["confirmed"] is True
    assert SituationDay.objects.get(org_unit=fig.root_unit(), date=TODAY).is_confirmed
    assert AuditEvent.objects.filter(action="situation.confirm").exists()


def test_push_with_confirm_of_a_day_without_figures_is_refused_and_writes_nothing(push):
    before = written()
    response = push([], date=TODAY - datetime.timedelta(days=60), confirm=True)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "confirm"
    assert written() == before


def test_push_with_a_problem_does_not_confirm(push):
    response = push([{"district": "912", "values": {"ca_cong_dong": -1}}], confirm=True)
    assert response.status_code == 422
    assert not SituationDay.objects.filter(date=TODAY, state=SituationDay.State.CONFIRMED).exists()
    assert value("912", "ca_cong_dong") is None


def test_push_of_a_future_day_is_refused(push):
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = push([{"district": "912", "values": {"ca_cong_dong": 1}}], date=tomorrow)
    assert response.status_code == 422
    assert response.json()["detail"] == [_("The date %(date)s is in the future.") % {"date": f"{tomorrow:%d/%m/%Y}"}]
    assert not SituationDay.objects.filter(date=tomorrow).exists()


def test_push_of_more_than_500_rows_is_refused(push):
    response = push([{"district": "912", "values": {}}] * 501)
    assert response.status_code == 422
    assert response.json()["detail"] == ["rows: " + _("At most %(n)d rows in one request.") % {"n": 500}]


def test_push_with_a_bad_date_is_422_naming_the_field(push, api):
    response = api(Role.HEALTH_DATA)("POST", "/situation/figures", {"date": "05/08/2021", "rows": []})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"].split(".")[-1] == "date" and error["message"] == _("expected a date YYYY-MM-DD")


def test_an_empty_push_answers_zeros(push):
    before = written()
    response = push([])
    assert response.status_code == 200
    assert response.json() == {"date": TODAY.isoformat(), "new": 0, "changed": 0, "unchanged": 0, "confirmed": False}
    assert written() == before


@pytest.mark.parametrize("role", [Role.PRESS, Role.FOCAL_POINT, Role.LEADER, Role.DISTRICT_CULTURE])
def test_only_the_health_data_officer_and_admin_push(api, role):
    response = api(role)("POST", "/situation/figures", {"date": TODAY.isoformat(), "rows": []})
    assert response.status_code == 403
    assert response.json()["detail"] == _("You do not have permission to do this.")


def test_the_admin_may_push(api):
    body = {"date": TODAY.isoformat(), "rows": [{"district": "914", "values": {"ca_cong_dong": 1}}]}
    assert api(Role.ADMIN)("POST", "/situation/figures", body).status_code == 200
    assert value("914", "ca_cong_dong") == 1


# Reading figures ----------------------------------------------------------------------------------


def test_the_days_figures_have_every_district_totals_and_the_missing(api):
    body = api(Role.FOCAL_POINT)("GET", "/situation/figures").json()
    root = fig.root_unit()
    assert set(body) == {"date", "province", "confirmed", "indicators", "rows", "totals", "missing"}
    assert (body["date"], body["province"], body["confirmed"]) == (TODAY.isoformat(), root.name, False)
    codes = [i.code for i in fig.indicators()]
    assert [i["code"] for i in body["indicators"]] == codes
    assert set(body["indicators"][0]) == {"code", "name", "kind", "unit"}
    assert [r["district_code"] for r in body["rows"]] == [u.code for u in fig.districts(root)]
    by_code = {r["district_code"]: r for r in body["rows"]}
    assert by_code["912"]["values"] == dict.fromkeys(codes)
    assert by_code["899"]["values"]["ca_cong_dong"] == value("899", "ca_cong_dong")
    assert sorted(body["missing"]) == sorted([name("912"), name("914")])
    assert body["totals"]["ca_cong_dong"] == sum(
        Figure.objects.filter(date=TODAY, indicator__code="ca_cong_dong").values_list("value", flat=True)
    )


def test_a_confirmed_day_reads_as_confirmed(api):
    body = api(Role.LEADER)("GET", f"/situation/figures?date={YESTERDAY.isoformat()}").json()
    assert body["confirmed"] is True and body["missing"] == []


def test_a_push_then_a_read_gives_the_pushed_values(push, api):
    assert push([{"district": "914", "values": {"ca_cong_dong": 7}}]).status_code == 200
    body = api(Role.LEADER)("GET", "/situation/figures").json()
    assert {r["district_code"]: r for r in body["rows"]}["914"]["values"]["ca_cong_dong"] == 7
    assert body["missing"] == [name("912")]


@pytest.mark.parametrize("raw", ["hôm-qua", "2021-02-30", "05/08/2021"])
def test_a_bad_date_is_422_in_vietnamese_naming_the_field(api, raw):
    response = api(Role.LEADER)("GET", f"/situation/figures?date={raw}")
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"field": "date", "message": _("expected a date YYYY-MM-DD")}


def test_a_future_date_is_422(api):
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = api(Role.LEADER)("GET", f"/situation/figures?date={tomorrow.isoformat()}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "date"


def test_the_indicators_are_the_active_ones_with_their_definitions(api):
    Indicator.objects.filter(code="tiem_mui_2").update(is_active=False)
    body = api(Role.HEALTH_DATA)("GET", "/situation/indicators").json()
    assert [i["code"] for i in body] == [i.code for i in fig.indicators()]
    assert "tiem_mui_2" not in {i["code"] for i in body}
    first = body[0]
    assert first["code"] == "ca_cong_dong" and first["kind"] == "daily" and first["definition"]
    assert first["kind_label"] == str(Indicator.Kind.DAILY.label)


@pytest.mark.parametrize("path", ["/situation/figures", "/situation/indicators"])
def test_the_press_cannot_read_the_figures_through_the_api(api, path):
    assert api(Role.PRESS)("GET", path).status_code == 403
    assert api(Role.DISTRICT_CULTURE)("GET", path).status_code == 403
