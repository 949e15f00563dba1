"""nginx in front of gunicorn with deploy/nginx/tincay-proxy.conf, the file production includes:
the portal's pages are kept for PORTAL_PROXY_SECONDS and asked again with their ETag; each
language and each encoding has its own copy; nothing with a form token, a cookie or a logged-in
person's page is ever kept; a change reaches the public within seconds; nginx's own refusals are
in Vietnamese. A real nginx (Debian's nginx-light) and gunicorn on a fresh demo database."""

import gzip
import http.client
import os
import re
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie

import pytest

from scripts.demo_server import DEMO_PASSWORD, demo_server, manage
from scripts.nginx import Nginx

pytestmark = pytest.mark.browser  # its own server and database, not the test database


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    os.environ["PORTAL_PROXY_SECONDS"] = "1"
    os.environ["PROXY_COUNT"] = "1"
    try:
        folder = tmp_path_factory.mktemp("nginx")
        with demo_server() as (url, env), Nginx.proxy(folder, url.removeprefix("http://"), workers="1") as nginx:
            yield nginx, env
    finally:
        os.environ.pop("PORTAL_PROXY_SECONDS", None)
        os.environ.pop("PROXY_COUNT", None)


def fetch(nginx, path, headers=None, method="GET", body=None):
    conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def until_kept(nginx, path, headers=None):
    """Ask until nginx answers from its copy (the first ask fills it); the last answer."""
    for _ in range(20):
        status, head, body = fetch(nginx, path, headers)
        if head.get("X-Cache-Status") == "HIT":
            return status, head, body
        time.sleep(0.05)
    raise AssertionError(f"{path} was never answered from nginx's cache: {head.get('X-Cache-Status')}")


def test_a_public_page_is_answered_by_nginx_once_gunicorn_gave_it(site):
    nginx, _env = site
    status, head, body = until_kept(nginx, "/")
    assert status == 200 and '<html lang="vi">' in body.decode()
    assert "X-Accel-Expires" not in head  # nginx's instruction, not the browser's
    assert head["Cache-Control"].startswith("public") and head["ETag"]
    # nginx answers the browser's revalidation itself.
    status, head304, _ = fetch(nginx, "/", {"If-None-Match": head["ETag"]})
    assert status == 304 and head304["X-Cache-Status"] == "HIT"


def test_each_language_and_each_encoding_has_its_own_copy(site):
    nginx, _env = site
    _s, _h, plain = until_kept(nginx, "/tinh-hinh/")
    _s, zipped_head, zipped = until_kept(nginx, "/tinh-hinh/", {"Accept-Encoding": "gzip, br"})
    assert zipped_head["Content-Encoding"] == "gzip" and gzip.decompress(zipped) == plain
    _s, english_head, english = until_kept(nginx, "/tinh-hinh/", {"Cookie": "django_language=en"})
    assert '<html lang="en">' in english.decode() and english_head["Content-Language"] == "en"
    assert '<html lang="vi">' in plain.decode()
    # A client that takes no gzip is never given the compressed copy.
    _s, head, again = until_kept(nginx, "/tinh-hinh/", {"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in head and again == plain


@pytest.mark.parametrize("path", ["/bao-tin-gia/", "/login/"])
def test_a_page_with_a_form_token_is_never_kept(site, path):
    nginx, _env = site
    _s, head, _first = fetch(nginx, path)
    cookie = SimpleCookie(head["Set-Cookie"])["csrftoken"].value
    bodies = set()
    for _ in range(3):
        status, head, body = fetch(nginx, path, {"Cookie": f"csrftoken={cookie}"})
        assert status == 200 and head.get("X-Cache-Status") != "HIT"
        bodies.add(body)
    assert len(bodies) == 3  # a new masked token each time: every answer came from Django


def login(nginx, username):
    _s, head, body = fetch(nginx, "/login/")
    csrf = SimpleCookie(head["Set-Cookie"])["csrftoken"].value
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD})
    status, head, _body = fetch(
        nginx, "/login/", {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"},
        method="POST", body=form,
    )  # fmt: skip
    assert status == 302, "the demo login did not work through nginx"
    jar = SimpleCookie()
    for value in head.get_all("Set-Cookie"):
        jar.load(value)
    return f"csrftoken={jar['csrftoken'].value if 'csrftoken' in jar else csrf}; sessionid={jar['sessionid'].value}"


def test_a_logged_in_person_gets_their_own_home_not_the_kept_portal(site):
    nginx, _env = site
    until_kept(nginx, "/")  # the public portal's home is in nginx's cache
    cookie = login(nginx, "lanhdao")
    for _ in range(2):
        status, head, body = fetch(nginx, "/", {"Cookie": cookie})
        assert status == 200 and head.get("X-Cache-Status") == "BYPASS"
        assert "Đăng xuất" in body.decode()  # the staff's home, with their menu
    _s, head, body = fetch(nginx, "/")
    assert "Đăng xuất" not in body.decode() and "Đăng nhập cán bộ" in body.decode()


def test_a_change_reaches_the_public_within_seconds(site):
    nginx, env = site
    until_kept(nginx, "/su-that/")
    manage(
        env, "shell", "-c",
        "from misinfo.models import Case\n"
        "case = Case.objects.filter(published_at__isnull=False).latest('published_at')\n"
        "case.claim.statement = 'Tin đồn mới sửa để thử bộ đệm nginx'\n"
        "case.claim.save()",
    )  # fmt: skip
    deadline = time.monotonic() + 60  # the machine is shared: generous, and not what is tested
    seen = []
    while time.monotonic() < deadline:
        _s, head, body = fetch(nginx, "/su-that/")
        seen.append(head.get("X-Cache-Status"))
        if "Tin đồn mới sửa để thử bộ đệm nginx" in body.decode():
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"the change never reached the public through nginx: {seen[-5:]}")
    # Unchanged pages are asked again with their ETag: gunicorn answers 304, nginx keeps its copy.
    until_kept(nginx, "/gioi-thieu/")
    time.sleep(1.5)
    statuses = set()
    for _ in range(30):
        statuses.add(fetch(nginx, "/gioi-thieu/")[1].get("X-Cache-Status"))
        if "REVALIDATED" in statuses:
            break
        time.sleep(0.1)
    assert "REVALIDATED" in statuses or "UPDATING" in statuses or "STALE" in statuses, statuses


