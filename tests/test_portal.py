"""The public portal: what citizens see without logging in, served from a page cache that a
published verdict, an issued bulletin, a key message or a hotline change renews at once; ETags
and 304s; nothing personal on any page; the feeds and the sitemap."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Contact, OrgUnit
from core.roles import Role
from misinfo.models import Case, Tip
from outreach.models import KeyMessage
from portal import cache as portal_cache
from situation.models import Bulletin

PAGES = ["/", "/tinh-hinh/", "/duong-day-nong/", "/thong-diep/", "/gioi-thieu/", "/su-that/", "/ban-tin/"]


@pytest.mark.parametrize("path", PAGES)
def test_each_public_page_opens_for_anyone_with_no_cookie_and_no_token(client, path):
    response = client.get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="vi">' in body and "csrfmiddlewaretoken" not in body
    assert not response.cookies  # nothing to store: the same page for everyone
    assert reverse("core:login") in body  # the staff's way in, at the foot


def test_the_home_page_shows_the_situation_the_verdicts_and_the_messages(client):
    body = client.get("/").content.decode()
    bulletin = Bulletin.objects.filter(state="issued").order_by("-date").first()
    assert f"bản tin nhanh số {bulletin.number_text.removeprefix('Số: ')}" in body and "ca mắc mới trong ngày" in body
    latest = Case.objects.filter(published_at__isnull=False).order_by("-published_at").first()
    assert latest.claim.statement in body
    five_k = KeyMessage.objects.get(title="Thông điệp 5K")
    assert five_k.web_text in body
    assert response_has_cache_headers(client.get("/"))


def response_has_cache_headers(response) -> bool:
    return response.has_header("ETag") and response["Cache-Control"].startswith("public")


def test_a_page_is_served_from_the_cache_until_something_changes(client, django_assert_max_num_queries):
    client.get("/su-that/")
    with django_assert_max_num_queries(2):  # the cache: no query for the page itself
        again = client.get("/su-that/")
    assert again.status_code == 200
    etag = again["ETag"]
    assert client.get("/su-that/", headers={"If-None-Match": etag}).status_code == 304
    # A verdict is withdrawn (the case alone is saved): the page is rendered anew without it.
    case = Case.objects.filter(published_at__isnull=False).order_by("published_at").first()
    case.published_at = None
    case.save()
    fresh = client.get("/su-that/", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert case.claim.statement not in fresh.content.decode()


def test_the_version_is_shared_by_every_web_process():
    """A change saved by one process is seen by the others: the version lives in the portal's
    shared cache (files under var/, or Redis), not in one process's memory."""
    from django.conf import settings
    from django.core.cache.backends.filebased import FileBasedCache

    config = settings.CACHES["portal"]
    assert "locmem" not in config["BACKEND"]
    portal_cache.bump()
    if "filebased" in config["BACKEND"]:
        other = FileBasedCache(config["LOCATION"], {})  # what another process opens
        assert other.get(portal_cache.VERSION_KEY) == portal_cache.version()


def test_links_with_tracking_parameters_are_the_same_cached_page(client, django_assert_max_num_queries):
    first = client.get("/su-that/?fbclid=abc&utm_source=zalo")
    with django_assert_max_num_queries(2):
        again = client.get("/su-that/?utm_campaign=x&fbclid=zzz")
    assert again["ETag"] == first["ETag"]
    searched = client.get("/su-that/?q=dau+gio")
    assert searched["ETag"] != first["ETag"]  # a parameter the page reads is its own page


def test_each_language_has_its_own_cached_page(client):
    assert '<html lang="vi">' in client.get("/thong-diep/").content.decode()
    response = client.get(reverse("portal:language", args=["en"]) + "?next=/thong-diep/")
    assert response.status_code == 302 and response["Location"] == "/thong-diep/"
    assert '<html lang="en">' in client.get("/thong-diep/").content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_the_language_switch_never_leaves_the_site(client, target):
    response = client.get(reverse("portal:language", args=["en"]), {"next": target})
    assert response["Location"] == "/"
    assert client.get(reverse("portal:language", args=["xx"])).status_code == 302  # an unknown code: ignored


