"""Loudspeakers: broadcasts of approved messages scheduled by zone and priority (Circular
39/2020/TT-BTTTT), a station's timetable, the plays logged by hand or pushed by the loudspeaker
system through the API, published items, and how they pre-fill the district's weekly report."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import ApiToken, AuditEvent, OrgUnit
from core.roles import Role
from outreach import broadcasts, prefill
from outreach.models import Broadcast, BroadcastLog, KeyMessage, Publication
from reporting.models import ReportCycle, Submission

TODAY = timezone.localdate()
RACH_GIA, PHU_QUOC, KIEN_HAI = "899", "911", "912"


def unit(code) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def commune_of(code) -> OrgUnit:
    return OrgUnit.objects.filter(parent__code=code).order_by("code").first()


@pytest.fixture(autouse=True)
def _no_demo_broadcasts():
    """The demo's week on the loudspeakers is left out: these tests count their own plays."""
    BroadcastLog.objects.all().delete()
    Publication.objects.all().delete()
    Broadcast.objects.all().delete()


@pytest.fixture
def message():
    return KeyMessage.objects.filter(state="approved").exclude(loudspeaker_text="").order_by("pk").first()


@pytest.fixture
def week():
    """The open weekly cycle (its period has begun: plays on its first day are in the past)."""
    return ReportCycle.objects.filter(kind="weekly", due_at__gt=timezone.now()).order_by("due_at").first()


def first_morning(cycle, minute=0):
    day = datetime.datetime.combine(cycle.period_start, datetime.time(6, minute))
    return timezone.make_aware(day)


@pytest.fixture
def api(client, people):
    def as_role(role):
        _token, key = ApiToken.issue(people[role], "test")

        def call(method, path, body=None):
            return client.generic(
                method, f"/api/v1{path}", json.dumps(body) if body is not None else "",
                content_type="application/json", headers={"Authorization": f"Bearer {key}"},
            )  # fmt: skip

        return call

    return as_role


def scheduled_since(person, message, codes, start, days=8, **kw):
    """A broadcast scheduled at `start` (aware) from that day on, so plays since then are its."""
    local = timezone.localtime(start).date()
    options = {"priority": "normal", "starts_on": local, "ends_on": local + datetime.timedelta(days=days),
               "times": "06:00, 17:00", "now": start} | kw  # fmt: skip
    return broadcasts.schedule(person, message, OrgUnit.objects.filter(code__in=codes), **options)


def schedule(person, message, codes, **kw):
    options = {"priority": "normal", "starts_on": TODAY, "ends_on": TODAY + datetime.timedelta(days=6),
               "times": "06:00, 17:00"} | kw  # fmt: skip
    return broadcasts.schedule(person, message, OrgUnit.objects.filter(code__in=codes), **options)


# --- Times and scheduling ------------------------------------------------------------------------
def test_times_of_day_are_read_in_the_ways_people_write_them():
    assert broadcasts.parse_times("6:00, 17h30 6h") == (["06:00", "17:30"], None)
    assert broadcasts.parse_times(["17:00", "06:00", "17:00"]) == (["06:00", "17:00"], None)
    assert broadcasts.parse_times("") == ([], None)
    for bad in ("25:00", "6:75", "sáng", "6:00; 1" + "0" * 30, ["06:00", 7]):
        times, error = broadcasts.parse_times(bad)
        assert times == [] and error, bad
    assert "12" in broadcasts.parse_times(",".join(f"{h}:00" for h in range(13)))[1]


def test_the_focal_point_schedules_a_message_for_two_districts(people, message):
    b = schedule(people[Role.FOCAL_POINT], message, [RACH_GIA, PHU_QUOC])
    assert set(b.zones.values_list("code", flat=True)) == {RACH_GIA, PHU_QUOC}
    assert b.times == ["06:00", "17:00"] and b.priority == "normal" and b.state == "scheduled"
    event = AuditEvent.objects.get(action="broadcast.schedule", object_id=str(b.pk))
    assert event.after["zones"] == [RACH_GIA, PHU_QUOC] or set(event.after["zones"]) == {RACH_GIA, PHU_QUOC}


