"""Watchlist rules: phrases to look for in a text, accent- and case-insensitively, with the same
normaliser as the claim matcher (so "ko" meets "không" and "Tac Cau" meets "Tắc Cậu").

A rule is a list of phrases and a mode: any phrase, all phrases, or all phrases close together
(at most `within` other words between them)."""

from dataclasses import dataclass

from .matching import tokens

MODES = ("any", "all", "near")


def phrases_of(text: str) -> list[tuple[str, ...]]:
    """The phrases of a rule as written (one per line), normalised; blank lines dropped."""
    found = []
    for line in text.splitlines():
        words = tuple(tokens(line))
        if words and words not in found:
            found.append(words)
    return found


def _positions(words: list[str], phrase: tuple[str, ...], first: dict) -> list[int]:
    n = len(phrase)
    return [i for i in first.get(phrase[0], ()) if tuple(words[i : i + n]) == phrase]


@dataclass
class Rule:
    phrases: list[tuple[str, ...]]
    mode: str = "any"
    within: int = 8

    @classmethod
    def parse(cls, text: str, mode: str = "any", within: int = 8) -> "Rule":
        return cls(phrases_of(text), mode if mode in MODES else "any", max(int(within), 1))

    def find(self, words: list[str], first: dict | None = None) -> list[tuple[int, int]] | None:
        """(start, end) word spans of the phrases found when the rule holds, else None. `first`
        maps each word to its positions (built once per text and shared by every rule)."""
        if not self.phrases:
            return None
        if first is None:
            first = index(words)
        found = {p: _positions(words, p, first) for p in self.phrases}
        if self.mode == "any":
            spans = [(i, i + len(p)) for p, at in found.items() for i in at]
            return sorted(spans) or None
        if not all(found.values()):
            return None
        spans = sorted((i, i + len(p), k) for k, (p, at) in enumerate(found.items()) for i in at)
        if self.mode == "all":
            return [(a, b) for a, b, _k in spans]
        return _closest(spans, self.phrases, self.within)


def _closest(spans: list, phrases: list, within: int) -> list[tuple[int, int]] | None:
    """The narrowest window holding one span of each phrase, when at most `within` other words
    lie inside it (sliding window over the spans sorted by start)."""
    kinds, words_in_phrases = len(phrases), sum(len(p) for p in phrases)
    best, count, have, left = None, {}, 0, 0
    for right in range(len(spans)):
        kind = spans[right][2]
        count[kind] = count.get(kind, 0) + 1
        have += count[kind] == 1
        while have == kinds:
            start = spans[left][0]
            # A window whose starts already lie too far apart cannot hold: skip computing its end,
            # so the work per step stays bounded by `within` (not by the length of the text).
            if spans[right][0] - start - words_in_phrases <= within:
                width = max(b for _a, b, _k in spans[left : right + 1]) - start
                if width - words_in_phrases <= within and (best is None or width < best[0]):
                    best = (width, left, right)
            count[spans[left][2]] -= 1
            have -= count[spans[left][2]] == 0
            left += 1
    if best is None:
        return None
    return [(a, b) for a, b, _k in spans[best[1] : best[2] + 1]]


def index(words: list[str]) -> dict:
    first: dict[str, list[int]] = {}
    for i, word in enumerate(words):
        first.setdefault(word, []).append(i)
    return first
