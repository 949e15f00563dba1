"""Matching informal Vietnamese text to known claims (no Django; rapidfuzz and numpy).

A post or a tip is compared with each known claim by how much of the claim's *content* it
contains: the claim's words are weighted by rarity among the known claims (IDF: "covid" or
"virus" say little, "ethylene" or "giun" say a lot), a word counts when the text has it exactly
or nearly (a typo), and pairs of consecutive words found in the same order add a phrase bonus.
Before that both sides go through the same normaliser: NFC, URLs and emoji out, accents folded
(đ → d), teencode and abbreviations expanded (ko → khong, dc → duoc, mn → moi nguoi), number
words as digits, a few synonyms mapped to one word (máy lạnh / điều hòa).

Scores are 0…1. The caller sets two thresholds (auto-link and suggest); `Match.shared` lists the
claim's words found in the text, to show why.
"""

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import numpy as np
from rapidfuzz import fuzz, process

from . import fold

URL_RE = re.compile(r"https?://\S+|www\.\S+|\b\S+\.(?:com|vn|ly|net|org)/\S*")
NON_WORD_RE = re.compile(r"[^a-z0-9]+")

# Teencode and common abbreviations, already accent-folded, to their full (folded) form.
ABBREVIATIONS = {
    "ko": "khong", "k": "khong", "kh": "khong", "hok": "khong", "hem": "khong", "khg": "khong",
    "dc": "duoc", "dk": "duoc", "ng": "nguoi", "mn": "moi nguoi", "mng": "moi nguoi", "mk": "minh",
    "vs": "voi", "j": "gi", "bik": "biet", "bit": "biet", "ns": "noi", "nc": "nuoc", "cx": "cung",
    "r": "roi", "z": "vay", "v": "vay", "lun": "luon", "wa": "qua", "vo": "vao", "ntn": "nhu the nao",
    "hn": "ha noi", "sg": "sai gon", "tphcm": "thanh pho ho chi minh", "hcm": "ho chi minh", "tp": "thanh pho",
    "vn": "viet nam", "tq": "trung quoc", "bv": "benh vien", "bs": "bac si", "byt": "bo y te",
    "ubnd": "uy ban nhan dan", "bcd": "ban chi dao", "xn": "xet nghiem", "ncov": "corona", "sars": "corona",
    "covid19": "covid 19", "f0": "f0", "f1": "f1",
}  # fmt: skip
# Number words that fold to nothing else common ("sau" is also "after", "nam" also "year", "tu" also
# "from"): only these become digits, so "bốn lần" meets "4 lần".
NUMBER_WORDS = {"bon": "4", "muoi": "10", "chin": "9"}
# Different words for one thing, folded; the right-hand side is what both become.
SYNONYMS = {
    "dieu hoa": "may lanh", "khach tay": "du khach", "nhiet ke": "than nhiet",
    "het benh": "khoi", "het": "khoi", "danh bay": "khoi",
}  # fmt: skip
# Function words that carry no claim (folded).
STOPWORDS = frozenset(
    """la va cua cho co thi ma nha do di roi nay day o thu voi cac nhung duoc se da dang bi khi ve ra
    vao len lai con cung nen de tu trong ngoai den theo tai neu vi vay truoc moi lam hay khong gi ai
    minh ban chi anh em no ho tui toi nguoi luon lien qua ghe thoi hoac biet noi nghe nhe a oi u nhi
    ah ak uh nua cai con nay kia ay sao the nao rat lam bao moi nguoi tat ca""".split()  # noqa: SIM905 (reads as prose)
)


@lru_cache(maxsize=1 << 16)
def _normal_words(piece: str) -> tuple[str, ...]:
    """One whitespace-separated piece of a text, normalised: folded, split at punctuation,
    teencode expanded, number words as digits. Cached: posts reuse a few thousand pieces."""
    words = []
    for word in NON_WORD_RE.sub(" ", fold(piece)).split():
        words.extend(NUMBER_WORDS.get(w, w) for w in ABBREVIATIONS.get(word, word).split())
    return tuple(words)


# A synonym can only apply when its first word is in the text: most texts skip the replacing.
_SYNONYM_STARTS = frozenset(phrase.split()[0] for phrase in SYNONYMS)