def test_a_commune_inside_a_chosen_district_is_not_counted_twice(people, message):
    b = broadcasts.schedule(
        people[Role.FOCAL_POINT], message, [unit(RACH_GIA), commune_of(RACH_GIA)], priority="priority",
        starts_on=TODAY, ends_on=TODAY, times="06:00",
    )  # fmt: skip
    assert list(b.zones.values_list("code", flat=True)) == [RACH_GIA]


def test_a_district_centre_schedules_for_its_own_communes_only(people, message):
    centre = people[Role.DISTRICT_BROADCAST]  # Rạch Giá
    b = broadcasts.schedule(centre, message, [commune_of(RACH_GIA)], priority="normal", starts_on=TODAY,
                            ends_on=TODAY, times="17:00")  # fmt: skip
    assert b.org_unit.code == RACH_GIA
    with pytest.raises(ValidationError) as error:
        schedule(centre, message, [PHU_QUOC])
    assert "khu vực" in error.value.message_dict["zones"][0]
    assert broadcasts.broadcasts_for(centre).filter(pk=b.pk).exists()
    assert not broadcasts.broadcasts_for(people[Role.DISTRICT_BROADCAST]).filter(
        pk=schedule(people[Role.FOCAL_POINT], message, [PHU_QUOC]).pk
    ).exists()


def test_an_emergency_is_a_leaders_with_a_reason_and_plays_at_once(people, message):
    with pytest.raises(PermissionDenied):
        schedule(people[Role.FOCAL_POINT], message, [RACH_GIA], priority="emergency", reason="Bão số 5")
    with pytest.raises(ValidationError) as error:
        schedule(people[Role.LEADER], message, [RACH_GIA], priority="emergency")
    assert "reason" in error.value.message_dict
    now = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(14, 37)))
    b = schedule(people[Role.LEADER], message, [RACH_GIA], priority="emergency", reason="Ổ dịch mới tại chợ", now=now)
    assert (b.starts_on, b.ends_on, b.times) == (TODAY, TODAY, ["14:37"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_on": TODAY - datetime.timedelta(days=1)}, "starts_on"),
        ({"ends_on": TODAY - datetime.timedelta(days=1)}, "ends_on"),
        ({"ends_on": TODAY + datetime.timedelta(days=92)}, "ends_on"),
        ({"times": ""}, "times"),
        ({"times": "7 giờ"}, "times"),
        ({"priority": "loud"}, "priority"),
        ({"note": "a\x00b"}, "note"),
    ],
)
def test_a_bad_schedule_is_refused_and_names_the_field(people, message, change, field):
    with pytest.raises(ValidationError) as error:
        schedule(people[Role.FOCAL_POINT], message, [RACH_GIA], **change)
    assert field in error.value.message_dict
    assert not Broadcast.objects.exists()


def test_only_an_approved_message_with_a_script_valid_then_is_broadcast(people, message):
    draft = KeyMessage.objects.create(org_unit=unit("91"), title="Nháp", loudspeaker_text="Nội dung nháp")
    with pytest.raises(ValidationError) as error:
        schedule(people[Role.FOCAL_POINT], draft, [RACH_GIA])
    assert "key_message" in error.value.message_dict
    message.valid_until = TODAY + datetime.timedelta(days=2)
    message.save()
    with pytest.raises(ValidationError) as error:
        schedule(people[Role.FOCAL_POINT], message, [RACH_GIA])
    assert "ends_on" in error.value.message_dict


def test_a_station_timetable_puts_emergencies_first_then_priority_at_the_same_time(people, message):
    commune = commune_of(RACH_GIA)
    normal = schedule(people[Role.FOCAL_POINT], message, [RACH_GIA], times="06:00, 17:00")
    first = schedule(people[Role.FOCAL_POINT], message, [commune.code], priority="priority", times="17:00")
    later = schedule(people[Role.FOCAL_POINT], message, [RACH_GIA], starts_on=TODAY + datetime.timedelta(days=1))
    elsewhere = schedule(people[Role.FOCAL_POINT], message, [PHU_QUOC])
    cancelled = schedule(people[Role.FOCAL_POINT], message, [RACH_GIA], times="09:00")
    broadcasts.cancel(people[Role.FOCAL_POINT], cancelled)
    urgent = schedule(people[Role.LEADER], message, [RACH_GIA], priority="emergency", reason="Ổ dịch mới",
                      now=timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(20, 0))))  # fmt: skip
    plays = [(p.time, p.broadcast) for p in broadcasts.timetable(commune, TODAY)]
    assert plays == [("20:00", urgent), ("06:00", normal), ("17:00", first), ("17:00", normal)]
    assert later not in {b for _t, b in plays} and elsewhere not in {b for _t, b in plays}
    # The district's own station does not play the commune's item.
    assert [b for _t, b in [(p.time, p.broadcast) for p in broadcasts.timetable(unit(RACH_GIA), TODAY)]].count(
        first
    ) == 0


