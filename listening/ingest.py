"""Posts pushed by listening tools (JSON lines through the API): each line one post, stored once
per id at its source, screened against the known claims, an alert raised for each post that
repeats one. Good lines are kept and each bad line is reported by number (a batch is a stream,
not a transaction: what arrived is not lost because one line was broken)."""

import datetime
import json
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.validation import CONTROL_RE, is_web_link

from . import screening
from .models import Alert, Post, Source

MAX_LINES = 10_000
MAX_COUNT = 10**9


@dataclass
class Result:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    updated: int = 0  # posts already stored whose counts changed (a later reading)
    alerts: int = 0
    errors: list = field(default_factory=list)  # {"line": n, "error": "..."}


def _count(value, name: str, number: int):
    if value in (None, ""):
        return 0, None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        return None, _("Line %(line)d: “%(field)s” must be a whole number from 0.") % {"line": number, "field": name}
    return value, None


EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # before social networks: a wrong date


def _when(value):
    """An aware datetime, None when it is not one, False when it is not a plausible date of a post."""
    try:
        published = parse_datetime(value[:40]) if isinstance(value, str) else None
        if published is None:
            return None
        if timezone.is_naive(published):
            published = timezone.make_aware(published, datetime.UTC)
        if not EARLIEST <= published <= timezone.now() + datetime.timedelta(days=1):
            return False
    except (ValueError, OverflowError):  # 2021-02-30, or a year 1 at +07:00 (before datetime.min in UTC)
        return None
    return published


def _storable(value: str) -> bool:
    """Every database stores it: no NUL or other control characters, no lone surrogates."""
    if CONTROL_RE.search(value):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _post(item, number: int, source: Source):
    """A Post (not saved) from one parsed line, or an error message."""
    if not isinstance(item, dict):
        return None, _("Line %(line)d: expected an object with “id” and “text”.") % {"line": number}
    post_id, text = item.get("id"), item.get("text")
    if post_id is None or isinstance(post_id, dict | list | bool) or len(str(post_id)) > 200:
        return None, _("Line %(line)d: “id” is missing or not a plain value.") % {"line": number}
    if not isinstance(text, str) or not text.strip():
        return None, _("Line %(line)d: “text” is missing or empty.") % {"line": number}
    for name in ("id", "url", "author"):  # kept as they are, so they must be plain text
        value = item.get(name)
        if isinstance(value, str) and not _storable(value):
            return None, _("Line %(line)d: “%(field)s” has characters that are not text (NUL, control or broken).") % {
                "line": number, "field": name,
            }  # fmt: skip
    counts = {}
    for name in ("reactions", "comments", "shares"):
        counts[name], error = _count(item.get(name), name, number)
        if error:
            return None, error
    published = None
    if item.get("published_at") not in (None, ""):
        published = _when(item["published_at"])
        if published is None:
            return None, _("Line %(line)d: “published_at” must be a date and time (ISO 8601).") % {"line": number}
        if published is False:
            return None, _("Line %(line)d: “published_at” is not a plausible date (from 2000 to today).") % {
                "line": number
            }
    url = item.get("url") or ""
    if not isinstance(url, str) or (url and not is_web_link(url)):
        return None, _("Line %(line)d: “url” must be a web address.") % {"line": number}
    author = item.get("author") or ""
    clean = CONTROL_RE.sub(" ", text).encode("utf-8", "replace").decode("utf-8")[: screening.MAX_TEXT]
    post = Post(
        source=source, external_id=str(post_id), text=clean, url=url,
        author=(author if isinstance(author, str) else "")[:200], published_at=published, **counts,
    )  # fmt: skip
    post.counts_given = any(item.get(name) not in (None, "") for name in ("reactions", "comments", "shares"))
    return post, None


