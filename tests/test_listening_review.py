"""Defects found by a review of the social-listening module, each kept as a test: access to
another area's claims, hostile input on every view, races between pollers and workers."""

import json

import pytest
from django.urls import reverse

from core.models import ApiToken, OrgUnit
from core.roles import Role
from listening import feeds, ingest, screening
from listening.models import Alert, Post, Source, Watchlist
from misinfo.models import Claim


@pytest.fixture
def tool():
    return Source.objects.get(kind="api")


def _push(source, *posts):
    return ingest.store(source, [(i, p) for i, p in enumerate(posts, 1)])


# 1. post page shows the statement of a claim the district may not see -----------------
def test_post_page_leaks_claim_of_another_area(tool, login, people):
    ha_tien = OrgUnit.objects.get(code="900")
    secret = "Ông Sáu ở chợ đêm bán thuốc giả trị Covid bằng lá xoài non ngâm rượu"
    claim = Claim.objects.create(statement=secret + ", theo lời kể của Bảy Lùn", org_unit=ha_tien)
    _push(tool, {"id": "leak1", "text": "Rạch Giá: " + secret})
    post = Post.objects.get(external_id="leak1")
    alert = Alert.objects.get(post=post)
    assert post.org_unit.code.startswith("899") or post.org_unit.path.startswith("/91/899/")
    assert alert.claim_id == claim.pk
    district = login(people[Role.DISTRICT_CULTURE])
    # The claim is not the district's to see ...
    assert district.get(reverse("misinfo:claim_detail", args=[claim.pk])).status_code == 404
    queue = district.get(reverse("listening:alerts"), {"claim": claim.pk}).content.decode()
    assert "Bảy Lùn" not in queue  # the queue hides it ("handled by another area")
    # ... but the post page prints it in full.
    html = district.get(reverse("listening:post", args=[post.pk])).content.decode()
    assert "Bảy Lùn" not in html, "claim statement leaked"