def test_a_cancelled_broadcast_cannot_be_cancelled_again(people, message):
    b = schedule(people[Role.FOCAL_POINT], message, [RACH_GIA])
    broadcasts.cancel(people[Role.FOCAL_POINT], b)
    with pytest.raises(ValidationError):
        broadcasts.cancel(people[Role.FOCAL_POINT], b)
    with pytest.raises(PermissionDenied):
        broadcasts.cancel(people[Role.DISTRICT_CULTURE], b)


# --- Logs: the API and the page ------------------------------------------------------------------
def log_row(zone, at, **extra):
    return {"zone": zone, "played_at": at.isoformat(), "seconds": 185, "title": "Thông điệp 5K"} | extra


def test_the_loudspeaker_system_pushes_its_plays_once_each(api, people, message):
    b = scheduled_since(people[Role.FOCAL_POINT], message, [RACH_GIA], timezone.now() - datetime.timedelta(days=1))
    commune = commune_of(RACH_GIA)
    at = timezone.now() - datetime.timedelta(hours=2)
    rows = [
        {"zone": commune.code, "played_at": at.isoformat(), "seconds": 185, "broadcast": b.pk, "id": "st1-0001"},
        log_row(RACH_GIA, at, id="st0-0001"),
        log_row(RACH_GIA, at),  # no id: stored each time it is sent
    ]
    push = api(Role.DISTRICT_BROADCAST)
    response = push("POST", "/outreach/broadcast-logs", {"rows": rows})
    assert response.status_code == 200, response.content
    assert response.json() == {"stored": 3, "already": 0}
    assert push("POST", "/outreach/broadcast-logs", {"rows": rows[:2]}).json() == {"stored": 0, "already": 2}
    log = BroadcastLog.objects.get(external_id="st1-0001")
    assert (log.title, log.source, log.zone, log.broadcast) == (message.title, "api", commune, b)
    assert broadcasts.plan_and_plays(b)[0]["logged"] == 1
    listed = push("GET", f"/outreach/broadcast-logs?zone={RACH_GIA}").json()
    assert listed["count"] == 3 and {r["external_id"] for r in listed["items"]} == {"st1-0001", "st0-0001", ""}


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"zone": "911"}, "zone"),  # Phú Quốc: not the Rạch Giá centre's area
        ({"zone": "nope"}, "zone"),
        ({"zone": 899}, "zone"),
        ({"played_at": "hôm qua"}, "played_at"),
        ({"played_at": "2019-12-31T06:00:00+07:00"}, "played_at"),
        ({"played_at": "2999-01-01T06:00:00+07:00"}, "played_at"),
        ({"seconds": 0}, "seconds"),
        ({"seconds": -5}, "seconds"),
        ({"seconds": "ba phút"}, "seconds"),
        ({"seconds": True}, "seconds"),
        ({"seconds": 1.5}, "seconds"),
        ({"seconds": 10**12}, "seconds"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"title": ["list"]}, "title"),
        ({"broadcast": 999999}, "broadcast"),
        ({"broadcast": "1"}, "broadcast"),
        ({"id": "has space"}, "id"),
        ({"id": "x" * 65}, "id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_log_is_refused_naming_the_line_and_field_and_nothing_is_stored(api, row, field):
    good = log_row(RACH_GIA, timezone.now() - datetime.timedelta(hours=1))
    response = api(Role.DISTRICT_BROADCAST)("POST", "/outreach/broadcast-logs", {"rows": [good, good | row]})
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert {"line": 2, "field": field} == {k: errors[0][k] for k in ("line", "field")}
    assert response.json()["detail"][0].startswith("Dòng 2")
    assert not BroadcastLog.objects.exists()


def test_a_log_for_a_broadcast_of_another_zone_and_a_repeated_id_are_refused(api, people, message):
    elsewhere = schedule(people[Role.FOCAL_POINT], message, [KIEN_HAI])
    at = timezone.now() - datetime.timedelta(hours=1)
    push = api(Role.TELECOM_IT)
    response = push("POST", "/outreach/broadcast-logs", {"rows": [log_row(RACH_GIA, at, broadcast=elsewhere.pk)]})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "broadcast"
    twice = [log_row(RACH_GIA, at, id="a1"), log_row(RACH_GIA, at, id="a1")]
    response = push("POST", "/outreach/broadcast-logs", {"rows": twice})
    assert response.status_code == 422 and response.json()["errors"][0] == {
        "line": 2, "field": "id", "message": response.json()["errors"][0]["message"]}  # fmt: skip
    assert not BroadcastLog.objects.exists()


@pytest.mark.parametrize("body", [{"rows": []}, {"rows": "abc"}, {"rows": [1, 2]}, {}, {"rows": [{}] * 2001}])
def test_a_malformed_push_is_answered_in_vietnamese(api, body):
    response = api(Role.DISTRICT_BROADCAST)("POST", "/outreach/broadcast-logs", body)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert not BroadcastLog.objects.exists()


def test_published_items_are_pushed_and_checked(api):
    push = api(Role.DISTRICT_CULTURE)
    item = {"unit": RACH_GIA, "title": "Rạch Giá triển khai tiêm vắc xin", "url": "https://rachgia.kiengiang.gov.vn/a",
            "published_on": TODAY.isoformat(), "id": "cms-1"}  # fmt: skip
    assert push("POST", "/outreach/publications", {"rows": [item]}).json() == {"stored": 1, "already": 0}
    assert push("POST", "/outreach/publications", {"rows": [item]}).json() == {"stored": 0, "already": 1}
    for bad, field in [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"channel": "tv"}, "channel"),
        ({"published_on": (TODAY + datetime.timedelta(days=1)).isoformat()}, "published_on"),
        ({"unit": PHU_QUOC}, "unit"),
        ({"key_message": 10**6}, "key_message"),
        ({"title": ""}, "title"),
    ]:
        response = push("POST", "/outreach/publications", {"rows": [item | {"id": "cms-2"} | bad]})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field, bad
    assert Publication.objects.count() == 1