def ingest(source: Source, body: bytes) -> Result:
    """A request of JSON lines from a listening tool."""
    result = Result()
    items = []
    for number, raw in enumerate(body.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if len(items) + len(result.errors) >= MAX_LINES:
            message = _("At most %(n)d posts in one request: the rest was not read.") % {"n": MAX_LINES}
            result.errors.append({"line": number, "error": message})
            break
        try:
            items.append((number, json.loads(line.decode("utf-8"))))
        except (UnicodeDecodeError, json.JSONDecodeError):
            result.received += 1
            result.errors.append(
                {"line": number, "error": _("Line %(line)d: not valid JSON in UTF-8.") % {"line": number}}
            )
    return store(source, items, result)


def store(source: Source, items, result: Result | None = None, notify: bool = True) -> Result:
    """Every source ends here: items are (line number, dict with the keys of a JSON line: id,
    text, url, author, published_at, reactions, comments, shares). Each is checked, stored once
    per id at the source, placed in a district and screened; alerts are raised for repeats of a
    known claim and for watchlist hits (the people a watchlist names are emailed unless
    `notify` is off: demo data tells nobody)."""
    result = result or Result()
    posts = _parse(source, items, result)
    known = _known(source, [p.external_id for p in posts])
    new = [p for p in posts if p.external_id not in known]
    result.duplicates += len(posts) - len(new)
    recounted = _recounted(posts, known)
    result.updated = len(recounted)
    now = timezone.now()
    raised = []
    if new:
        # Screened before the transaction: SQLite takes its write lock when a transaction begins,
        # and the matcher's seconds would hold every other writer back.
        screener = screening.Screener()
        for post in new:
            post.org_unit_id = screener.place(post.text) or source.org_unit_id
            post.first_reach, post.counted_at, post.received_at = post.reach, now, now  # the batch's stamp
        raised = screener.alerts_for(new)
    with transaction.atomic():
        created, raised = _insert(source, new, raised, now)
        Alert.objects.bulk_create(raised, batch_size=1000, ignore_conflicts=True)
        if recounted:
            Post.objects.bulk_update(recounted, ["reactions", "comments", "shares", "counted_at"], batch_size=1000)
        Source.objects.filter(pk=source.pk).update(last_fetch_at=now, last_count=len(created))
    result.stored, result.alerts = len(created), len(raised)
    if notify and raised:
        screener.notify(raised)
    return result


def _known(source: Source, ids: list[str]) -> dict:
    """{id at the source: (pk, reactions, comments, shares)} of the posts stored."""
    known = {}
    for start in range(0, len(ids), 1000):  # SQLite allows so many parameters per query
        rows = Post.objects.filter(source=source, external_id__in=ids[start : start + 1000]).values_list(
            "external_id", "pk", "reactions", "comments", "shares"
        )
        known.update({row[0]: row[1:] for row in rows})
    return known


def _recounted(posts: list, known: dict) -> list:
    """Posts pushed again with other counts: a later reading of the same post, whose growth is
    its velocity (reach gained per hour between the first reading and this one)."""
    changed = []
    for post in posts:
        if post.external_id in known and post.counts_given:
            pk, reactions, comments, shares = known[post.external_id]
            if (post.reactions, post.comments, post.shares) != (reactions, comments, shares):
                post.pk, post.counted_at = pk, timezone.now()
                changed.append(post)
    return changed


def _insert(source: Source, new: list, raised: list, stamp) -> tuple[list, list]:
    """Insert the new posts; return those this call stored, with their keys, and their alerts.
    A post another request stored meanwhile makes the plain insert fail; then the posts are
    inserted skipping those, and ours are read back by the batch's stamp (`received_at`), so the
    other request's posts are neither counted nor alerted (nor their watchers told) twice."""
    if not new:
        return [], []
    try:
        with transaction.atomic():
            created = Post.objects.bulk_create(new, batch_size=1000)
        if all(p.pk is not None for p in created):
            return created, raised
    except IntegrityError:
        pass
    Post.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    stored = {}
    for start in range(0, len(new), 1000):
        chunk = [p.external_id for p in new[start : start + 1000]]
        mine = Post.objects.filter(source=source, external_id__in=chunk, received_at=stamp)
        stored.update({p.external_id: p for p in mine})
    kept = []
    for alert in raised:
        if alert.post.external_id in stored:
            alert.post = stored[alert.post.external_id]
            kept.append(alert)
    return list(stored.values()), kept


def _parse(source: Source, items, result: Result) -> list:
    """The items' posts, each id once (the same post twice in a batch is a duplicate); every bad
    line in `result.errors`, by line number."""
    posts, seen = [], set()
    for number, item in items:
        result.received += 1
        post, error = _post(item, number, source)
        if error:
            result.errors.append({"line": number, "error": error})
        elif post.external_id in seen:
            result.duplicates += 1
        else:
            seen.add(post.external_id)
            posts.append(post)
    result.errors.sort(key=lambda e: e["line"])
    return posts


def check(source: Source, items) -> Result:
    """A dry run of `store`: the same checks, what would be new and what is already stored;
    nothing is written. `stored` counts the posts that would be stored."""
    result = Result()
    posts = _parse(source, items, result)
    existing = len(_known(source, [p.external_id for p in posts]))
    result.duplicates += existing
    result.stored = len(posts) - existing
    return result