def tokens(text: str) -> list[str]:
    """The normalised words of a text, in order (function words kept)."""
    # Folding a piece never crosses white space, so the pieces are folded one by one (cached).
    words = [word for piece in URL_RE.sub(" ", text).split() for word in _normal_words(piece)]
    if _SYNONYM_STARTS.isdisjoint(words):
        return words
    joined = " " + " ".join(words) + " "
    for phrase, target in SYNONYMS.items():
        joined = joined.replace(f" {phrase} ", f" {target} ")
    return joined.split()


def content_tokens(text: str) -> list[str]:
    return [t for t in tokens(text) if t not in STOPWORDS]


# How a correction reads (folded): a text that rebuts the claim, or says "not" right before one of
# the claim's own words ("không mang virus"), is likely the answer to the rumour, not the rumour;
# it is never linked without a person looking. A chatty "ko nên" or "ko phải" is not that.
REBUTTALS = ("bac bo", "tin gia", "sai su that", "khong dung su that", "khong co chuyen", "bia dat", "cai chinh",
             "dinh chinh", "khong he")  # fmt: skip
NOT_WORDS = {"khong", "chang"}  # not "chua": folded, "chưa" (not yet) is "chữa" (to cure)


def negates(text_tokens: list[str], claim_tokens: list[str]) -> bool:
    text, claim = " " + " ".join(text_tokens) + " ", " " + " ".join(claim_tokens) + " "
    if any(f" {phrase} " in text and f" {phrase} " not in claim for phrase in REBUTTALS):
        return True
    claim_words = {w for w in claim_tokens if w not in STOPWORDS}
    denied_in_claim = {b for a, b in pairwise(claim_tokens) if a in NOT_WORDS}
    return any(a in NOT_WORDS and b in claim_words and b not in denied_in_claim for a, b in pairwise(text_tokens))


@dataclass
class Match:
    claim_id: object
    score: float
    shared: list[str] = field(default_factory=list)  # the claim's words found in the text
    negated: bool = False  # the text denies what the claim says (a rebuttal, official news)


class _Text:
    """A text's content words, prepared once to be scored against many claims."""

    __slots__ = ("_typos", "long_words", "pairs", "present")

    def __init__(self, words: list[str]):
        self.present = set(words)
        self.pairs = set(pairwise(words))
        self.long_words = [w for w in self.present if len(w) >= 5]
        self._typos: dict[str, bool] = {}

    def has_typo_of(self, word: str) -> bool:
        """Whether one of the text's longer words is a near typo of `word` (asked once per word:
        many candidate claims share their words)."""
        found = self._typos.get(word)
        if found is None:
            found = self._typos[word] = bool(self.long_words) and (
                process.extractOne(word, self.long_words, scorer=fuzz.ratio, score_cutoff=85) is not None
            )
        return found


def _isin(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """values[i] in known, for each i; `known` sorted (a handful of numbers: no hashing)."""
    if not len(known):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(known, values), len(known) - 1)
    return known[at] == values


