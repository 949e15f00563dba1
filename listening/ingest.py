"""Posts pushed by listening tools (JSON lines through the API): each line one post, stored once
per id at its source, screened against the known claims, an alert raised for each post that
repeats one. Good lines are kept and each bad line is reported by number (a batch is a stream,
not a transaction: what arrived is not lost because one line was broken)."""

import datetime
import json
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.validation import CONTROL_RE

from . import screening
from .models import Alert, Post, Source

MAX_LINES = 10_000
MAX_COUNT = 10**9


@dataclass
class Result:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    alerts: int = 0
    errors: list = field(default_factory=list)  # {"line": n, "error": "..."}


def _count(value, name: str, number: int):
    if value in (None, ""):
        return 0, None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        return None, _("Line %(line)d: “%(field)s” must be a whole number from 0.") % {"line": number, "field": name}
    return value, None


def _post(item, number: int, source: Source):
    """A Post (not saved) from one parsed line, or an error message."""
    if not isinstance(item, dict):
        return None, _("Line %(line)d: expected an object with “id” and “text”.") % {"line": number}
    post_id, text = item.get("id"), item.get("text")
    if post_id is None or isinstance(post_id, dict | list | bool) or len(str(post_id)) > 200:
        return None, _("Line %(line)d: “id” is missing or not a plain value.") % {"line": number}
    if not isinstance(text, str) or not text.strip():
        return None, _("Line %(line)d: “text” is missing or empty.") % {"line": number}
    counts = {}
    for name in ("reactions", "comments", "shares"):
        counts[name], error = _count(item.get(name), name, number)
        if error:
            return None, error
    published = None
    if item.get("published_at") not in (None, ""):
        published = parse_datetime(str(item["published_at"])[:40]) if isinstance(item["published_at"], str) else None
        if published is None:
            return None, _("Line %(line)d: “published_at” must be a date and time (ISO 8601).") % {"line": number}
        if timezone.is_naive(published):
            published = timezone.make_aware(published, datetime.UTC)
    url = item.get("url") or ""
    if not isinstance(url, str) or len(url) > 1000 or (url and not url.startswith(("http://", "https://"))):
        return None, _("Line %(line)d: “url” must be a web address.") % {"line": number}
    author = item.get("author") or ""
    clean = CONTROL_RE.sub(" ", text).encode("utf-8", "replace").decode("utf-8")[: screening.MAX_TEXT]
    return Post(
        source=source, external_id=str(post_id), text=clean, url=url,
        author=CONTROL_RE.sub(" ", author if isinstance(author, str) else "")[:200], published_at=published, **counts,
    ), None  # fmt: skip


def ingest(source: Source, body: bytes) -> Result:
    result = Result()
    posts, numbers = [], {}
    for number, raw in enumerate(body.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        result.received += 1
        if result.received > MAX_LINES:
            message = _("At most %(n)d posts in one request: the rest was not read.") % {"n": MAX_LINES}
            result.errors.append({"line": number, "error": message})
            break
        try:
            item = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            result.errors.append(
                {"line": number, "error": _("Line %(line)d: not valid JSON in UTF-8.") % {"line": number}}
            )
            continue
        post, error = _post(item, number, source)
        if error:
            result.errors.append({"line": number, "error": error})
        elif post.external_id in numbers:
            result.duplicates += 1  # the same post twice in one batch
        else:
            numbers[post.external_id] = number
            posts.append(post)
    existing = set(
        Post.objects.filter(source=source, external_id__in=[p.external_id for p in posts]).values_list(
            "external_id", flat=True
        )
    )
    new = [p for p in posts if p.external_id not in existing]
    result.duplicates += len(posts) - len(new)
    matcher, keys = screening.build_matcher()
    with transaction.atomic():
        Post.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        stored = {
            p.external_id: p for p in Post.objects.filter(source=source, external_id__in=[p.external_id for p in new])
        }
        alerts = []
        for post in stored.values():
            found_result, found = screening.screen(matcher, keys, post.text)
            if found_result["level"]:
                alerts.append(Alert(post=post, claim_id=found[0].claim_id, score=found[0].score,
                                    level=found_result["level"]))  # fmt: skip
        Alert.objects.bulk_create(alerts, batch_size=1000, ignore_conflicts=True)
        Source.objects.filter(pk=source.pk).update(last_fetch_at=timezone.now(), last_error="")
    result.stored, result.alerts = len(stored), len(alerts)
    return result