def test_the_timetable_api_gives_the_plays_with_their_audio(api, people, message):
    schedule(people[Role.FOCAL_POINT], message, [RACH_GIA])
    call = api(Role.DISTRICT_BROADCAST)
    body = call("GET", f"/outreach/timetable?zone={commune_of(RACH_GIA).code}").json()
    assert [p["time"] for p in body["plays"]] == ["06:00", "17:00"]
    assert body["plays"][0]["script"] == message.loudspeaker_text and body["plays"][0]["play_now"] is False
    assert call("GET", f"/outreach/timetable?zone={PHU_QUOC}").status_code == 404
    assert call("GET", "/outreach/timetable?zone=899&date=hôm-nay").status_code == 422


def test_a_play_is_logged_from_the_page(login, people, message):
    client = login(people[Role.DISTRICT_BROADCAST])
    b = scheduled_since(people[Role.FOCAL_POINT], message, [RACH_GIA], timezone.now() - datetime.timedelta(days=1))
    when = timezone.localtime() - datetime.timedelta(hours=1)
    data = {"zone": unit(RACH_GIA).pk, "played_at": when.strftime("%Y-%m-%dT%H:%M"), "minutes": 3, "seconds": 5,
            "broadcast": b.pk, "title": ""}  # fmt: skip
    response = client.post(reverse("outreach:logs"), data)
    assert response.status_code == 302
    log = BroadcastLog.objects.get()
    assert (log.seconds, log.source, log.title, log.broadcast) == (185, "entered", message.title, b)
    page = client.get(reverse("outreach:logs")).content.decode()
    assert "3:05" in page and message.title in page
    response = client.post(reverse("outreach:logs"), data | {"zone": unit(PHU_QUOC).pk, "minutes": "ba"})
    assert response.status_code == 422 and "errorlist" in response.content.decode()
    future = data | {"played_at": (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")}
    response = client.post(reverse("outreach:logs"), future)
    assert response.status_code == 422 and "tương lai" in response.content.decode()
    assert BroadcastLog.objects.count() == 1
    assert login(people[Role.DISTRICT_CULTURE]).post(reverse("outreach:logs"), data).status_code == 403


def test_a_broadcast_is_scheduled_from_the_page_for_two_districts(login, people, message):
    client = login(people[Role.FOCAL_POINT])
    page = client.get(reverse("outreach:broadcast_new") + f"?message={message.pk}").content.decode()
    assert "Kiên Hải" in page and 'value="emergency"' not in page  # an emergency is the leader's
    data = {"key_message": message.pk, "zones": [unit(RACH_GIA).pk, unit(PHU_QUOC).pk], "priority": "normal",
            "starts_on": TODAY.isoformat(), "ends_on": (TODAY + datetime.timedelta(days=6)).isoformat(),
            "times": "06:00, 17:00", "note": ""}  # fmt: skip
    response = client.post(reverse("outreach:broadcast_new"), data)
    assert response.status_code == 302
    b = Broadcast.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "Rạch Giá" in page and "Phú Quốc" in page and "06:00, 17:00" in page
    bad = client.post(reverse("outreach:broadcast_new"), data | {"times": "25:00", "zones": []})
    assert bad.status_code == 422 and Broadcast.objects.count() == 1
    assert client.post(reverse("outreach:broadcast_cancel", args=[b.pk])).status_code == 302
    assert Broadcast.objects.get().state == "cancelled"


# --- Into the weekly report ----------------------------------------------------------------------
def test_plays_and_items_of_the_week_pre_fill_the_district_section(people, message, week):
    start = first_morning(week) - datetime.timedelta(hours=1)
    b = scheduled_since(people[Role.FOCAL_POINT], message, [RACH_GIA], start)
    communes = list(OrgUnit.objects.filter(parent__code=RACH_GIA).order_by("code")[:2])
    # Two communes relay the 06:00 slot (one item), the district's station plays a bulletin of its own.
    rows = [log_row(c.code, first_morning(week, i), seconds=120, broadcast=b.pk) for i, c in enumerate(communes)]
    rows += [log_row(RACH_GIA, first_morning(week, 5), seconds=95, title="Bản tin Covid-19")]
    rows += [log_row(RACH_GIA, first_morning(week) - datetime.timedelta(days=1))]  # before the period
    rows += [log_row(PHU_QUOC, first_morning(week))]  # another district
    broadcasts.record_logs(people[Role.TELECOM_IT], rows)
    broadcasts.record_publications(people[Role.FOCAL_POINT], [
        {"unit": RACH_GIA, "title": f"Tin {i}", "published_on": week.period_start.isoformat()} for i in range(4)
    ] + [{"unit": RACH_GIA, "title": "Trên Zalo", "channel": "social", "published_on": week.period_start.isoformat()}])
    centre = Submission.objects.get(cycle=week, org_unit__code=RACH_GIA, section__code="truyenthanh")
    got = {code: s.value for code, s in prefill.for_submission(centre).items()}
    assert got["loudspeaker_items"] == 2
    assert got["loudspeaker_minutes"] == 5  # on the air 06:00–06:03 and 06:05–06:06:35: 275 s
    assert got["communes"] == sorted(c.code for c in communes)
    assert got["content"] == "; ".join(sorted([f"{message.title} (1 lượt)", "Bản tin Covid-19 (1 lượt)"]))
    culture = Submission.objects.get(cycle=week, org_unit__code=RACH_GIA, section__code="vhtt")
    assert {code: s.value for code, s in prefill.for_submission(culture).items()} == {"portal_items": 4}
    # A district with no record has no suggestion ("no record" is not "zero").
    other = Submission.objects.get(cycle=week, org_unit__code=KIEN_HAI, section__code="truyenthanh")
    assert prefill.for_submission(other) == {}


def test_the_minutes_on_the_air_never_exceed_the_period(people, message, week):
    """Every station of a district playing the whole time: the minutes are the period's at most
    (the report refuses more), not the stations' minutes added up."""
    stations = [unit(RACH_GIA), *OrgUnit.objects.filter(parent__code=RACH_GIA, level="commune")]
    start = first_morning(week) - datetime.timedelta(hours=6)  # 00:00 of the period's first day
    hours = min(20, int((timezone.now() - start).total_seconds() // 3600))
    rows = [
        log_row(z.code, start + datetime.timedelta(hours=h), seconds=3600, title=f"Chương trình {h}")
        for z in stations for h in range(hours)
    ]  # fmt: skip
    broadcasts.record_logs(people[Role.TELECOM_IT], rows)
    sub = Submission.objects.get(cycle=week, org_unit__code=RACH_GIA, section__code="truyenthanh")
    got = {code: s.value for code, s in prefill.for_submission(sub).items()}
    assert got["loudspeaker_minutes"] == hours * 60
    assert got["loudspeaker_items"] == hours * len(stations)  # unscheduled plays: one item each


def test_the_district_sees_its_section_pre_filled_and_confirms_it(login, people, message, week):
    start = first_morning(week) - datetime.timedelta(hours=2)
    b = scheduled_since(people[Role.FOCAL_POINT], message, [RACH_GIA], start, times="05:00, 05:30, 06:00, 06:30")
    slots = [first_morning(week) + datetime.timedelta(minutes=m) for m in (-60, -30, 0, 30)]
    broadcasts.record_logs(people[Role.DISTRICT_BROADCAST], [
        log_row(RACH_GIA, at, seconds=300, broadcast=b.pk) for at in slots
    ])  # fmt: skip
    sub = Submission.objects.get(cycle=week, org_unit__code=RACH_GIA, section__code="truyenthanh")
    assert sub.state == "pending"
    client = login(people[Role.DISTRICT_BROADCAST])
    url = reverse("reporting:district_report", kwargs={"pk": week.pk, "code": RACH_GIA})
    page = client.get(url).content.decode()
    assert f'id="f-{sub.pk}-loudspeaker_items" value="4"' in page
    assert f'id="f-{sub.pk}-loudspeaker_minutes" value="20"' in page
    assert "4 lượt phát" in page and "kiểm tra" in page
    response = client.post(
        reverse("reporting:submission_submit", args=[sub.pk]),
        {"version": sub.version, "loudspeaker_items": "4", "loudspeaker_minutes": "20",
         "content": f"{message.title} (4 lượt)"},
    )  # fmt: skip
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.state == "submitted" and sub.values["loudspeaker_items"] == 4 and sub.values["loudspeaker_minutes"] == 20
    # Once submitted the value is the district's; the records are shown beside it for the reviewer.
    broadcasts.record_logs(people[Role.DISTRICT_BROADCAST], [log_row(RACH_GIA, first_morning(week, 45))])
    review = login(people[Role.FOCAL_POINT]).get(url).content.decode()
    assert "Theo số liệu ghi nhận" in review and "5 lượt phát" in review


def test_a_value_the_district_saved_is_not_replaced_by_the_records(login, people, week):
    sub = Submission.objects.get(cycle=week, org_unit__code=RACH_GIA, section__code="vhtt")
    assert sub.state == "draft" and sub.values.get("portal_items") is not None  # the demo's draft
    broadcasts.record_publications(people[Role.DISTRICT_CULTURE], [
        {"unit": RACH_GIA, "title": "Tin", "published_on": week.period_start.isoformat()}
    ])  # fmt: skip
    page = login(people[Role.DISTRICT_CULTURE]).get(
        reverse("reporting:district_report", kwargs={"pk": week.pk, "code": RACH_GIA})
    ).content.decode()
    assert f'id="f-{sub.pk}-portal_items" value="{sub.values["portal_items"]}"' in page
    assert "Theo số liệu ghi nhận" in page and "1 tin, bài" in page


def test_the_plan_counts_the_slots_already_due_on_every_station(people, message):
    midnight = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(0, 0)))
    b = scheduled_since(people[Role.FOCAL_POINT], message, [RACH_GIA], midnight, times="00:00, 23:59")
    stations = 1 + OrgUnit.objects.filter(parent__code=RACH_GIA, is_active=True, level="commune").count()
    noon = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12, 0)))
    row = broadcasts.plan_and_plays(b, now=noon)[0]
    assert (row["stations"], row["planned"]) == (stations, stations)  # 23:59 is not due yet
    tomorrow_noon = noon + datetime.timedelta(days=1)
    assert broadcasts.plan_and_plays(b, now=tomorrow_noon)[0]["planned"] == 3 * stations
    broadcasts.cancel(people[Role.FOCAL_POINT], b, now=noon)
    b.refresh_from_db()
    assert broadcasts.plan_and_plays(b, now=tomorrow_noon)[0]["planned"] == stations


