"""News feeds (RSS and Atom) of the listening module: each active feed source is fetched every
`poll_minutes` with a conditional GET (an unchanged feed answers 304 and costs one short
request), its entries become posts through `ingest.store` (stored once per entry id, placed and
screened like every other post). A feed that fails records why on its source and is tried again
after `poll_minutes`; nothing here raises for a bad feed, so one broken site never stops the
others. Two schedulers may run `poll_due` at once: each source is claimed with a conditional
UPDATE before it is fetched, so each feed is fetched once per period.

Settings (read with defaults, none required): LISTENING_FEED_TIMEOUT (seconds, 20) and
LISTENING_FEED_MAX_BYTES (5 MB)."""

import datetime
import hashlib
import http.client
import io
import ipaddress
import logging
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass, field

import feedparser
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.validation import is_web_link
from vntext.markup import text_of_html

from . import ingest
from .models import Source

log = logging.getLogger(__name__)

USER_AGENT = "TinCay/1.0 (+feed reader)"
DEFAULT_TIMEOUT = 20
DEFAULT_MAX_BYTES = 5 * 2**20
CHUNK = 64 * 1024
MAX_ID = 200  # Post.external_id
RSS_AUTHOR_RE = re.compile(r"[^\s()]+@[^\s()]+ \((?P<name>[^()]+)\)")
ATOM_AUTHOR_RE = re.compile(r"(?P<name>[^()]+) \([^\s()]+@[^\s()]+\)")


@dataclass
class FetchResult:
    not_modified: bool = False  # 304: nothing new since the last fetch
    busy: bool = False  # another poller was fetching it: not fetched
    error: str = ""  # why the feed could not be read (also saved on the source)
    stored: int = 0
    duplicates: int = 0
    alerts: int = 0
    rejected: list = field(default_factory=list)  # entries ingest.store refused: {"line", "error"}


class FeedError(Exception):
    """A feed that cannot be read; the message is for the people who run the source."""


# --- Fetching ---------------------------------------------------------------------------------


def _inside(url: str) -> bool:
    """Whether the address leads inside the network (loopback, private, link-local such as the
    cloud metadata address): a feed is a public site, and an address typed in the sources page
    must not make the server read its own network. Through a proxy the proxy decides; a host
    that does not resolve is left to the fetch, which says so."""
    if getattr(settings, "LISTENING_FEED_ALLOW_PRIVATE", False):
        return False
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if urllib.request.getproxies().get(parts.scheme) and not urllib.request.proxy_bypass(host):
        return False
    try:
        found = socket.getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP
        )
    except (socket.gaierror, UnicodeError, ValueError):
        return False
    return any(not ipaddress.ip_address(info[4][0].split("%")[0]).is_global for info in found)


def _refuse_inside(url: str) -> None:
    if _inside(url):
        raise FeedError(_("The feed's address leads inside the network; only public sites are read."))


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects to public http and https addresses only (urllib would also follow ftp)."""

    def http_error_302(self, req, fp, code, msg, headers):
        target = urllib.parse.urljoin(req.full_url, headers.get("Location") or headers.get("URI") or "")
        if urllib.parse.urlsplit(target).scheme not in ("http", "https"):
            fp.close()
            raise FeedError(_("The feed redirected to an address that is not http:// or https://."))
        if _inside(target):
            fp.close()
            raise FeedError(_("The feed's address leads inside the network; only public sites are read."))
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener() -> urllib.request.OpenerDirector:
    """http and https only: no file:, ftp: or data: handler is installed at all."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),  # honours http_proxy/https_proxy/no_proxy, as a provincial network needs
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        _RedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ):
        opener.add_handler(handler)
    return opener


def _too_big(limit: int) -> FeedError:
    return FeedError(_("The feed is larger than %(mb)s MB.") % {"mb": f"{limit / 2**20:g}"})


def _read_body(response, limit: int, deadline: float) -> bytes:
    """At most `limit` bytes (one more byte read means too big), within the overall deadline so
    a server that trickles a byte at a time cannot hold the poller."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_big(limit)
    chunks, size = [], 0
    while size <= limit:
        chunk = response.read1(min(CHUNK, limit + 1 - size))  # what one receive brought, not a full chunk
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline:
            raise TimeoutError
    if size > limit:
        raise _too_big(limit)
    return b"".join(chunks)


def _decoded(body: bytes, encoding: str, limit: int) -> bytes:
    """The body without its Content-Encoding; gunzipped to at most `limit` bytes (a small
    compressed answer can unpack to gigabytes)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise FeedError(_("The feed is sent in an encoding this reader does not know (%(encoding)s).")
                        % {"encoding": encoding[:40]})  # fmt: skip
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = unpacker.decompress(body, limit + 1)
        if len(data) <= limit:
            data += unpacker.flush(limit + 1 - len(data))
    except zlib.error:
        raise FeedError(_("The feed's compressed content is damaged.")) from None
    if len(data) > limit:
        raise _too_big(limit)
    if not unpacker.eof:  # cut short: zlib gives what it could without complaint
        raise FeedError(_("The feed's compressed content is damaged."))
    return data


