"""Screening posts against the known claims: the one engine (vntext.matching) with the desk's
thresholds. Used by `manage.py screen` and, later, by every source of posts.

A result says which claim a text repeats: `level` is "auto" at or above MISINFO_AUTO_LINK (and
when the text does not deny the claim), "suggest" at or above MISINFO_SUGGEST, else null."""

import json

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from core.validation import CONTROL_RE
from misinfo.models import Claim
from vntext.matching import Matcher

from .models import Alert, Post, Source

MAX_TEXT = 100_000  # a post longer than this is cut for matching (the claim is in there or not)


def claim_key(claim_id: int, external: str | None) -> str:
    return external or f"C{claim_id}"


def build_matcher() -> tuple[Matcher, dict]:
    rows = list(Claim.objects.values_list("pk", "external_id", "statement"))
    keys = {pk: claim_key(pk, ext) for pk, ext, _s in rows}
    return Matcher({pk: text for pk, _e, text in rows}), keys


def level_of(match) -> str | None:
    if match is None or match.score < settings.MISINFO_SUGGEST:
        return None
    if match.score >= settings.MISINFO_AUTO_LINK and not match.negated:
        return "auto"
    return "suggest"


def screen(matcher: Matcher, keys: dict, text: str) -> tuple[dict, list]:
    found = matcher.match(text[:MAX_TEXT], limit=3)
    best = found[0] if found else None
    level = level_of(best)
    return {
        "match": keys[best.claim_id] if level else None,
        "level": level,
        "score": best.score if best else 0.0,
        "candidates": [{"claim": keys[m.claim_id], "score": m.score} for m in found],
    }, found


def parse_line(line: str, number: int) -> tuple[object, str | None, str | None]:
    """(id, text, error) of one input line: a JSON object with "id" and "text"."""
    try:
        item = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        return None, None, _("Line %(line)d: not valid JSON (%(error)s).") % {"line": number, "error": e.msg}
    if not isinstance(item, dict):
        return None, None, _("Line %(line)d: expected an object with “id” and “text”.") % {"line": number}
    post_id, text = item.get("id"), item.get("text")
    if post_id is None or isinstance(post_id, dict | list):
        return None, None, _("Line %(line)d: “id” is missing or not a plain value.") % {"line": number}
    if not isinstance(text, str) or not text.strip():
        return post_id, None, _("Line %(line)d: “text” is missing or empty.") % {"line": number}
    # Posts are what they are: control characters become spaces and broken characters are
    # replaced, so every database stores them; a very long post is cut (the claim is near the top).
    text = CONTROL_RE.sub(" ", text).encode("utf-8", "replace").decode("utf-8")[:MAX_TEXT]
    return post_id, text, None


@transaction.atomic
def save(source: Source, post_id, text: str, found: list, level: str | None) -> tuple[Post, Alert | None]:
    """Store the post once (by its id at the source) and its alert once."""
    post, _created = Post.objects.get_or_create(source=source, external_id=str(post_id)[:200], defaults={"text": text})
    alert = None
    if level and not hasattr(post, "alert"):
        alert, _created = Alert.objects.get_or_create(
            post=post, defaults={"claim_id": found[0].claim_id, "score": found[0].score, "level": level}
        )
    return post, alert