def test_a_district_cancels_only_its_own_broadcasts_and_sees_only_its_zones(login, people, message):
    province = schedule(people[Role.FOCAL_POINT], message, [RACH_GIA, PHU_QUOC])
    centre = people[Role.DISTRICT_BROADCAST]  # Rạch Giá
    with pytest.raises(PermissionDenied):
        broadcasts.cancel(centre, province)
    client = login(centre)
    assert client.post(reverse("outreach:broadcast_cancel", args=[province.pk])).status_code == 403
    province.refresh_from_db()
    assert province.state == "scheduled"
    page = client.get(reverse("outreach:broadcast", args=[province.pk])).content.decode()
    assert "Thành phố Rạch Giá" in page and "Thành phố Phú Quốc" not in page
    assert "Hủy lịch phát" not in page
    own = schedule(centre, message, [commune_of(RACH_GIA).code])
    assert client.post(reverse("outreach:broadcast_cancel", args=[own.pk])).status_code == 302
    assert Broadcast.objects.get(pk=own.pk).state == "cancelled"


@pytest.mark.parametrize("value", [[1], {"id": 1}, 1.0, True, "1"])
def test_a_broadcast_that_is_not_a_number_is_refused_not_a_500(api, value):
    row = log_row(RACH_GIA, timezone.now() - datetime.timedelta(minutes=5), broadcast=value)
    response = api(Role.DISTRICT_BROADCAST)("POST", "/outreach/broadcast-logs", {"rows": [row]})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "broadcast"


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2021-02-30", "x" * 300])
def test_pages_with_any_date_answer_not_a_500(login, people, day):
    client = login(people[Role.DISTRICT_BROADCAST])
    assert client.get(reverse("outreach:timetable") + f"?date={day}").status_code == 200
    assert client.get(reverse("outreach:logs") + f"?week={day}").status_code == 200
    culture = login(people[Role.DISTRICT_CULTURE])
    assert culture.get(reverse("outreach:publications") + f"?week={day}").status_code == 200


