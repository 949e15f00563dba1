"""The portal's page cache: one version for the whole public site, changed whenever something a
citizen sees changes (a verdict published, a bulletin issued, a key message approved or retired,
the directory's hotlines), so a page is rendered once per version and language and then served
from the cache — the outbreak's traffic costs a cache read per request, not a render.

`cached_page` wraps a public view: GET/HEAD only, the rendered 200 kept in the portal's own cache
(`CACHES["portal"]`, shared by the web processes) under this process's start, the version, the
language, the host, the path and the query parameters the view reads (others are ignored), for
at most `PORTAL_PAGE_SECONDS` (pages that show "today" follow the clock at that pace), with an
ETag (a hash of the bytes) and Last-Modified (when the version changed); a request whose
If-None-Match matches (or, without one, whose If-Modified-Since is not older) gets 304 without a
body. Responses carry `Cache-Control: public, max-age=…` so a browser may keep them too, and
`X-Accel-Expires: PORTAL_PROXY_SECONDS` for nginx's micro-cache in front (deploy/nginx), which
keeps only what carries it and asks again with the ETag once it is due.
Nothing personal may be on these pages: they are the same for every visitor.
"""

import gzip
import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe, quote_etag, urlencode
from django.utils.translation import get_language

VERSION_KEY = "portal:version"
MAX_PATH = 300  # longer paths (long search strings) are rendered, not cached
# This process's start: after an upgrade (new templates, new translations) no page of the old code
# is served from a shared cache. Each worker renders a page once more; the bytes, so the ETags, agree.
BOOT = f"{time.time_ns():x}"


def store():
    """The portal's own cache (settings.CACHES["portal"]): shared by the web processes."""
    return caches["portal"]


def version() -> str:
    """The current version: when the public content last changed (nanoseconds, as text)."""
    cache = store()
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, str(time.time_ns()), None)
        current = cache.get(VERSION_KEY) or "0"
    return current


def bump(*args, **kwargs) -> None:
    """Something citizens see changed: every cached page is stale (a signal receiver)."""
    store().set(VERSION_KEY, str(time.time_ns()), None)


def _etag(content: bytes) -> str:
    return quote_etag(hashlib.blake2b(content, digest_size=12).hexdigest())


def _not_modified(request, etag: str, modified: float) -> bool:
    """RFC 9110: If-None-Match decides when sent; else If-Modified-Since (to the second)."""
    wanted = request.headers.get("If-None-Match")
    if wanted is not None:
        return wanted.strip() == "*" or etag in [t.strip() for t in wanted.split(",")]
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and int(modified) <= since


def _accepts_gzip(request) -> bool:
    """Accept-Encoding names gzip (and does not refuse it with q=0)."""
    for item in request.headers.get("Accept-Encoding", "").lower().split(","):
        name, _sep, params = item.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _where(request, params) -> str | None:
    """The page's identity: host, path and the parameters the view reads, in a fixed order (a
    link shared with ?fbclid=… or utm_… is the same page); None when too long to keep."""
    kept = [(name, request.GET.get(name, "")) for name in params if request.GET.get(name)]
    where = request.get_host() + request.path + ("?" + urlencode(kept) if kept else "")
    return where if len(where) <= MAX_PATH else None


def cached_page(view=None, *, params: tuple[str, ...] = ()):
    """@cached_page, or cached_page(view, params=("q", "page")) for a view that reads those."""
    if view is None:
        return lambda v: cached_page(v, params=params)
    seconds = settings.PORTAL_PAGE_SECONDS

    @wraps(view)
    def inner(request, *args, **kwargs):
        where = _where(request, params)
        if request.method not in ("GET", "HEAD") or where is None or seconds <= 0:
            return view(request, *args, **kwargs)
        cache = store()
        current = version()
        where = where.encode()  # the host too: absolute links (feeds, ClaimReview) are built from it
        key = f"portal:page:{BOOT}:{current}:{get_language()}:{hashlib.blake2b(where).hexdigest()}"
        stored = cache.get(key)
        if stored is None:
            response = view(request, *args, **kwargs)
            if getattr(response, "is_rendered", True) is False:
                response.render()  # a TemplateResponse (the sitemap)
            # Never keep a page that carries something of this visitor's: a cookie, or a form
            # token (its cookie is set later, by the CSRF middleware, so the token itself is the sign).
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            content = response.content
            if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or b"csrfmiddlewaretoken" in content:
                return response
            compressed = gzip.compress(content, compresslevel=6, mtime=0) if len(content) > 1024 else None
            stored = {
                "content": content,
                "gzip": compressed if compressed and len(compressed) < len(content) else None,
                "type": response["Content-Type"],
                "etag": _etag(content),
                "modified": int(current) / 1e9 if current.isdigit() else time.time(),
                "headers": {k: v for k, v in response.items() if k in ("Link", "Content-Language")},
            }
            cache.set(key, stored, seconds)
        # Compressed for whoever accepts it (a 3G phone gets the 78 KB situation page in ~10 KB);
        # each form has its own ETag, as RFC 9110 wants of different representations.
        zipped = stored.get("gzip") is not None and _accepts_gzip(request)
        etag = stored["etag"][:-1] + '-gz"' if zipped else stored["etag"]
        if _not_modified(request, etag, stored["modified"]):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(stored["gzip"] if zipped else stored["content"], content_type=stored["type"])
            if zipped:
                response["Content-Encoding"] = "gzip"
            for name, value in stored["headers"].items():
                response[name] = value
        if stored.get("gzip") is not None:
            patch_vary_headers(response, ["Accept-Encoding"])
        response["ETag"] = etag
        response["Last-Modified"] = http_date(stored["modified"])
        response["Cache-Control"] = f"public, max-age={min(seconds, 60)}"
        if settings.PORTAL_PROXY_SECONDS > 0:
            response["X-Accel-Expires"] = str(min(settings.PORTAL_PROXY_SECONDS, seconds))
        return response

    return inner