def test_hotlines_lists_public_contacts_only(client):

    hidden = Contact.objects.create(kind=Contact.Kind.HOTLINE, title="Số nội bộ ban chỉ đạo", phone="0297 111 222",
                                    is_public=False, org_unit=OrgUnit.objects.get(code="91"))  # fmt: skip
    press = Contact.objects.create(kind=Contact.Kind.RECIPIENT, title="Ban biên tập báo", email="bbt@bao.example",
                                   is_public=True, org_unit=OrgUnit.objects.get(code="91"))  # fmt: skip
    body = client.get("/duong-day-nong/").content.decode()
    assert "0927.681.168" in body
    assert hidden.title not in body and press.email not in body
    for recipient in Contact.objects.filter(kind=Contact.Kind.RECIPIENT):
        assert recipient.email not in body  # the press list is not published here


def test_key_messages_are_the_approved_ones_valid_today(client):
    import datetime


    province = OrgUnit.objects.get(code="91")
    today = timezone.localdate()
    KeyMessage.objects.create(org_unit=province, title="Đã thu hồi", web_text="Nội dung đã thu hồi.",
                              state="retired")  # fmt: skip
    KeyMessage.objects.create(org_unit=province, title="Hết hiệu lực", web_text="Nội dung hết hiệu lực.",
                              state="approved", valid_until=today - datetime.timedelta(days=1))  # fmt: skip
    KeyMessage.objects.create(org_unit=province, title="Chưa tới ngày", web_text="Nội dung chưa tới ngày.",
                              state="approved", valid_from=today + datetime.timedelta(days=1))  # fmt: skip
    body = client.get("/thong-diep/").content.decode()
    messages = KeyMessage.objects.exclude(web_text="")
    assert any(m.is_usable for m in messages) and any(not m.is_usable for m in messages)
    for message in messages:
        shown = message.web_text in body
        assert shown == message.is_usable, message.title


def test_nothing_personal_is_on_any_public_page(client, people):
    """Who reported a tip, and the staff's names, are never on the portal — also when the page
    was first rendered (and cached) for a signed-in person."""
    client.force_login(people[Role.INSPECTOR])
    for path in PAGES:
        client.get(path)
    client.logout()
    pages = "".join(client.get(path).content.decode() for path in PAGES)
    assert "csrfmiddlewaretoken" not in pages and "Đăng xuất" not in pages
    for tip in Tip.objects.exclude(reporter_name_sealed="")[:20]:
        assert tip.reporter_name not in pages
    for role in (Role.INSPECTOR, Role.FOCAL_POINT, Role.HEALTH_DATA, Role.ADMIN):
        assert people[role].full_name not in pages


def test_the_situation_page_without_any_bulletin_says_so(client):
    Bulletin.objects.filter(state="issued").update(state="draft")
    portal_cache.bump()
    body = client.get("/tinh-hinh/").content.decode()
    assert "Chưa có bản tin nào được ban hành." in body