def test_a_play_outside_the_broadcasts_days_or_before_it_was_scheduled_is_refused(api, people, message):
    b = schedule(people[Role.FOCAL_POINT], message, [RACH_GIA])  # scheduled now, from today
    push = api(Role.DISTRICT_BROADCAST)
    for at in (timezone.now() - datetime.timedelta(hours=1), timezone.now() - datetime.timedelta(days=2)):
        response = push("POST", "/outreach/broadcast-logs", {"rows": [log_row(RACH_GIA, at, broadcast=b.pk)]})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "broadcast"
    ok = push("POST", "/outreach/broadcast-logs", {"rows": [log_row(RACH_GIA, timezone.now(), broadcast=b.pk)]})
    assert ok.status_code == 200


def test_an_edited_or_retired_message_goes_off_the_air_with_its_approved_text_kept(api, people, message):
    from outreach import actions

    b = schedule(people[Role.FOCAL_POINT], message, [RACH_GIA])
    approved = message.loudspeaker_text
    assert b.text == approved
    call = api(Role.DISTRICT_BROADCAST)
    plays = call("GET", f"/outreach/timetable?zone={RACH_GIA}").json()["plays"]
    assert plays and plays[0]["script"] == approved
    message.loudspeaker_text = "VĂN BẢN CHƯA DUYỆT"
    actions.save(people[Role.FOCAL_POINT], message)  # an edit takes it back to draft
    assert call("GET", f"/outreach/timetable?zone={RACH_GIA}").json()["plays"] == []
    assert broadcasts.timetable(unit(RACH_GIA), TODAY) == []
    b.refresh_from_db()
    assert b.text == approved
