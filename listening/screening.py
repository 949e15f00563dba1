"""Screening posts against the known claims: the one engine (vntext.matching) with the desk's
thresholds, the watchlists and the place names. Used by `manage.py screen` and, through
`ingest.store` and `Screener`, by every source of posts.

A result says which claim a text repeats: `level` is "auto" at or above MISINFO_AUTO_LINK (and
when the text does not deny the claim), "suggest" at or above MISINFO_SUGGEST, else null."""

import json

from django.conf import settings
from django.utils.translation import gettext as _

from core.models import OrgUnit
from core.tasks import enqueue_on_commit
from core.validation import CONTROL_RE
from misinfo.models import Claim
from vntext.matching import Matcher, tokens
from vntext.watch import Rule, index

from .models import Alert, Post, Watchlist

MAX_TEXT = 100_000  # a post longer than this is cut for matching (the claim is in there or not)


def build_matcher() -> tuple[Matcher, dict]:
    """The desk's matcher, and each claim's key in results: its external id, or "C<pk>"."""
    from misinfo.actions import matcher

    keys = {pk: external or f"C{pk}" for pk, external in Claim.objects.values_list("pk", "external_id")}
    return matcher(), keys


def level_of(match) -> str | None:
    if match is None or match.score < settings.MISINFO_SUGGEST:
        return None
    if match.score >= settings.MISINFO_AUTO_LINK and not match.negated:
        return "auto"
    return "suggest"


def screen(matcher: Matcher, keys: dict, text: str) -> dict:
    found = matcher.match(text[:MAX_TEXT], limit=3)
    best = found[0] if found else None
    level = level_of(best)
    return {
        "match": keys[best.claim_id] if level else None,
        "level": level,
        "score": best.score if best else 0.0,
        "candidates": [{"claim": keys[m.claim_id], "score": m.score} for m in found],
    }


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


class Screener:
    """Everything one batch of posts is checked against, loaded once per batch: the known claims
    (the desk's cached matcher), the active watchlists and the place names of the org-unit tree."""

    def __init__(self):
        from misinfo.actions import matcher

        from . import places

        self.matcher = matcher()
        self.gazetteer = places.gazetteer()
        self.rules = []
        for watchlist in Watchlist.objects.filter(is_active=True).select_related("org_unit"):
            rule = Rule.parse(watchlist.phrases, watchlist.mode, watchlist.within)
            if rule.phrases:
                path = watchlist.org_unit.path if watchlist.org_unit_id else ""
                self.rules.append((watchlist, rule, path))
        self._paths = None

    def place(self, text: str) -> int | None:
        return self.gazetteer.place(text[:MAX_TEXT]) if self.gazetteer else None

    def _path(self, org_unit_id) -> str:
        if self._paths is None:
            self._paths = dict(OrgUnit.objects.values_list("pk", "path"))
        return self._paths.get(org_unit_id, "")

    def watch(self, post: Post, words: list[str]) -> Watchlist | None:
        """The first watchlist (by name) the post hits, among those whose area holds the post;
        `words` are the post's `tokens`."""
        if not self.rules:
            return None
        first = index(words)
        for watchlist, rule, path in self.rules:
            if path and not self._path(post.org_unit_id).startswith(path):
                continue  # a district's watchlist sees its own district's posts only
            if rule.find(words, first):
                return watchlist
        return None

    def alerts_for(self, posts) -> list:
        """Unsaved alerts for the posts that repeat a known claim or hit a watchlist."""
        alerts = []
        for post in posts:
            text = post.text[:MAX_TEXT]
            words = tokens(text)  # once for the claims and the watchlists
            found = self.matcher.match(text, limit=1, words=words)
            level = level_of(found[0] if found else None)
            watchlist = self.watch(post, words)
            if level:
                alerts.append(Alert(post=post, claim_id=found[0].claim_id, score=found[0].score, level=level,
                                    watchlist=watchlist))  # fmt: skip
            elif watchlist:
                alerts.append(Alert(post=post, watchlist=watchlist, score=0.0, level=Alert.Level.WATCH))
        return alerts

    @staticmethod
    def notify(alerts) -> None:
        """Who a watchlist names is told of its hits, one email per watchlist and batch."""
        from .tasks import notify_watchers

        hits: dict[int, list] = {}
        for alert in alerts:
            if alert.watchlist_id:
                hits.setdefault(alert.watchlist_id, []).append(alert.post_id)
        for watchlist_id, post_ids in hits.items():
            enqueue_on_commit(notify_watchers, watchlist_id, post_ids)