def _network_message(error: BaseException, timeout: float) -> str:
    """A short message for a failed request (the reason inside urllib's URLError, if any)."""
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, FeedError):
        return str(reason)
    if isinstance(reason, TimeoutError):
        return _("The feed did not answer within %(seconds)s seconds.") % {"seconds": f"{timeout:g}"}
    if isinstance(reason, socket.gaierror):
        return _("The feed's server cannot be found; check the address.")
    if isinstance(reason, ConnectionRefusedError):
        return _("The feed's server refused the connection.")
    return _("The feed cannot be reached: %(reason)s.") % {"reason": str(reason)[:200] or type(reason).__name__}


def _download(source: Source):
    """(body, headers, final address) of the feed; body None when it has not changed (304).
    Raises FeedError with the message to record."""
    timeout = float(getattr(settings, "LISTENING_FEED_TIMEOUT", DEFAULT_TIMEOUT))
    limit = int(getattr(settings, "LISTENING_FEED_MAX_BYTES", DEFAULT_MAX_BYTES))
    if not is_web_link(source.url):
        raise FeedError(_("Only http:// and https:// feed addresses can be fetched."))
    _refuse_inside(source.url)
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
        "Accept-Encoding": "gzip",  # unpacked below, with the same size cap
    }
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.modified:
        headers["If-Modified-Since"] = source.modified
    request = urllib.request.Request(source.url, headers=headers)  # noqa: S310  (scheme checked above)
    deadline = time.monotonic() + timeout
    try:
        with _opener().open(request, timeout=timeout) as response:
            body = _read_body(response, limit, deadline)
            data = _decoded(body, response.headers.get("Content-Encoding", ""), limit)
            return data, response.headers, response.geturl()
    except urllib.error.HTTPError as e:
        e.close()
        if e.code == 304:
            return None, e.headers, source.url
        raise FeedError(_("The feed answered %(status)s.") % {"status": f"{e.code} {e.reason}".strip()}) from None
    except FeedError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as e:  # URLError and timeouts are OSErrors
        raise FeedError(_network_message(e, timeout)) from None


# --- Parsing ----------------------------------------------------------------------------------


def _text_of(detail, value: str) -> str:
    """Plain text of a feed text construct (feedparser says whether it is HTML or plain)."""
    kind = (detail or {}).get("type", "text/html")
    return text_of_html(value) if "html" in kind else " ".join(value.split())


def _entry_id(entry, link: str, title: str) -> str:
    """The entry's own id, else its link, else a hash of title and link; ids longer than a
    post's id field are hashed too (stable, so the entry is still stored once)."""
    raw = str(entry.get("id") or link or "").strip()
    if not raw:
        raw = "sha256:" + hashlib.sha256(f"{title}\n{link}".encode()).hexdigest()
    if len(raw) > MAX_ID:
        raw = "sha256:" + hashlib.sha256(raw.encode()).hexdigest()
    return raw


def _published(entry) -> str:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")  # UTC, by feedparser
    try:
        return datetime.datetime(*parsed[:6], tzinfo=datetime.UTC).isoformat() if parsed else ""
    except (TypeError, ValueError):
        return ""


def _author(entry) -> str:
    """The author's name: RSS writes "email (Name)", feedparser's Atom "Name (email)" (its own
    split of the RSS form garbles names with accents, so it is not used)."""
    author = " ".join(str(entry.get("author", "")).split())
    shape = RSS_AUTHOR_RE.fullmatch(author) or ATOM_AUTHOR_RE.fullmatch(author)
    return (shape.group("name").strip() if shape else author)[:200]


def item_of(entry, address: str) -> dict | None:
    """One feed entry as a post (the keys of a listening tool's JSON line), None when it has no
    text at all. Relative links are read against the feed's address."""
    title = _text_of(entry.get("title_detail"), entry.get("title", ""))
    summary = entry.get("summary", "")
    detail = entry.get("summary_detail")
    if not summary and entry.get("content"):
        summary, detail = entry.content[0].get("value", ""), entry.content[0]
    summary = _text_of(detail, summary)
    if title and summary and not summary.startswith(title):
        text = title + (" " if title.endswith((".", "!", "?", "…", ":")) else ". ") + summary
    else:
        text = summary or title
    if not text:
        return None
    link = str(entry.get("link", "")).strip()
    url = urllib.parse.urljoin(address, link) if link else ""
    url = url if is_web_link(url) else ""
    return {
        "id": _entry_id(entry, link, title),
        "text": text,
        "url": url,
        "author": _author(entry),
        "published_at": _published(entry),
        "reactions": 0,
        "comments": 0,
        "shares": 0,
    }


