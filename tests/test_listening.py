"""Social listening: alerts raised once per post (claims and watchlists), the inspector's
actions through the desk, the queue, the post with its highlights, watchlists and who sees what."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.urls import reverse

from core.models import AuditEvent, OrgUnit
from core.roles import Role
from listening import actions, ingest
from listening.models import Alert, Post, Source, Watchlist
from misinfo.actions import Rejected
from misinfo.models import Claim, Evidence, Tip
from tests import taskqueue
from vntext.matching import highlight, tokens
from vntext.watch import Rule


def _push(source, *posts):
    lines = [(i, p) for i, p in enumerate(posts, 1)]
    return ingest.store(source, lines)


@pytest.fixture
def tool():
    return Source.objects.get(kind="api")


# --- vntext.watch and highlight ---------------------------------------------------------


@pytest.mark.parametrize(
    "phrases, mode, within, text, hit",
    [
        ("phong tỏa", "any", 8, "Nghe nói sắp PHONG TOẢ cả tỉnh", True),
        ("phong tỏa", "any", 8, "phong toa", True),
        ("phong tỏa", "any", 8, "phong thủy nhà ở", False),
        ("phong tỏa\nRạch Giá", "all", 8, "Rạch Giá hôm nay đẹp trời. Ở Hà Nội thì phong tỏa rồi.", True),
        ("phong tỏa\nRạch Giá", "near", 3, "Rạch Giá hôm nay đẹp trời. Ở Hà Nội thì phong tỏa rồi.", False),
        ("phong tỏa\nRạch Giá", "near", 3, "sắp phong tỏa tp Rạch Giá", True),
        ("không có vắc xin", "any", 8, "ko co vac xin dau mn oi", True),  # teencode, no accents
        ("ko có vắc xin", "any", 8, "Ở đây không có vắc xin đâu", True),  # teencode in the rule too
        ("\n\n", "any", 8, "anything", False),
    ],
)
def test_watch_rules(phrases, mode, within, text, hit):
    assert bool(Rule.parse(phrases, mode, within).find(tokens(text))) is hit


def test_highlight_marks_the_words_in_the_original_text():
    text = "Mn ơi, hít DẦU GIÓ xanh 4 lần là khỏi Covid đó"
    marked = [text[a:b] for a, b in highlight(text, {"dau", "gio", "xanh", "4", "khoi", "covid"})]
    assert marked == ["DẦU", "GIÓ", "xanh", "4", "khỏi", "Covid"]
    assert highlight(text, set()) == []


# --- Alerts from the demo and from new posts --------------------------------------------


def test_demo_alerts_are_grouped_under_the_demo_claims():
    auto = Alert.objects.filter(level="auto")
    assert auto.count() >= 20
    assert auto.values("claim").distinct().count() >= 10
    assert Alert.objects.exclude(watchlist=None).exists()
    # Every post of the demo with a place name is placed.
    chau_thanh = OrgUnit.objects.get(code="905")
    assert Post.objects.filter(text__contains="Tắc Cậu", org_unit__path__startswith=chau_thanh.path).exists()


def test_a_post_is_alerted_once_and_stored_once(tool):
    text = "Hít dầu gió xanh 4 lần mỗi ngày là khỏi Covid, mn làm theo nha"
    first = _push(tool, {"id": "x1", "text": text})
    again = _push(tool, {"id": "x1", "text": text}, {"id": "x1", "text": text})
    assert (first.stored, first.alerts) == (1, 1)
    assert (again.stored, again.duplicates, again.alerts) == (0, 2, 0)
    alert = Alert.objects.get(post__external_id="x1", post__source=tool)
    assert alert.level == "auto" and alert.claim.external_id == "D01"


def test_official_news_and_chatter_raise_nothing(tool):
    result = _push(
        tool,
        {"id": "n1", "text": "Sở Y tế khuyến cáo người dân không tự ý dùng dầu gió để chữa Covid-19."},
        {"id": "n2", "text": "Hôm nay trời mưa to quá, ai ở Rạch Giá nhớ mang áo mưa nha"},
    )
    assert result.stored == 2
    assert not Alert.objects.filter(post__external_id__in=["n1", "n2"], level="auto").exists()


def test_watchlist_hit_raises_an_alert_and_emails_the_people_named(
    tool, people, django_capture_on_commit_callbacks, mailoutbox
):
    from listening.tasks import notify_watchers

    watchlist = Watchlist.objects.get(name="Phong tỏa Rạch Giá")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = _push(tool, {"id": "w1", "text": "Sắp phong tỏa tp Rạch Giá 2 tuần, tích trữ đồ ăn đi"})
    alert = Alert.objects.get(post__external_id="w1")
    assert result.alerts == 1 and alert.watchlist == watchlist and alert.post.org_unit.code == "899"
    assert len(callbacks) == 1  # one email task per watchlist and batch, queued once committed
    queued = taskqueue.latest()
    assert queued.path.endswith("notify_watchers") and queued.args == [
        watchlist.pk,
        [alert.post_id],
    ]
    assert notify_watchers.call(*queued.args) == 2  # what the worker runs
    told = {m.to[0] for m in mailoutbox}
    assert told == {p.email for p in watchlist.notify.all()} and told
    assert "phong tỏa" in mailoutbox[0].body.lower()


def test_a_district_watchlist_sees_only_its_district(tool):
    # "Cảng Tắc Cậu" belongs to Châu Thành: a post placed in Hà Tiên that names it elsewhere is
    # placed in Châu Thành (the text names the port), so take a post with no place at all.
    watchlist = Watchlist.objects.get(name="Cảng Tắc Cậu")
    watchlist.phrases = "cá thu"
    watchlist.save()
    _push(tool, {"id": "d1", "text": "Giá cá thu hôm nay ở Hà Tiên rẻ quá"})
    _push(tool, {"id": "d2", "text": "Giá cá thu hôm nay ở Châu Thành rẻ quá"})
    assert not Alert.objects.filter(post__external_id="d1").exists()
    assert Alert.objects.get(post__external_id="d2").watchlist == watchlist


# --- The inspector's actions -------------------------------------------------------------


def _open_alert(tool, text="Uống nước tiểu hoặc nuốt giun đất sống là chữa được Covid-19 đó mn", post_id="a1"):
    _push(tool, {"id": post_id, "text": text, "url": f"https://facebook.com/p/{post_id}"})
    return Alert.objects.get(post__external_id=post_id, post__source=tool)


def test_attach_puts_the_post_on_the_claims_case_as_evidence(tool, people):
    alert = _open_alert(tool)
    inspector = people[Role.INSPECTOR]
    alert = actions.attach(inspector, alert)
    evidence = Evidence.objects.get(case=alert.case, url="https://facebook.com/p/a1")
    assert alert.state == "attached" and alert.case.claim == alert.claim
    with evidence.file.open("rb") as handle:
        assert "nuốt giun đất sống" in handle.read().decode("utf-8")
    assert len(evidence.sha256) == 64
    assert AuditEvent.objects.filter(action="listening.attach", object_id=str(alert.pk)).exists()
    with pytest.raises(Rejected):
        actions.attach(inspector, alert)  # handled once
    with pytest.raises(Rejected):
        actions.dismiss(inspector, alert)


def test_to_desk_records_a_tip_on_the_listening_channel_linked_to_the_claim(tool, people):
    alert = _open_alert(tool, post_id="a2")
    alert = actions.to_desk(people[Role.INSPECTOR], alert)
    tip = Tip.objects.get(pk=alert.tip_id)
    assert tip.channel == "listening" and tip.claim == alert.claim and tip.url == "https://facebook.com/p/a2"
    assert alert.state == "tipped"


def test_dismiss_and_undo(tool, people):
    alert = _open_alert(tool, post_id="a3")
    inspector = people[Role.INSPECTOR]
    with pytest.raises(Rejected) as e:
        actions.dismiss(inspector, alert, "bad\x00note")
    assert "note" in e.value.errors
    alert = actions.dismiss(inspector, alert, "Trùng lặp")
    assert alert.state == "dismissed" and alert.note == "Trùng lặp"
    alert = actions.reopen(inspector, alert)
    assert alert.state == "open" and alert.handled_by is None


def test_districts_cannot_handle_alerts(tool, people):
    alert = _open_alert(tool, post_id="a4")
    with pytest.raises(PermissionDenied):
        actions.dismiss(people[Role.DISTRICT_CULTURE], alert)


# --- Pages -------------------------------------------------------------------------------


def test_queue_groups_by_claim_and_the_row_answers_htmx(tool, login, people):
    alert = _open_alert(tool, post_id="a5")
    client = login(people[Role.INSPECTOR])
    assert client.get(reverse("listening:alerts")).status_code == 200
    page = client.get(reverse("listening:alerts"), {"claim": alert.claim_id})
    html = page.content.decode()
    assert alert.claim.statement[:40] in html and f'id="alert-{alert.pk}"' in html
    response = client.post(reverse("listening:alert_act", args=[alert.pk, "dismiss"]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'id="alert-{alert.pk}"' in response.content.decode() and "alert--dismissed" in response.content.decode()
    again = client.post(reverse("listening:alert_act", args=[alert.pk, "dismiss"]), headers={"HX-Request": "true"})
    assert 'role="alert"' in again.content.decode()  # "already handled", not a 500
    assert client.post(reverse("listening:alert_act", args=[alert.pk, "explode"])).status_code == 404


def test_bulk_dismiss_of_a_claims_group(tool, login, people):
    a, b = _open_alert(tool, post_id="b1"), _open_alert(tool, post_id="b2")
    client = login(people[Role.INSPECTOR])
    response = client.post(reverse("listening:alert_bulk"), {"operation": "dismiss", "claim": a.claim_id})
    assert response.status_code == 302
    assert set(Alert.objects.filter(pk__in=[a.pk, b.pk]).values_list("state", flat=True)) == {"dismissed"}
    assert client.post(reverse("listening:alert_bulk"), {"operation": "x"}).status_code == 302


def test_post_page_marks_the_shared_words(tool, login, people):
    alert = _open_alert(tool, post_id="c1")
    page = login(people[Role.INSPECTOR]).get(reverse("listening:post", args=[alert.post_id]))
    html = page.content.decode()
    assert "<mark>giun</mark>" in html and "<mark>tiểu</mark>" in html


def test_post_text_is_escaped(tool, login, people):
    _push(tool, {"id": "xss", "text": "<script>alert(1)</script> dầu gió xanh chữa khỏi Covid-19 sau 10 ngày"})
    post = Post.objects.get(external_id="xss")
    html = login(people[Role.INSPECTOR]).get(reverse("listening:post", args=[post.pk])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_search_without_diacritics(tool, login, people):
    _open_alert(tool, post_id="s1")
    html = login(people[Role.INSPECTOR]).get(reverse("listening:alerts"), {"q": "giun dat"}).content.decode()
    assert "nuốt giun đất sống là chữa" in html


def test_district_sees_its_district_only(tool, login, people):
    _push(tool, {"id": "r1", "text": "Rạch Giá: hít dầu gió xanh 4 lần một ngày khỏi Covid-19 sau 10 ngày"},
          {"id": "h1", "text": "Hà Tiên: hít dầu gió xanh 4 lần một ngày khỏi Covid-19 sau 10 ngày"})  # fmt: skip
    client = login(people[Role.DISTRICT_CULTURE])  # Rạch Giá
    html = client.get(reverse("listening:alerts"), {"q": "dau gio"}).content.decode()
    assert "Rạch Giá: hít" in html and "Hà Tiên: hít" not in html
    other = Post.objects.get(external_id="h1")
    assert client.get(reverse("listening:post", args=[other.pk])).status_code == 404


def test_overview_draws_the_charts(login, people):
    html = login(people[Role.LEADER]).get(reverse("listening:overview")).content.decode()
    assert html.count("data:image/svg+xml;base64,") == 2


# --- Watchlists --------------------------------------------------------------------------


def test_watchlist_editor_checks_and_saves(login, people):
    client = login(people[Role.INSPECTOR])
    bad = client.post(
        reverse("listening:watchlist_new"), {"name": "X", "phrases": "!!!\n???", "mode": "any", "within": 8}
    )
    assert bad.status_code == 400 and "ít nhất một cụm từ" in bad.content.decode()
    bad = client.post(
        reverse("listening:watchlist_new"), {"name": "X", "phrases": "a\x01b", "mode": "any", "within": 8}
    )
    assert bad.status_code == 400
    ok = client.post(
        reverse("listening:watchlist_new"),
        {"name": "Vắc xin giả", "phrases": "vắc xin giả\ntiêm chui", "mode": "any", "within": 8, "is_active": "on"},
    )
    watchlist = Watchlist.objects.get(name="Vắc xin giả")
    assert ok.status_code == 302 and watchlist.phrases == "vắc xin giả\ntiêm chui" and watchlist.org_unit is None
    assert AuditEvent.objects.filter(action="listening.watchlist", object_id=str(watchlist.pk)).exists()


def test_a_district_keeps_watchlists_for_its_own_area(login, people):
    client = login(people[Role.DISTRICT_CULTURE])
    ha_tien = OrgUnit.objects.get(code="900")
    response = client.post(
        reverse("listening:watchlist_new"), {"name": "Hà Tiên", "phrases": "chốt", "mode": "any", "within": 8,
                                             "org_unit": ha_tien.pk},
    )  # fmt: skip
    assert response.status_code == 400 and not Watchlist.objects.filter(name="Hà Tiên").exists()
    with pytest.raises(Rejected) as e:
        actions.save_watchlist(people[Role.DISTRICT_CULTURE], Watchlist(), {"name": "T", "phrases": "a"}, [])
    assert "org_unit" in e.value.errors  # not province-wide


def test_api_push_counts_watchlists_and_claims(client, people):
    from core.models import ApiToken

    _token, key = ApiToken.issue(people[Role.INSPECTOR], "tool")
    body = "\n".join(
        json.dumps(p, ensure_ascii=False)
        for p in [{"id": "api1", "text": "uong nuoc tieu hoac nuot giun dat song chua dc covid"}, {"id": "api2"}]
    )
    response = client.post("/api/v1/listening/posts?source=Công cụ lắng nghe mạng xã hội", body,
                           content_type="application/x-ndjson", headers={"Authorization": f"Bearer {key}"})  # fmt: skip
    data = response.json()
    assert response.status_code == 200 and data["stored"] == 1 and data["alerts"] == 1
    assert data["errors"][0]["line"] == 2
    assert Alert.objects.get(post__external_id="api1").claim == Claim.objects.get(external_id="D02")


# --- Uploads of listening tools' exports -------------------------------------------------


def _export_csv() -> bytes:
    rows = [
        "ID;Nội dung;Link;Tác giả;Ngày đăng;Lượt thích;Bình luận;Chia sẻ",
        "u1;Uống nước tiểu hoặc nuốt giun đất sống chữa được Covid-19;https://fb.com/u1;Anh Ba;"
        "28/11/2026 08:15;1.234;56;7",
        "u2;Hôm nay chợ Rạch Sỏi đông vui;https://fb.com/u2;Chị Tư;28/11/2026 09:00;3;0;0",
        "u3;Dòng này hỏng;https://fb.com/u3;X;hôm qua;1;1;1",
    ]
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8")


def test_upload_maps_columns_runs_dry_and_imports(login, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    source = Source.objects.get(kind="csv")
    source.mapping = {}
    source.save()
    client = login(people[Role.INSPECTOR])
    url = reverse("listening:source_upload", args=[source.pk])
    response = client.post(url, {"file": SimpleUploadedFile("export.csv", _export_csv(), "text/csv")})
    assert response.status_code == 302 and "token=" in response["Location"]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and 'value="Nội dung" selected' in html  # the text column is guessed
    token = response["Location"].split("token=")[1]
    mapping = {"map_id": "ID", "map_text": "Nội dung", "map_url": "Link", "map_author": "Tác giả",
               "map_published_at": "Ngày đăng", "map_reactions": "Lượt thích", "map_comments": "Bình luận",
               "map_shares": "Chia sẻ"}  # fmt: skip
    dry = client.post(url, {"token": token, "action": "check", **mapping})
    assert dry.status_code == 200 and not Post.objects.filter(source=source).exists()
    assert dry.context["dry_run"].stored == 2 and [e["line"] for e in dry.context["dry_run"].errors] == [4]
    done = client.post(url, {"token": token, "action": "import", **mapping})
    result = done.context["result"]
    assert (result.stored, result.alerts, len(result.errors)) == (2, 1, 1)
    post = Post.objects.get(source=source, external_id="u1")
    assert post.reactions == 1234 and post.published_at.isoformat().startswith("2026-11-28T01:15")  # 08:15 in Vietnam
    source.refresh_from_db()
    assert source.mapping["text"] == "Nội dung"
    assert AuditEvent.objects.filter(action="listening.upload", object_id=str(source.pk)).exists()
    # The token is used up: the same form again starts over, nothing is stored twice.
    again = client.post(url, {"token": token, "action": "import", **mapping})
    assert again.status_code == 400 and Post.objects.filter(source=source).count() == 2


def test_upload_refuses_garbage_with_a_message(login, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    source = Source.objects.get(kind="csv")
    client = login(people[Role.INSPECTOR])
    url = reverse("listening:source_upload", args=[source.pk])
    response = client.post(url, {"file": SimpleUploadedFile("x.csv", bytes(range(256)) * 40, "text/csv")})
    assert response.status_code == 400 and 'class="errorlist"' in response.content.decode()
    assert client.get(url, {"token": "forged"}).status_code == 200  # an unknown token is the first step again


def test_sources_page_and_a_feed_that_cannot_be_read(login, people):
    client = login(people[Role.INSPECTOR])
    bad = client.post(reverse("listening:source_new"), {"name": "Báo X", "kind": "rss", "url": "", "poll_minutes": 15})
    assert bad.status_code == 400
    created = client.post(
        reverse("listening:source_new"),
        {"name": "Báo X", "kind": "rss", "url": "http://127.0.0.1:9/rss", "poll_minutes": 15, "is_active": "on"},
    )
    feed = Source.objects.get(name="Báo X")
    assert created.status_code == 302 and feed.is_active
    response = client.post(reverse("listening:source_poll", args=[feed.pk]), follow=True)
    feed.refresh_from_db()
    assert feed.last_error and feed.last_error_at and feed.last_fetch_at is None
    from django.utils.html import escape

    assert escape(feed.last_error) in response.content.decode()
    assert "Báo X" in client.get(reverse("listening:sources")).content.decode()


def test_queue_filters_take_any_input_without_error(login, people):
    client = login(people[Role.INSPECTOR])
    for query in ({"claim": "9" * 30}, {"district": "-1"}, {"source": "x"}, {"state": "<b>"}, {"page": "999"},
                  {"q": "\x00" * 50}, {"watchlist": "1e9"}):  # fmt: skip
        assert client.get(reverse("listening:alerts"), query).status_code == 200, query


def test_a_later_reading_updates_the_counts_and_gives_the_velocity(tool):
    import datetime

    from django.utils import timezone

    post = {"id": "v1", "text": "Hít dầu gió xanh 4 lần mỗi ngày là khỏi Covid-19", "reactions": 10, "shares": 0}
    _push(tool, post)
    stored = Post.objects.get(external_id="v1")
    assert (stored.first_reach, stored.reach) == (10, 10)
    Post.objects.filter(pk=stored.pk).update(received_at=timezone.now() - datetime.timedelta(hours=2))
    result = _push(tool, {**post, "reactions": 400, "shares": 210})
    assert (result.stored, result.duplicates, result.updated, result.alerts) == (0, 1, 1, 0)
    stored.refresh_from_db()
    assert stored.reach == 610 and round(stored.velocity(timezone.now())) == 300  # 600 more in 2 hours
    # Pushed again without counts, or with the same ones: nothing changes.
    assert _push(tool, {"id": "v1", "text": post["text"]}).updated == 0
    assert _push(tool, {**post, "reactions": 400, "shares": 210}).updated == 0
    assert Alert.objects.filter(post=stored).count() == 1


def test_a_post_stored_meanwhile_by_another_request_is_not_stored_or_alerted_twice(tool, monkeypatch):
    text = "Uống nước tiểu hoặc nuốt giun đất sống chữa được Covid-19 nha mn"
    _push(tool, {"id": "race1", "text": text})
    monkeypatch.setattr(ingest, "_known", lambda source, ids: {})  # as if read before the other insert
    result = _push(tool, {"id": "race1", "text": text}, {"id": "race2", "text": text})
    assert Post.objects.filter(source=tool, external_id__in=["race1", "race2"]).count() == 2
    assert Alert.objects.filter(post__source=tool, post__external_id__in=["race1", "race2"]).count() == 2
    assert result.stored == 1  # race2 only: race1 is the other request's
    assert result.alerts == 1


def test_the_demo_feed_posts_once_per_minute_and_only_in_the_demo(settings):
    import datetime

    from django.utils import timezone

    from core import scheduler

    now = timezone.now().replace(second=5)
    minutes = [now + datetime.timedelta(minutes=k) for k in range(6)]
    settings.LISTENING_DEMO_FEED = False
    assert scheduler.JOBS["listening.demo_feed"](now) == 0
    settings.LISTENING_DEMO_FEED = True
    before = Post.objects.count()
    for moment in minutes:
        scheduler.JOBS["listening.demo_feed"](moment)
        scheduler.JOBS["listening.demo_feed"](moment)  # a second scheduler on the same minute
    live = Post.objects.filter(external_id__startswith="live-")
    assert live.count() == Post.objects.count() - before >= 1
    assert live.values("external_id").distinct().count() == live.count()
    assert Post.objects.filter(counted_at__gt=F("received_at")).exists()  # counts read again
