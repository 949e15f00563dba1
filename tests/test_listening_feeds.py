"""News feeds (listening.feeds) against a real HTTP server on the loopback: RSS 2.0 and Atom with
Vietnamese titles and HTML (scripts included) in the descriptions, conditional GETs, and every
way a news site can fail. A failing feed is recorded on its source, never raised."""

import datetime
import gzip
import io
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core import scheduler
from listening import feeds
from listening.models import Alert, Post, Source

DATA = Path(__file__).parent / "data" / "rumours-dev"

RSS_ITEM_1 = """
<item>
  <title>Cảnh báo tin giả về vắc-xin ở Rạch Giá</title>
  <link>https://baokiengiang.example/tin/1001</link>
  <guid isPermaLink="false">bkg-1001</guid>
  <description>&lt;p&gt;Người dân &lt;b&gt;không nên&lt;/b&gt; tin lời đồn
    &amp;quot;tiêm xong bị vô sinh&amp;quot;.&lt;/p&gt;&lt;script&gt;alert("x")&lt;/script&gt;</description>
  <author>toasoan@baokiengiang.example (Nguyễn Văn An)</author>
  <pubDate>Tue, 03 Aug 2021 08:30:00 +0700</pubDate>
</item>"""
RSS_ITEM_2 = """
<item>
  <title>Sở TT&amp;TT bác tin đồn chữa Covid-19</title>
  <link>https://baokiengiang.example/tin/1002</link>
  <guid isPermaLink="false">bkg-1002</guid>
  <description><![CDATA[<style>.x{color:red}</style><p>Tin lan truyền: Hít dầu gió xanh 4 lần mỗi ngày,
  sau 10 ngày sẽ khỏi Covid-19.</p><script>document.write("độc")</script>]]></description>
  <dc:creator>Trần Thị Bình</dc:creator>
  <pubDate>Wed, 04 Aug 2021 10:00:00 GMT</pubDate>
</item>"""
RSS_ITEM_3 = """
<item>
  <title>Phú Quốc đón khách trở lại</title>
  <link>https://baokiengiang.example/tin/1003</link>
  <guid isPermaLink="false">bkg-1003</guid>
  <description>Du lịch &amp;amp; dịch vụ mở cửa từ tháng 9.</description>
</item>"""


def rss(*items) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            "<channel><title>Báo Kiên Giang</title><link>https://baokiengiang.example/</link>"
            f"{''.join(items)}</channel></rss>").encode()  # fmt: skip


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Cổng thông tin huyện Châu Thành</title>
  <id>urn:chauthanh:tin</id>
  <updated>2021-08-05T09:00:00+07:00</updated>
  <entry>
    <title type="html">Cảnh giác &lt;em&gt;cuộc gọi giả danh&lt;/em&gt; công an</title>
    <id>urn:chauthanh:tin:77</id>
    <link rel="alternate" href="/tin/77.html"/>
    <updated>2021-08-05T09:00:00+07:00</updated>
    <author><name>Lê Thị Cúc</name><email>cuc@chauthanh.example</email></author>
    <content type="html">&lt;p&gt;Đối tượng yêu cầu
      chuyển tiền&amp;nbsp;để &amp;laquo;xác minh&amp;raquo;.&lt;/p&gt;</content>
  </entry>
</feed>""".encode()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append((self.path, self.headers))
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
        else:
            route(self)

    def log_message(self, *args):
        pass


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes, self.requests = {}, []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def handle_error(self, request, client_address):
        pass  # the client gave up (timeout tests): nothing to report

    def hits(self, path: str) -> list:
        return [headers for p, headers in self.requests if p == path]


def answer(body: bytes, *, etag=None, modified=None, status=200, content_type="application/rss+xml; charset=utf-8",
           headers=None, length=True):  # fmt: skip
    """A route that answers `body`, or 304 when the request's validators match."""

    def route(handler):
        if (etag and handler.headers.get("If-None-Match") == etag) or (
            modified and not etag and handler.headers.get("If-Modified-Since") == modified
        ):
            handler.send_response(304)
            handler.end_headers()
            return
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        if etag:
            handler.send_header("ETag", etag)
        if modified:
            handler.send_header("Last-Modified", modified)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        if length:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return route