def test_a_report_goes_through_and_an_oversize_one_is_refused_in_vietnamese(site):
    nginx, _env = site
    _s, head, body = fetch(nginx, "/bao-tin-gia/")
    csrf = SimpleCookie(head["Set-Cookie"])["csrftoken"].value
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    district = re.search(rb'<option value="(\d+)"', body).group(1).decode()
    fields = {
        "csrfmiddlewaretoken": token,
        "text": "Tin nhắn nói uống nước chanh nóng pha tỏi sẽ khỏi Covid-19 trong ba ngày.",
        "org_unit": district,
        "website": "",
    }
    status, _head, thanks = fetch(
        nginx, "/bao-tin-gia/",
        {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"},
        method="POST", body=urllib.parse.urlencode(fields),
    )  # fmt: skip
    assert status == 200 and re.search(rb"TG-\d{6}", thanks), thanks[:500]
    status, head, page = fetch(
        nginx, "/bao-tin-gia/", {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/octet-stream"},
        method="POST", body=b"x" * (22 * 1024 * 1024),
    )  # fmt: skip
    assert status == 413 and "Tệp hoặc nội dung gửi lên quá lớn" in page.decode()
    assert head["Content-Type"] == "text/html; charset=utf-8"


def test_absolute_links_keep_the_address_the_visitor_used(site):
    """Django builds the feed's and ClaimReview's links from the Host nginx passes on: with its port."""
    nginx, _env = site
    _s, _h, body = fetch(nginx, "/su-that/feed.atom")
    assert f"http://127.0.0.1:{nginx.port}/su-that/" in body.decode()


def test_a_flood_of_searches_or_posts_from_one_address_is_slowed_in_vietnamese_and_pages_are_not(site):
    """tincay-limits.conf: searches (each a cache miss) and writes are limited per address; the
    pages the micro-cache answers are not (a carrier's NAT puts many phones behind one address)."""
    nginx, _env = site

    def flood(requests):
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda args: fetch(nginx, *args), requests))

    searches = flood([(f"/su-that/?q=khau+trang+{n}",) for n in range(120)])
    posts = flood([("/login/", {"Content-Type": "application/x-www-form-urlencoded"}, "POST", "a=1")] * 120)
    for answers in (searches, posts):
        statuses = Counter(status for status, _h, _b in answers)
        assert statuses[429] and set(statuses) <= {200, 403, 429}, statuses
        _status, head, body = next(a for a in answers if a[0] == 429)
        assert "Bạn gửi quá nhiều yêu cầu" in body.decode() and head["Retry-After"] == "10"
    pages = flood([("/",)] * 120)
    assert {status for status, _h, _b in pages} == {200}