# 2. a district editing a watchlist drops the province people it cannot see -------------
def test_district_edit_silently_unsubscribes_province_people(login, people):
    watchlist = Watchlist.objects.get(name="Phong tỏa Rạch Giá")
    inspector = people[Role.INSPECTOR]
    assert inspector in watchlist.notify.all()
    district = people[Role.DISTRICT_CULTURE]
    client = login(district)
    url = reverse("listening:watchlist_edit", args=[watchlist.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if k != "notify"}
    data["notify"] = [p.pk for p in watchlist.notify.all() if p.pk != inspector.pk]
    data["is_active"] = "on"
    data["name"] = "Phong tỏa Rạch Giá (sửa)"
    response = client.post(url, data)
    assert response.status_code == 302
    assert inspector in watchlist.notify.all(), "the inspector was unsubscribed by a district's rename"


# 3. "Read now" fetches a feed that another poller has claimed and is fetching ---------
def test_read_now_while_scheduler_fetches(login, people, monkeypatch):
    source = Source.objects.create(name="Feed X", kind="rss", url="https://example.org/rss", poll_minutes=15)
    calls = []
    monkeypatch.setattr(feeds, "fetch", lambda s: calls.append(s.pk) or feeds.FetchResult())
    from django.utils import timezone

    assert feeds.claim(source, timezone.now())  # the scheduler took it and is downloading
    response = login(people[Role.INSPECTOR]).post(reverse("listening:source_poll", args=[source.pk]), follow=True)
    assert calls == [], "fetched a second time while the first fetch runs"
    assert "đang được đọc" in response.content.decode() or "being read" in response.content.decode()


# 4. a post stored concurrently by another worker is alerted/e-mailed twice -------------
def test_concurrent_store_notifies_twice(tool, monkeypatch):
    text = "Sắp phong tỏa tp Rạch Giá 2 tuần, tích trữ đồ ăn đi"
    enqueued = []
    monkeypatch.setattr(screening, "enqueue_on_commit", lambda task, wid, posts: enqueued.append((wid, posts)))
    real_place = screening.Screener.place
    state = {"inside": False}

    def place(self, t):
        if not state["inside"]:  # the other worker stores the same post in this window
            state["inside"] = True
            _push(tool, {"id": "race1", "text": text})
        return real_place(self, t)

    monkeypatch.setattr(screening.Screener, "place", place)
    result = _push(tool, {"id": "race1", "text": text})
    assert Post.objects.filter(external_id="race1").count() == 1
    assert Alert.objects.filter(post__external_id="race1").count() == 1
    post_id = Post.objects.get(external_id="race1").pk
    told = [posts for _w, posts in enqueued if post_id in posts]
    assert (result.stored, result.alerts) == (0, 0) and len(told) == 1, (result, told)


# 5. hostile JSON lines through the API -------------------------------------------------
@pytest.mark.parametrize(
    "item",
    [
        {"id": "a\u0000b", "text": "xin chào"},
        {"id": "n1", "text": "xin chào", "url": "https://x.vn/\u0000"},
        {"id": "s1", "text": "xin chào", "author": "\ud800"},
        {"id": "\ud800", "text": "xin chào"},
        {"id": "u1", "text": "xin chào", "url": "https://x.vn/\ud800"},
        # Addresses the desk would refuse when the alert is attached or sent as a tip.
        {"id": "w1", "text": "xin chào", "url": "https://"},
        {"id": "w2", "text": "xin chào", "url": "https://fb.com/a b"},
        {"id": "w3", "text": "xin chào", "url": "http://:80/x"},
    ],
)
def test_api_push_hostile_lines_give_a_line_error_not_500(client, people, item):
    _token, key = ApiToken.issue(people[Role.INSPECTOR], "tool")
    body = json.dumps(item)  # ensure_ascii: \u0000 and \ud800 escapes survive to json.loads
    client.raise_request_exception = False
    response = client.post(
        "/api/v1/listening/posts?source=T",
        body,
        content_type="application/x-ndjson",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.status_code
    assert response.json()["stored"] == 0 and response.json()["errors"][0]["line"] == 1


HOSTILE = [
    "",
    "0",
    "-1",
    "9" * 30,
    "1e9",
    "x",
    "\x00",
    "a\x00b",
    "<script>",
    "💥" * 5000,
    "//evil.com",
    "2147483648",
    "9223372036854775808",
]


def test_fuzz_every_listening_view(login, people, tool):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(people[Role.INSPECTOR])
    client.raise_request_exception = False
    alert = Alert.objects.filter(state="open").first()
    wl = Watchlist.objects.first()
    csv_source = Source.objects.get(kind="csv")
    bad = []

    def check(method, url, data=None, **kw):
        r = getattr(client, method)(url, data or {}, **kw)
        if r.status_code >= 500:
            bad.append((method, url, {k: (v[:20] if isinstance(v, str) else v) for k, v in (data or {}).items()}))

    for big in ["9" * 25, "2147483648", "9223372036854775808"]:
        for prefix in ("posts", "watchlists", "sources"):
            check("get", f"/listening/{prefix}/{big}/")
        check("post", f"/listening/alerts/{big}/dismiss/")
        check("post", f"/listening/sources/{big}/poll/")
        check("get", f"/listening/sources/{big}/upload/")
    for v in HOSTILE:
        for key in ["state", "level", "district", "source", "watchlist", "claim", "q", "page"]:
            check("get", reverse("listening:alerts"), {key: v})
        for op in ["dismiss", "attach", "tip", "x", v]:
            check("post", reverse("listening:alert_bulk"), {"operation": op, "claim": v, "next": v})
            check("post", reverse("listening:alert_bulk"), {"operation": op, "watchlist": v, "next": v})
        for op in ["dismiss", "attach", "reopen", "tip"]:
            # Each request meets an open alert (a dismissed one for "reopen"), so the hostile
            # values reach the action's own checks, not "already handled".
            reset = {"state": "dismissed" if op == "reopen" else "open", "tip": None, "case": None}
            Alert.objects.filter(pk=alert.pk).update(**reset)
            check("post", reverse("listening:alert_act", args=[alert.pk, op]), {"note": v, "case": v, "next": v})
            Alert.objects.filter(pk=alert.pk).update(**reset)
            check(
                "post",
                reverse("listening:alert_act", args=[alert.pk, op]),
                {"note": v, "case": v, "next": v},
                headers={"HX-Request": "true"},
            )
        base = {"name": "W", "phrases": "phong tỏa", "mode": "any", "within": "8", "org_unit": "", "is_active": "on"}
        for key in base:
            check("post", reverse("listening:watchlist_new"), {**base, key: v})
            check("post", reverse("listening:watchlist_edit", args=[wl.pk]), {**base, key: v})
        check("post", reverse("listening:watchlist_new"), {**base, "notify": [v]})
        sbase = {"name": "S", "kind": "rss", "url": "https://x.vn/rss", "poll_minutes": "15", "org_unit": ""}
        for key in sbase:
            check("post", reverse("listening:source_new"), {**sbase, key: v})
        up = reverse("listening:source_upload", args=[csv_source.pk])
        check("get", up, {"token": v})
        check("post", up, {"token": v, "action": "import", "map_text": v})
        check("post", up, {"file": SimpleUploadedFile("x.csv", v.encode("utf-8", "surrogatepass") or b" ", "text/csv")})
    # a real token, then hostile mappings
    data = "ID,Nội dung\n1,xin chào bà con\n".encode()
    r = client.post(
        reverse("listening:source_upload", args=[csv_source.pk]), {"file": SimpleUploadedFile("x.csv", data)}
    )
    token = r["Location"].split("token=")[1]
    for v in HOSTILE:
        for f in ["id", "text", "url", "published_at", "reactions"]:
            for action in ["check", "import"]:
                check("post", up, {"token": token, "action": action, "map_text": "Nội dung", f"map_{f}": v})
    for method in ["put", "delete", "patch"]:
        check(method, reverse("listening:alerts"))
        check(method, reverse("listening:alert_act", args=[alert.pk, "dismiss"]))
    assert not bad, bad[:20]


def test_a_watchlist_name_is_one_line_and_its_emails_go_out(tool, login, people, mailoutbox):
    client = login(people[Role.INSPECTOR])
    response = client.post(
        reverse("listening:watchlist_new"),
        {"name": "Vắc xin giả\r\nmới", "phrases": "vắc xin giả", "mode": "any", "within": 8, "is_active": "on",
         "notify": [people[Role.INSPECTOR].pk]},
    )  # fmt: skip
    assert response.status_code == 400 and not Watchlist.objects.filter(name__startswith="Vắc xin giả").exists()
    # One that has a line break all the same (written before the check) still sends its emails.
    watchlist = Watchlist.objects.create(name="Vắc xin giả\nmới", phrases="vắc xin giả", mode="any")
    watchlist.notify.set([people[Role.INSPECTOR]])
    _push(tool, {"id": "nl1", "text": "Có vắc xin giả bán ở chợ"})
    from listening.tasks import notify_watchers

    post = Post.objects.get(external_id="nl1")
    assert notify_watchers.call(watchlist.pk, [post.pk]) == 1
    assert "Vắc xin giả mới" in mailoutbox[-1].subject


def test_no_markup_gets_through(tool, login, people):
    evil = "<img src=x onerror=alert(1)>"
    src = Source.objects.create(name="S" + evil, kind="api")
    wl = Watchlist.objects.create(name="W" + evil, phrases="phong tỏa\n" + evil + " phong tỏa", mode="any")
    ingest.store(
        src,
        [
            (
                1,
                {
                    "id": "e1",
                    "text": "Sắp phong tỏa " + evil,
                    "author": evil,
                    "url": 'https://x.vn/"><script>alert(1)</script>',
                },
            )
        ],
    )
    ingest.store(src, [(1, {"id": "e2", "text": "phong tỏa", "url": "javascript:alert(1)"})])
    assert not Post.objects.filter(external_id="e2").exists()
    post = Post.objects.get(external_id="e1")
    client = login(people[Role.INSPECTOR])
    pages = [
        reverse("listening:alerts"),
        reverse("listening:alerts") + f"?watchlist={wl.pk}",
        reverse("listening:alerts") + "?q=phong",
        reverse("listening:post", args=[post.pk]),
        reverse("listening:watchlists"),
        reverse("listening:watchlist_edit", args=[wl.pk]),
        reverse("listening:sources"),
        reverse("listening:source_edit", args=[src.pk]),
        reverse("listening:overview"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "<img src=x" not in html and "<script>alert" not in html, url


def test_bulk_from_a_filtered_queue_touches_alerts_not_shown(tool, login, people):
    _push(
        tool,
        {"id": "f1", "text": "Rạch Giá: hít dầu gió xanh 4 lần một ngày khỏi Covid-19 sau 10 ngày"},
        {"id": "f2", "text": "Hà Tiên: hít dầu gió xanh 4 lần một ngày khỏi Covid-19 sau 10 ngày"},
    )
    a, b = Alert.objects.get(post__external_id="f1"), Alert.objects.get(post__external_id="f2")
    assert a.claim_id == b.claim_id
    rach_gia = OrgUnit.objects.get(code="899")
    client = login(people[Role.INSPECTOR])
    page = client.get(reverse("listening:alerts"), {"district": rach_gia.pk})
    html = page.content.decode()
    assert f'id="alert-{a.pk}"' in html and f'id="alert-{b.pk}"' not in html
    # The group's "Dismiss all" form sends what the page renders, the page's filters included.
    assert f'<input type="hidden" name="district" value="{rach_gia.pk}">' in html
    client.post(
        reverse("listening:alert_bulk"),
        {"operation": "dismiss", "claim": a.claim_id, "district": rach_gia.pk, "next": page.request["PATH_INFO"]},
    )
    a.refresh_from_db()
    assert a.state == "dismissed"
    b.refresh_from_db()
    assert b.state == "open", "an alert of Hà Tiên, filtered out of the page, was dismissed"


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:00:00-05:00"])
def test_api_push_extreme_dates(client, people, when):
    _token, key = ApiToken.issue(people[Role.INSPECTOR], "tool")
    client.raise_request_exception = False
    body = json.dumps({"id": "d" + when[:4], "text": "xin chào", "published_at": when})
    response = client.post(
        "/api/v1/listening/posts?source=T",
        body,
        content_type="application/x-ndjson",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200
    assert response.json()["stored"] == 0 and response.json()["errors"][0]["line"] == 1


@pytest.mark.parametrize("when", ["01/01/0001 00:00", "31/12/9999 23:59"])
def test_upload_extreme_dates(login, people, when):
    from django.core.files.uploadedfile import SimpleUploadedFile

    source = Source.objects.get(kind="csv")
    client = login(people[Role.INSPECTOR])
    client.raise_request_exception = False
    url = reverse("listening:source_upload", args=[source.pk])
    data = f"ID;Nội dung;Ngày đăng\nz1;xin chào bà con;{when}\n".encode()
    r = client.post(url, {"file": SimpleUploadedFile("x.csv", data)})
    token = r["Location"].split("token=")[1]
    done = client.post(
        url,
        {"token": token, "action": "import", "map_id": "ID", "map_text": "Nội dung", "map_published_at": "Ngày đăng"},
    )
    assert done.status_code == 200
    assert done.context["result"].stored == 0 and [e["line"] for e in done.context["result"].errors] == [2]


def test_district_sees_province_watchlist_name_it_cannot_list(tool, login, people):
    wl = Watchlist.objects.create(name="Theo dõi nội bộ Sở", phrases="cá thu", mode="any")
    _push(tool, {"id": "pw1", "text": "Giá cá thu hôm nay ở Rạch Giá rẻ quá"})
    client = login(people[Role.DISTRICT_CULTURE])
    assert "Theo dõi nội bộ Sở" not in client.get(reverse("listening:watchlists")).content.decode()
    assert client.get(reverse("listening:watchlist_edit", args=[wl.pk])).status_code == 404
    html = client.get(reverse("listening:alerts"), {"watchlist": wl.pk}).content.decode()
    assert "Theo dõi nội bộ Sở" not in html


def test_next_without_slash_dismisses_then_500(tool, login, people):
    alert = Alert.objects.filter(state="open").first()
    client = login(people[Role.INSPECTOR])
    client.raise_request_exception = False
    r = client.post(reverse("listening:alert_act", args=[alert.pk, "dismiss"]), {"next": "x"})
    alert.refresh_from_db()
    assert (r.status_code, alert.state) == (302, "dismissed")


def test_the_api_pushes_into_api_sources_only(client, people):
    _token, key = ApiToken.issue(people[Role.INSPECTOR], "tool")
    feed = Source.objects.get(kind="rss")
    response = client.post(f"/api/v1/listening/posts?source={feed.name}", json.dumps({"id": "x", "text": "xin chào"}),
                           content_type="application/x-ndjson", headers={"Authorization": f"Bearer {key}"})  # fmt: skip
    assert response.status_code == 422 and not Post.objects.filter(source=feed).exists()


def test_near_rules_stay_fast_on_long_posts():
    from vntext.matching import tokens
    from vntext.watch import Rule

    words = tokens("chết " * 20000 + " vắc xin")
    rule = Rule.parse("chết\nvắc xin", "near", 8)
    assert rule.find(words) == [(19999, 20000), (20000, 20002)]  # and returns in milliseconds, not seconds


def test_uploads_left_half_way_are_swept_after_a_day(login, people):
    import datetime
    import os

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    old = default_storage.save("uploads-waiting/old.bin", ContentFile(b"x"))
    stamp = (datetime.datetime.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(default_storage.path(old), (stamp, stamp))
    source = Source.objects.get(kind="csv")
    client = login(people[Role.INSPECTOR])
    upload = SimpleUploadedFile("x.csv", "ID,Nội dung\n1,xin chào bà con\n".encode())
    response = client.post(reverse("listening:source_upload", args=[source.pk]), {"file": upload})
    assert response.status_code == 302 and not default_storage.exists(old)