@pytest.fixture(autouse=True)
def _loopback_feeds(settings):
    """The test server is on 127.0.0.1, which real feeds may not use (see the last tests)."""
    settings.LISTENING_FEED_ALLOW_PRIVATE = True


@pytest.fixture
def server():
    httpd = FeedServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def feed(server):
    """A feed source of its own, the demo's feeds (if any) switched off so that `due` sees ours."""
    Source.objects.filter(kind=Source.Kind.RSS).update(is_active=False)
    return Source.objects.create(name="Báo thử nghiệm (RSS)", kind=Source.Kind.RSS, url=server.url("/rss"))


def _posts(source):
    return {p.external_id: p for p in Post.objects.filter(source=source)}


def test_rss_entries_become_posts_with_text_link_author_and_date(server, feed):
    server.routes["/rss"] = answer(rss(RSS_ITEM_1, RSS_ITEM_2), etag='"v1"')
    result = feeds.fetch(feed)
    assert (result.stored, result.duplicates, result.error) == (2, 0, "")
    posts = _posts(feed)
    first, second = posts["bkg-1001"], posts["bkg-1002"]
    title = "Cảnh báo tin giả về vắc-xin ở Rạch Giá"
    assert first.text == f'{title}. Người dân không nên tin lời đồn "tiêm xong bị vô sinh".'
    assert first.url == "https://baokiengiang.example/tin/1001"
    assert first.author == "Nguyễn Văn An"
    assert first.published_at == datetime.datetime(2021, 8, 3, 1, 30, tzinfo=datetime.UTC)
    assert second.text.startswith("Sở TT&TT bác tin đồn chữa Covid-19. Tin lan truyền: Hít dầu gió xanh")
    assert "document" not in second.text and "color" not in second.text and "<" not in second.text
    assert second.author == "Trần Thị Bình"
    assert second.published_at == datetime.datetime(2021, 8, 4, 10, 0, tzinfo=datetime.UTC)
    assert (first.reactions, first.comments, first.shares) == (0, 0, 0)
    feed.refresh_from_db()
    assert feed.etag == '"v1"' and feed.last_count == 2 and feed.last_fetch_at and not feed.last_error
    request = server.hits("/rss")[0]
    assert request["User-Agent"] == "TinCay/1.0 (+feed reader)" and request.get("If-None-Match") is None


def test_atom_feed_with_html_title_and_relative_link(server, feed):
    server.routes["/rss"] = answer(ATOM, content_type="application/atom+xml")
    assert feeds.fetch(feed).stored == 1
    post = Post.objects.get(source=feed)
    assert post.external_id == "urn:chauthanh:tin:77"
    assert post.text == "Cảnh giác cuộc gọi giả danh công an. Đối tượng yêu cầu chuyển tiền để «xác minh»."
    assert post.url == server.url("/tin/77.html")
    assert post.author == "Lê Thị Cúc"
    assert post.published_at == datetime.datetime(2021, 8, 5, 2, 0, tzinfo=datetime.UTC)


def test_unchanged_feed_answers_304_to_the_conditional_get_and_nothing_is_stored(server, feed):
    modified = "Tue, 03 Aug 2021 02:00:00 GMT"
    server.routes["/rss"] = answer(rss(RSS_ITEM_1), etag='W/"v1"', modified=modified)
    feeds.fetch(feed)
    feed.refresh_from_db()
    assert (feed.etag, feed.modified) == ('W/"v1"', modified)
    result = feeds.fetch(feed)
    assert result.not_modified and (result.stored, result.error) == (0, "")
    second = server.hits("/rss")[1]
    assert second["If-None-Match"] == 'W/"v1"' and second["If-Modified-Since"] == modified
    feed.refresh_from_db()
    assert Post.objects.filter(source=feed).count() == 1 and feed.last_count == 0 and not feed.last_error


