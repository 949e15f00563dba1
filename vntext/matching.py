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


def tokens(text: str) -> list[str]:
    """The normalised words of a text, in order (function words kept)."""
    text = fold(URL_RE.sub(" ", text))
    words = []
    for word in NON_WORD_RE.sub(" ", text).split():
        words.extend(ABBREVIATIONS.get(word, word).split())
    joined = " " + " ".join(NUMBER_WORDS.get(w, w) for w in words) + " "
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


class Matcher:
    """Built once from the known claims ({id: text}); `match` is then cheap per text.

    With thousands of claims, a text is not scored against each of them: an inverted index from
    each word to the claims that have it gives the candidates (claims sharing enough of their
    weight with the text), and only those are scored in full."""

    # Words in more than this share of the claims ("covid", "virus") find too many candidates and
    # weigh little: they count in the score, not in the search for candidates.
    COMMON = 0.2
    MAX_CANDIDATES = 40

    def __init__(self, claims: dict):
        self.claims = {cid: content_tokens(text) for cid, text in claims.items()}
        self.claim_tokens = {cid: tokens(text) for cid, text in claims.items()}
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
        self.postings = {word: np.array(found, dtype=np.int32) for word, found in lists.items()}
        # Long words, for the typos the score forgives: their 4-letter prefixes find them too.
        self.prefixes: dict[str, set] = {}
        for word in self.postings:
            if len(word) >= 6:
                self.prefixes.setdefault(word[:4], set()).add(word)

    def score(self, claim_words: list[str], text_words: list[str], _text=None) -> tuple[float, list[str]]:
        """0…1: the claim's IDF-weighted words found in the text (a typo of a long word counts
        0.8), and its consecutive pairs found in the same order."""
        if not claim_words or not text_words:
            return 0.0, []
        present, text_pairs, long_words = _text or self._prepare(text_words)
        total = hit = 0.0
        shared = []
        for word in claim_words:
            weight = self.idf.get(word, 1.0)
            total += weight
            if word in present:
                hit += weight
                shared.append(word)
            elif len(word) >= 6 and long_words and process.extractOne(word, long_words, scorer=fuzz.ratio,
                                                                     score_cutoff=85):  # fmt: skip
                hit += 0.8 * weight  # a typo of the word
                shared.append(word)
        pairs = list(pairwise(claim_words))
        phrase = sum(1 for p in pairs if p in text_pairs) / len(pairs) if pairs else 0.0
        return 0.6 * hit / total + 0.4 * phrase, shared

    @staticmethod
    def _prepare(text_words: list[str]):
        present = set(text_words)
        return present, set(pairwise(text_words)), [w for w in present if len(w) >= 5]

    RETRIEVAL_WORDS = 12

    def candidates(self, words: list[str]) -> list:
        """Claims that share enough weight with the text to be worth scoring, best first. Only
        the text's rarest words look for candidates: they carry the claim; the others would
        only make every claim a candidate."""
        distinct = set(words)
        known = sorted((w for w in distinct if w in self.postings), key=lambda w: -self.idf[w])
        # Words the claims do not have may be typos of words they have ("ethylen").
        typos = [
            w for word in distinct if word not in self.postings and len(word) >= 6
            for w in self.prefixes.get(word[:4], ()) if fuzz.ratio(w, word) >= 85
        ]  # fmt: skip
        words_used = known[: self.RETRIEVAL_WORDS] + typos[:5]
        if not words_used:
            return []
        weight = np.zeros(len(self.ids))
        for word in words_used:
            weight[self.postings[word]] += self.idf[word]
        ratio = weight / self.totals
        k = min(self.MAX_CANDIDATES, len(ratio))
        top = np.argpartition(-ratio, k - 1)[:k]
        top = top[np.argsort(-ratio[top], kind="stable")]
        return [self.ids[i] for i in top if ratio[i] >= 0.15]

    def match(self, text: str, limit: int = 3, minimum: float = 0.0) -> list[Match]:
        all_words = tokens(text)
        words = [t for t in all_words if t not in STOPWORDS]
        found = []
        prepared = self._prepare(words)
        for cid in self.candidates(words):
            score, shared = self.score(self.claims[cid], words, prepared)
            if score > minimum:
                found.append(Match(cid, round(score, 3), shared))
        found.sort(key=lambda m: -m.score)
        for match in found[:limit]:  # only for what is returned: it costs a pass over the text
            match.negated = negates(all_words, self.claim_tokens[match.claim_id])
        return found[:limit]