def parse(data: bytes, headers, address: str) -> list:
    """The entries of a feed as (number, item) for ingest.store; raises FeedError when the bytes
    are not a feed."""
    # A stream, never a str or bytes: feedparser would fetch a string that looks like a URL and
    # open one that names a file. No content-location either: feedparser would then rewrite
    # relative guids into URLs, and an entry's id must not change when the feed moves.
    parsed = feedparser.parse(io.BytesIO(data), response_headers={"content-type": headers.get("Content-Type", "")})
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise FeedError(_("The answer is not an RSS or Atom feed."))
    items = []
    for number, entry in enumerate(parsed.entries[: ingest.MAX_LINES], 1):
        item = item_of(entry, address)
        if item is not None:
            items.append((number, item))
    return items


# --- One source -------------------------------------------------------------------------------


def _record_error(source: Source, message: str) -> None:
    now = timezone.now()
    Source.objects.filter(pk=source.pk).update(last_error=message, last_error_at=now)
    source.last_error, source.last_error_at = message, now


def fetch(source: Source) -> FetchResult:
    """Fetch one feed now and store its new entries. Never raises for a feed that cannot be read:
    the reason is saved on the source (last_error, last_error_at) and returned."""
    try:
        data, headers, address = _download(source)
        items = None if data is None else parse(data, headers, address)
    except FeedError as e:
        _record_error(source, str(e))
        return FetchResult(error=str(e))
    if items is None:  # 304: the feed has not changed since our last fetch
        changes = {"last_fetch_at": timezone.now(), "last_count": 0, "last_error": "", "last_error_at": None}
        if headers.get("ETag"):
            changes["etag"] = headers["ETag"][:200]
        Source.objects.filter(pk=source.pk).update(**changes)
        return FetchResult(not_modified=True)
    stored = ingest.store(source, items)  # sets last_fetch_at and last_count
    # Validators for the next conditional GET; a feed that stopped sending them gets a plain GET.
    etag, modified = (headers.get("ETag") or "")[:200], (headers.get("Last-Modified") or "")[:100]
    Source.objects.filter(pk=source.pk).update(etag=etag, modified=modified, last_error="", last_error_at=None)
    source.etag, source.modified, source.last_error, source.last_error_at = etag, modified, "", None
    return FetchResult(stored=stored.stored, duplicates=stored.duplicates, alerts=stored.alerts,
                       rejected=stored.errors)  # fmt: skip


# --- Polling ----------------------------------------------------------------------------------


def feed_sources():
    return Source.objects.filter(kind=Source.Kind.RSS, is_active=True).exclude(url="").order_by("name", "pk")


def due(now) -> list[Source]:
    """Active feeds not fetched for `poll_minutes`; a failing feed also waits `poll_minutes`
    after its last error. Few sources: the per-row period is compared here, not in SQL."""
    found = []
    for source in feed_sources():
        period = datetime.timedelta(minutes=source.poll_minutes)
        if all(moment is None or moment <= now - period for moment in (source.last_fetch_at, source.last_error_at)):
            found.append(source)
    return found


def claim(source: Source, now) -> bool:
    """Take the source for this poll, unless another poller is reading it (its lease,
    `fetching_until`, has not run out) or changed it since we read it (a fetch or an error
    moves `last_fetch_at` or `last_error_at`): one conditional UPDATE decides."""
    timeout = getattr(settings, "LISTENING_FEED_TIMEOUT", DEFAULT_TIMEOUT)
    lease = now + datetime.timedelta(seconds=timeout + 60)  # a poller that died frees it by then
    taken = (
        Source.objects.filter(pk=source.pk, last_fetch_at=source.last_fetch_at, last_error_at=source.last_error_at)
        .filter(Q(fetching_until__isnull=True) | Q(fetching_until__lt=now))
        .update(last_fetch_at=now, fetching_until=lease)
    )
    return taken == 1


def poll(source: Source, now=None) -> FetchResult:
    """Claim the source and fetch it now, due or not (the scheduler, the command, the "fetch
    now" button). When another poller holds it, nothing is fetched and the result is `busy`."""
    now = now or timezone.now()
    before = source.last_fetch_at
    if not claim(source, now):
        return FetchResult(busy=True)
    try:
        result = fetch(source)
    except Exception:  # a bug or a database error on one feed must not stop the others
        log.exception("Feed %s (%s) failed", source.pk, source.url)
        message = _("The feed could not be stored; the details are in the server log.")
        _record_error(source, message)
        result = FetchResult(error=message)
    if result.error:
        # "Last fetched" stays the last fetch that worked; last_error_at makes the feed wait.
        Source.objects.filter(pk=source.pk, last_fetch_at=now).update(last_fetch_at=before)
        source.last_fetch_at = before
    Source.objects.filter(pk=source.pk).update(fetching_until=None)
    return result


def poll_due(now) -> int:
    """The scheduler's job: fetch every feed that is due; returns how many were fetched."""
    return sum(1 for source in due(now) if not poll(source, now).busy)