def test_a_new_entry_later_is_the_only_one_stored(server, feed):
    server.routes["/rss"] = answer(rss(RSS_ITEM_1, RSS_ITEM_3), etag='"v1"')
    feeds.fetch(feed)
    server.routes["/rss"] = answer(rss(RSS_ITEM_2, RSS_ITEM_1, RSS_ITEM_3), etag='"v2"')
    result = feeds.fetch(feed)
    assert (result.stored, result.duplicates) == (1, 2)
    assert set(_posts(feed)) == {"bkg-1001", "bkg-1002", "bkg-1003"}
    assert server.hits("/rss")[1]["If-None-Match"] == '"v1"'
    feed.refresh_from_db()
    assert feed.etag == '"v2"' and feed.last_count == 1


def test_a_gzipped_feed_is_unpacked(server, feed):
    body = gzip.compress(rss(RSS_ITEM_3))
    server.routes["/rss"] = answer(body, headers={"Content-Encoding": "gzip"})
    assert feeds.fetch(feed).stored == 1
    assert "gzip" in server.hits("/rss")[0]["Accept-Encoding"]
    assert Post.objects.get(source=feed).text == "Phú Quốc đón khách trở lại. Du lịch & dịch vụ mở cửa từ tháng 9."


def _slow(handler):
    time.sleep(1.5)
    answer(rss(RSS_ITEM_1))(handler)


def _trickle(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()
    for _ in range(30):
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.1)


def _redirect_to_file(handler):
    handler.send_response(302)
    handler.send_header("Location", "file:///etc/passwd")
    handler.end_headers()


# Messages are compared through gettext, so that the tests still pass once they are translated.
NOT_A_FEED = gettext_noop("The answer is not an RSS or Atom feed.")
DAMAGED = gettext_noop("The feed's compressed content is damaged.")
REFUSED = gettext_noop("The feed's server refused the connection.")

FAILURES = {
    "server error": (answer(b"Internal error", status=500, content_type="text/plain"), "500"),
    "not found": (answer(b"gone", status=404, content_type="text/plain"), "404"),
    "garbage": (answer(b"\x00\xff\xfe garbage \x01", content_type="application/octet-stream"), NOT_A_FEED),
    "a web page": (answer("<html><body><p>Trang chủ</p></body></html>".encode(), content_type="text/html"), NOT_A_FEED),
    "declared too big": (answer(b"x" * (6 * 2**20)), "MB"),
    "streamed too big": (answer(rss(RSS_ITEM_1) + b" " * (6 * 2**20), length=False), "MB"),
    "gzip bomb": (answer(gzip.compress(b" " * (8 * 2**20)), headers={"Content-Encoding": "gzip"}), "MB"),
    "damaged gzip": (answer(b"\x1f\x8b\x08\x00broken", headers={"Content-Encoding": "gzip"}), DAMAGED),
    "slow to answer": (_slow, "0.5"),
    "trickling": (_trickle, "0.5"),
    "redirect to a file": (_redirect_to_file, "http://"),
}


@pytest.mark.parametrize("case", FAILURES)
@override_settings(LISTENING_FEED_TIMEOUT=0.5)
def test_a_failing_feed_is_recorded_on_its_source_and_nothing_stored(server, feed, case):
    route, words = FAILURES[case]
    server.routes["/rss"] = route
    result = feeds.fetch(feed)
    assert result.error and gettext(words) in result.error and result.stored == 0
    feed.refresh_from_db()
    assert feed.last_error == result.error and feed.last_error_at is not None
    assert not Post.objects.filter(source=feed).exists() and feed.last_fetch_at is None


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "url, words",
    [
        ("closed", REFUSED),
        ("ftp://baokiengiang.example/rss.xml", "http://"),
        ("file:///etc/passwd", "http://"),
        ("http://", "http://"),
    ],
)
def test_unreachable_or_unusable_addresses_are_recorded(feed, url, words):
    feed.url = f"http://127.0.0.1:{_closed_port()}/rss" if url == "closed" else url
    feed.save()
    result = feeds.fetch(feed)
    assert gettext(words) in result.error
    feed.refresh_from_db()
    assert feed.last_error == result.error and feed.last_error_at and not Post.objects.filter(source=feed).exists()