class Matcher:
    """Built once from the known claims ({id: text}); `match` is then cheap per text.

    With thousands of claims, a text is not scored against each of them: an inverted index from
    each word to the claims that have it gives the candidates (claims sharing enough of their
    weight with the text), and only those are scored in full: all at once, with the words of the
    candidates laid end to end in numpy arrays (`score` is the same sum, one claim at a time)."""

    # Words in more than this share of the claims ("covid", "virus") find too many candidates and
    # weigh little: they count in the score, not in the search for candidates.
    COMMON = 0.2
    MAX_CANDIDATES = 40
    RETRIEVAL_WORDS = 12

    def __init__(self, claims: dict):
        self.claim_tokens = {cid: tokens(text) for cid, text in claims.items()}
        self.claims = {cid: [t for t in words if t not in STOPWORDS] for cid, words in self.claim_tokens.items()}
        df: dict[str, int] = {}
        for words in self.claims.values():
            for word in set(words):
                df[word] = df.get(word, 0) + 1
        n = max(len(self.claims), 1)
        self.idf = {word: math.log(1 + n / (count + 0.5)) for word, count in df.items()}
        self.total = {cid: sum(self.idf[w] for w in words) or 1.0 for cid, words in self.claims.items()}
        common = max(self.COMMON * n, 2)
        # Claims by position, so the search for candidates adds weights into one array per text.
        self.ids = list(self.claims)
        position = {cid: i for i, cid in enumerate(self.ids)}
        self.totals = np.array([self.total[cid] for cid in self.ids], dtype=np.float64)
        lists: dict[str, list] = {}
        for cid, words in self.claims.items():
            for word in set(words):
                if df[word] <= common:
                    lists.setdefault(word, []).append(position[cid])
        self.postings = {word: np.array(found, dtype=np.intp) for word, found in lists.items()}
        # Long words, for the typos the score forgives: their 4-letter prefixes find them too.
        self.prefixes: dict[str, set] = {}
        for word in self.postings:
            if len(word) >= 6:
                self.prefixes.setdefault(word[:4], set()).add(word)
        self._lay_out_words()

    def _lay_out_words(self) -> None:
        """Every claim's words end to end, as numbers, with their weights and, for each word but
        a claim's last, the number of the pair it starts (-1 for the last): what `_score_rows`
        reads for the candidates of a text."""
        self._vocabulary = list(self.idf)
        self._number = {word: i for i, word in enumerate(self._vocabulary)}
        self._long = np.array([len(w) >= 6 for w in self._vocabulary], dtype=bool)
        size = len(self._vocabulary)
        numbers, pair_codes, lengths = [], [], []
        for cid in self.ids:
            row = [self._number[w] for w in self.claims[cid]]
            numbers += row
            pair_codes += [a * size + b for a, b in pairwise(row)] + [-1] * min(len(row), 1)
            lengths.append(len(row))
        self._numbers = np.array(numbers, dtype=np.int64)
        self._weights = np.array([self.idf[self._vocabulary[i]] for i in numbers], dtype=np.float64)
        self._pair_codes = np.array(pair_codes, dtype=np.int64)
        self._lengths = np.array(lengths, dtype=np.int64)
        self._starts = np.cumsum(self._lengths) - self._lengths
        # The weight of each claim added up word by word, as `score` does (`sum` compensates).
        added = np.bincount(np.repeat(np.arange(len(self.ids)), self._lengths), self._weights, len(self.ids))
        self._score_totals = np.where(added > 0, added, 1.0)

    def score(self, claim_words: list[str], text_words: list[str], _text=None) -> tuple[float, list[str]]:
        """0…1: the claim's IDF-weighted words found in the text (a typo of a long word counts
        0.8), and its consecutive pairs found in the same order."""
        if not claim_words or not text_words:
            return 0.0, []
        text = _text or _Text(text_words)
        total = hit = 0.0
        shared = []
        for word in claim_words:
            weight = self.idf.get(word, 1.0)
            total += weight
            if word in text.present:
                hit += weight
                shared.append(word)
            elif len(word) >= 6 and text.has_typo_of(word):
                hit += 0.8 * weight  # a typo of the word
                shared.append(word)
        pairs = list(pairwise(claim_words))
        phrase = sum(1 for p in pairs if p in text.pairs) / len(pairs) if pairs else 0.0
        return 0.6 * hit / total + 0.4 * phrase, shared

    def _score_rows(self, rows: np.ndarray, text: _Text) -> np.ndarray:
        """`score` of the claims at these positions, in one pass: the same additions in the same
        order, so the same numbers to the last bit."""
        lengths = self._lengths[rows]
        claim_of = np.repeat(np.arange(len(rows)), lengths)
        at = np.arange(lengths.sum()) + np.repeat(self._starts[rows] - (np.cumsum(lengths) - lengths), lengths)
        words = self._numbers[at]
        # What each word of the vocabulary counts for in this text: 1 found, 0.8 a typo of it.
        counts = np.zeros(len(self._vocabulary))
        counts[[self._number[w] for w in text.present if w in self._number]] = 1.0
        factor = counts[words]
        if text.long_words:
            missing = np.unique(words[self._long[words] & (factor == 0.0)])
            typos = [i for i in missing.tolist() if text.has_typo_of(self._vocabulary[i])]
            if typos:
                counts[typos] = 0.8
                factor = counts[words]
        hit = np.bincount(claim_of, weights=self._weights[at] * factor, minlength=len(rows))
        size = len(self._vocabulary)
        text_pairs = sorted(
            self._number[a] * size + self._number[b] for a, b in text.pairs if a in self._number and b in self._number
        )
        in_order = _isin(self._pair_codes[at], np.array(text_pairs, dtype=np.int64))
        phrase = np.bincount(claim_of, weights=in_order, minlength=len(rows))
        pairs = lengths - 1
        phrase = np.divide(phrase, pairs, out=np.zeros(len(rows)), where=pairs > 0)
        return 0.6 * hit / self._score_totals[rows] + 0.4 * phrase

    def candidates(self, words: list[str]) -> list:
        """Claims that share enough weight with the text to be worth scoring, best first."""
        return [self.ids[i] for i in self._candidate_rows(words)]

    def _candidate_rows(self, words: list[str]) -> np.ndarray:
        """Positions of the candidate claims, best first. Only the text's rarest words look for
        candidates: they carry the claim; the others would only make every claim a candidate."""
        distinct = set(words)
        known = sorted((w for w in distinct if w in self.postings), key=lambda w: (-self.idf[w], w))
        # Words the claims do not have may be typos of words they have ("ethylen").
        typos = [
            w for word in sorted(distinct) if word not in self.postings and len(word) >= 6
            for w in sorted(self.prefixes.get(word[:4], ())) if fuzz.ratio(w, word) >= 85
        ]  # fmt: skip
        words_used = known[: self.RETRIEVAL_WORDS] + typos[:5]
        if not words_used:
            return np.zeros(0, dtype=np.intp)
        # Their weights added per claim (word after word, as one would by hand), then the best.
        lists = [self.postings[w] for w in words_used]
        weights = np.repeat([self.idf[w] for w in words_used], [len(found) for found in lists])
        ratio = np.bincount(np.concatenate(lists), weights, len(self.ids)) / self.totals
        rows = np.flatnonzero(ratio >= 0.15)
        if len(rows) > self.MAX_CANDIDATES:
            last = np.partition(-ratio[rows], self.MAX_CANDIDATES - 1)[self.MAX_CANDIDATES - 1]
            rows = rows[-ratio[rows] <= last]
        return rows[np.lexsort((rows, -ratio[rows]))[: self.MAX_CANDIDATES]]  # on a tie, the first claim

    def match(self, text: str, limit: int = 3, minimum: float = 0.0, words: list[str] | None = None) -> list[Match]:
        """The best claims for a text. `words` are its `tokens`, when the caller has them already
        (a post screened against the claims and the watchlists is normalised once)."""
        all_words = tokens(text) if words is None else words
        words = [t for t in all_words if t not in STOPWORDS]
        rows = self._candidate_rows(words)
        if not len(rows):
            return []
        prepared = _Text(words)
        exact = self._score_rows(rows, prepared)
        kept = exact > minimum
        if limit is not None and 0 < limit < np.count_nonzero(kept):
            # Scores are returned rounded, and the sort is by rounded score: only a score within
            # 0.001 of the limit-th best can round to as much.
            last = -np.partition(-exact[kept], limit - 1)[limit - 1]
            kept &= exact >= last - 0.0011
        values = exact.tolist()  # Python floats: Python's rounding
        scores = [(round(values[i], 3), i) for i in np.flatnonzero(kept).tolist()]
        scores.sort(key=lambda found: -found[0])  # stable: on a tie, the better candidate first
        matches = []
        for score, i in scores[:limit]:  # only for what is returned: the shared words, negation
            cid = self.ids[rows[i]]
            shared = self.score(self.claims[cid], words, prepared)[1]
            matches.append(Match(cid, score, shared, negates(all_words, self.claim_tokens[cid])))
        return matches


WORD_RE = re.compile(r"\w+")


def highlight(text: str, words) -> list[tuple[int, int]]:
    """Character spans of the text's words that are (or expand to, or are a near typo of) one of
    `words` (normalised, as in Match.shared): what to mark to show why a text matched."""
    wanted = set(words)
    if not wanted:
        return []
    long_wanted = [w for w in wanted if len(w) >= 6]
    spans = []
    for found in WORD_RE.finditer(text):
        word = fold(found.group())
        expanded = [NUMBER_WORDS.get(w, w) for w in ABBREVIATIONS.get(word, word).split()]
        if any(w in wanted for w in expanded) or (
            len(word) >= 6 and long_wanted and process.extractOne(word, long_wanted, scorer=fuzz.ratio, score_cutoff=85)
        ):
            spans.append(found.span())
    return spans