def test_the_verdict_feed_and_the_sitemap(client):
    feed = client.get(reverse("portal:verdict_feed"))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(feed.content).findall("{http://www.w3.org/2005/Atom}entry")  # noqa: S314 (ours)
    published = Case.objects.filter(published_at__isnull=False)
    assert len(entries) == min(published.count(), 30)
    sitemap = client.get(reverse("portal:sitemap"))
    assert sitemap.status_code == 200
    tree = ET.fromstring(sitemap.content)  # noqa: S314 (our own response)
    urls = [u.text for u in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert any(u.endswith("/tinh-hinh/") for u in urls)
    assert all(any(u.endswith(reverse("public:verdict", args=[c.pk])) for u in urls) for c in published)


def test_a_logged_in_person_still_gets_their_own_home_at_the_root(login, people):
    body = login(people[Role.INSPECTOR]).get("/").content.decode()
    assert "Xin chào" in body


@pytest.mark.parametrize("path", ["/", "/tinh-hinh/", "/su-that/"])
def test_a_page_with_everything_it_loads_weighs_under_200_kb(client, path):
    """The page and every file it asks for (uncompressed: the wire is smaller), with no script,
    font or tracker from elsewhere: a slow 3G phone in the province gets it in seconds."""
    import re

    from django.contrib.staticfiles import finders

    body = client.get(path).content.decode()
    assert "<script src" not in body and "fonts.googleapis" not in body
    assets = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', body))
    assert all(not a.startswith("http") for a in re.findall(r'(?:src)="([^"]+)"', body) if not a.startswith("data:"))
    total = len(body.encode())
    for asset in assets:
        found = finders.find(asset.removeprefix("/static/"))
        assert found, asset
        with open(found, "rb") as f:
            total += len(f.read())
    assert total < 200_000, total


def _claim_review_problems(data: dict, url: str) -> list[str]:
    """What schema.org and the fact-check rich result ask of a ClaimReview (required and
    recommended properties, types, a rating within its scale)."""
    import datetime

    problems = []
    if data.get("@context") != "https://schema.org" or data.get("@type") != "ClaimReview":
        problems.append("@context/@type")
    if not isinstance(data.get("claimReviewed"), str) or not data["claimReviewed"].strip():
        problems.append("claimReviewed")
    if data.get("url") != url:
        problems.append("url")
    try:
        datetime.date.fromisoformat(data.get("datePublished", ""))
    except ValueError:
        problems.append("datePublished")
    author = data.get("author") or {}
    if author.get("@type") not in ("Organization", "Person") or not author.get("name"):
        problems.append("author")
    rating = data.get("reviewRating") or {}
    if rating.get("@type") != "Rating" or not rating.get("alternateName"):
        problems.append("reviewRating")
    elif not rating.get("worstRating", 1) <= rating.get("ratingValue", 0) <= rating.get("bestRating", 5):
        problems.append("reviewRating.ratingValue")
    item = data.get("itemReviewed") or {}
    if item.get("@type") != "Claim":
        problems.append("itemReviewed")
    for appearance in item.get("appearance", []):
        if not str(appearance.get("url", "")).startswith(("http://", "https://")):
            problems.append("itemReviewed.appearance")
    return problems


def test_every_published_verdict_page_is_a_valid_claim_review(client):
    import json
    import re

    for case in Case.objects.filter(published_at__isnull=False):
        path = reverse("public:verdict", args=[case.pk])
        body = client.get(path).content.decode()
        found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
        assert len(found) == 1, path
        data = json.loads(found[0])
        assert _claim_review_problems(data, f"http://testserver{path}") == [], path
        assert data["claimReviewed"] == case.claim.statement


def test_a_claims_wording_changed_after_its_verdict_shows_at_once(client):
    case = Case.objects.filter(published_at__isnull=False).first()
    path = reverse("public:verdict", args=[case.pk])
    client.get(path)
    case.claim.statement = "Câu chữ đã được Thanh tra chỉnh lại cho chính xác."
    case.claim.save()
    assert "Câu chữ đã được Thanh tra chỉnh lại" in client.get(path).content.decode()


def test_a_bulletins_page_calls_the_hotlines_of_its_footer(client):
    import re

    bulletin = Bulletin.objects.filter(state="issued").order_by("-date").first()
    body = client.get(reverse("public:bulletin", args=[bulletin.slug])).content.decode()
    assert 'href="tel:"' not in body and re.search(r'href="tel:\d{6,}"', body)
    assert 'aria-current="page">Bản tin' in body


def test_a_page_with_a_form_token_is_never_kept(rf):
    """A public view that put a CSRF token in its page is answered, not cached for the next one."""
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    calls = []

    def view(request):
        calls.append(1)
        return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')

    wrapped = portal_cache.cached_page(view)
    for _ in range(2):
        assert wrapped(rf.get("/x/")).status_code == 200
    assert len(calls) == 2  # rendered each time: nothing kept


def test_pages_go_compressed_to_whoever_accepts_it(client):
    import gzip

    plain = client.get("/tinh-hinh/")
    zipped = client.get("/tinh-hinh/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) < len(plain.content) / 3
    assert zipped["ETag"] != plain["ETag"]  # two representations, two tags
    again = client.get("/tinh-hinh/", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped["ETag"]})
    assert again.status_code == 304
    refused = client.get("/tinh-hinh/", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert not refused.has_header("Content-Encoding") and refused.content == plain.content


def test_only_the_portals_kept_pages_tell_nginx_to_keep_them(client, login, people, settings):
    """`X-Accel-Expires` is the only thing that lets nginx's micro-cache (deploy/nginx) keep a
    response: on the cached public pages and their 304s, never on a form, a staff page or the API."""
    settings.PORTAL_PROXY_SECONDS = 5
    for path in PAGES:
        response = client.get(path)
        assert response["X-Accel-Expires"] == "5", path
        again = client.get(path, headers={"If-None-Match": response["ETag"]})
        assert again.status_code == 304 and again["X-Accel-Expires"] == "5", path
    for path in ("/bao-tin-gia/", "/login/", "/api/v1/situation/indicators"):
        assert not client.get(path).has_header("X-Accel-Expires"), path
    login(people[Role.LEADER])
    for path in ("/", "/misinfo/"):
        assert not client.get(path).has_header("X-Accel-Expires"), path
    settings.PORTAL_PROXY_SECONDS = 0
    client.logout()
    assert not client.get("/su-that/").has_header("X-Accel-Expires")