def test_a_feed_that_works_again_clears_its_error(server, feed):
    server.routes["/rss"] = answer(b"oops", status=503, content_type="text/plain")
    feeds.fetch(feed)
    server.routes["/rss"] = answer(rss(RSS_ITEM_1))
    assert feeds.fetch(feed).stored == 1
    feed.refresh_from_db()
    assert feed.last_error == "" and feed.last_error_at is None


def test_due_feeds_wait_poll_minutes_after_a_fetch_or_an_error(server, feed):
    now = timezone.now()
    Source.objects.create(name="Nguồn CSV", kind=Source.Kind.CSV, url=server.url("/rss"))
    Source.objects.create(name="Báo cũ", kind=Source.Kind.RSS, url=server.url("/rss"), is_active=False)
    assert feeds.due(now) == [feed]
    server.routes["/rss"] = answer(rss(RSS_ITEM_1))
    assert feeds.poll_due(now) == 1
    assert feeds.due(now + datetime.timedelta(minutes=14)) == []
    assert feeds.due(timezone.now() + datetime.timedelta(minutes=16)) == [feed]

    long_ago = timezone.now() - datetime.timedelta(minutes=20)
    Source.objects.filter(pk=feed.pk).update(last_fetch_at=long_ago)
    server.routes["/rss"] = answer(b"", status=500)
    assert feeds.poll_due(timezone.now()) == 1
    feed.refresh_from_db()
    assert "500" in feed.last_error
    assert feed.last_fetch_at == long_ago  # "last fetched" stays the last fetch that worked
    assert feeds.due(timezone.now() + datetime.timedelta(minutes=5)) == []  # the error makes it wait
    assert feeds.due(timezone.now() + datetime.timedelta(minutes=16)) == [feed]


def test_two_pollers_fetch_a_feed_once_per_period(server, feed):
    server.routes["/rss"] = answer(rss(RSS_ITEM_1))
    now = timezone.now()
    first, second = feeds.due(now), feeds.due(now)  # both schedulers read the due list
    assert first == second == [feed]
    assert feeds.poll_due(now) == 1  # the first scheduler claims and fetches
    assert not feeds.claim(second[0], now)  # the second's claim matches nothing any more
    assert feeds.poll(second[0], now).busy
    assert feeds.poll_due(now) == 0
    assert len(server.hits("/rss")) == 1 and Post.objects.filter(source=feed).count() == 1


def test_a_claim_also_fails_after_the_other_poller_recorded_an_error(server, feed):
    server.routes["/rss"] = answer(b"", status=500)
    now = timezone.now()
    stale = feeds.due(now)[0]
    assert feeds.poll_due(now) == 1  # failed, and gave back its last_fetch_at
    assert not feeds.claim(stale, now)


def test_one_broken_feed_does_not_stop_the_others(server, feed, monkeypatch):
    broken = Source.objects.create(name="A trang hỏng", kind=Source.Kind.RSS, url=server.url("/broken"))
    buggy = Source.objects.create(name="B trang lỗi", kind=Source.Kind.RSS, url=server.url("/buggy"))
    server.routes["/broken"] = answer(b"", status=502)
    server.routes["/buggy"] = answer(rss(RSS_ITEM_3))
    server.routes["/rss"] = answer(rss(RSS_ITEM_1))
    store = feeds.ingest.store

    def failing_store(source, items):
        if source.pk == buggy.pk:
            raise RuntimeError("a bug")
        return store(source, items)

    monkeypatch.setattr(feeds.ingest, "store", failing_store)
    assert feeds.poll_due(timezone.now()) == 3
    assert Post.objects.filter(source=feed).count() == 1
    broken.refresh_from_db()
    buggy.refresh_from_db()
    assert "502" in broken.last_error and buggy.last_error and buggy.last_fetch_at is None


def test_scheduler_runs_the_feed_job(server, feed):
    server.routes["/rss"] = answer(rss(RSS_ITEM_1))
    assert scheduler.JOBS["listening.feeds"](timezone.now()) == 1
    assert Post.objects.filter(source=feed).count() == 1


def test_html_to_text_drops_scripts_and_styles_and_unescapes_entities():
    html = ('<div>Tin <b>nóng</b>&nbsp;&amp; mới<script>var s = "<p>độc</p>";</script>'
            "<style>p{}</style><br>Rạch&#32;Giá &lt;3<SCRIPT src=x></SCRIPT><p>hết</div>")  # fmt: skip
    assert feeds.text_of_html(html) == "Tin nóng & mới Rạch Giá <3 hết"
    assert feeds.text_of_html("<p>mở<script>không đóng") == "mở"


def test_an_entry_without_id_or_link_gets_a_stable_id(server, feed):
    item = "<item><title>Tin không có đường dẫn</title><description>Nội dung</description></item>"
    server.routes["/rss"] = answer(rss(item))
    feeds.fetch(feed)
    post = Post.objects.get(source=feed)
    assert post.external_id.startswith("sha256:") and post.url == ""
    feed.etag = ""
    assert feeds.fetch(feed).duplicates == 1


def _command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("poll_feeds", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_poll_feeds_command_reports_each_feed(server, feed):
    call_command("import_claims", str(DATA / "claims.csv"), stdout=io.StringIO(), stderr=io.StringIO())
    Source.objects.create(name="Trang hỏng", kind=Source.Kind.RSS, url=server.url("/broken"))
    server.routes["/broken"] = answer(b"", status=500)
    server.routes["/rss"] = answer(rss(RSS_ITEM_1, RSS_ITEM_2), etag='"v1"')
    out = _command()
    assert re.search(rf"^{re.escape(feed.name)}: 2 stored, 0 duplicates, [12] alerts$", out, re.M)
    assert re.search(r"^Trang hỏng: error: .*500", out, re.M)
    assert Alert.objects.get(post__source=feed, post__external_id="bkg-1002").claim.external_id == "D01"
    assert _command() == "No feed to fetch.\n"  # nothing is due again yet
    assert _command("--source", feed.name) == f"{feed.name}: unchanged since the last fetch\n"
    assert "Trang hỏng: error:" in _command("--all") and len(server.hits("/rss")) == 3
    with pytest.raises(CommandError, match="No source"):
        _command("--source", "Không có")


INSIDE = gettext_noop("The feed's address leads inside the network; only public sites are read.")


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:{port}/rss",
        "http://localhost:{port}/rss",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/rss",
    ],
)
def test_addresses_inside_the_network_are_not_read(server, feed, settings, address):
    settings.LISTENING_FEED_ALLOW_PRIVATE = False
    server.routes["/rss"] = answer(rss(RSS_ITEM_1))
    feed.url = address.format(port=server.server_address[1])
    feed.save()
    result = feeds.fetch(feed)
    feed.refresh_from_db()
    assert result.stored == 0 and result.error == gettext(INSIDE) and feed.last_error == result.error


def test_a_public_feed_redirecting_inside_is_not_followed(settings):
    from listening.feeds import FeedError, _RedirectHandler

    settings.LISTENING_FEED_ALLOW_PRIVATE = False
    request = type("R", (), {"full_url": "http://example.org/rss"})()
    closed = []
    fp = type("F", (), {"close": lambda self: closed.append(1)})()
    with pytest.raises(FeedError, match=re.escape(gettext(INSIDE))):
        _RedirectHandler().http_error_302(request, fp, 302, "Found", {"Location": "http://127.0.0.1/admin"})
    assert closed == [1]
