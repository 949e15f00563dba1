"""Place names in informal Vietnamese text: which units of an org-unit tree a post names, and the
one unit to place it in (no Django).

A `Gazetteer` is built once from the units of a tree (province, districts, communes, villages)
and a list of aliases (landmarks, islands, ports, old or short names). A text goes through the
claim matcher's normaliser (`vntext.matching.tokens`: accents folded, URLs out, punctuation as
separators, teencode expanded: "tp" → "thanh pho", "sg" → "sai gon"), then every run of words
that starts a known name is looked up in one dictionary of word tuples: the cost is a few
dictionary look-ups per word, however many units there are.

When a name counts (the rules that keep ordinary phrases such as "bình an" out):

- A name after its level word counts: "xã Bình An", "phường An Bình", "thị trấn Minh Lương",
  "huyện Châu Thành", "TP Rạch Giá" (also h., x., p., tt, tx, thị xã, tỉnh; ấp, thôn, khu phố).
  A phường/xã/thị trấn word picks that kind of unit when names collide ("xã Vĩnh Thuận" is
  not "thị trấn Vĩnh Thuận"; "phường Vĩnh Thanh" is not "xã Vĩnh Thạnh", both "vinh thanh").
- Bare, a province or district name counts ("Rạch Giá", "Châu Thành", "U Minh Thượng"), and so
  does an alias ("Tắc Cậu", "Dương Đông").
- Bare, a commune or village name counts only when the text also names its district (or
  its commune, for a village, or the unit itself through an alias; naming the province is not
  enough): "Bình An, Châu Thành" places, "chúc cả nhà bình an" does not.
- A name shared by several units (two "Xã Bình An", in Kiên Lương and in Châu Thành) counts
  only when the text names the district of exactly one of them, with or without level word.
- A longer name hides the names inside it, whether it counts or not: "An Minh Bắc" (a commune
  of U Minh Thượng) is not the district of An Minh. Except when the shorter name is the
  district of the longer one: "Tân Hiệp á" still places in Tân Hiệp (not in "Tân Hiệp A").
- A few ordinary words fold to a place name: "hà tiện" (stingy) is "ha tien" like Hà Tiên. With
  its accents such a word is taken out before matching (`NOT_PLACES`); typed without accents it
  cannot be told apart and counts as the place.
- An alias written with its level word ("Thị trấn Thứ 11") is one more name of the unit and
  follows the rules of names: bare, "thứ 11" would be any eleventh thing.
- The names that count bare also count written as one word, as in hashtags: "#PhuQuoc",
  "#rachgia", "#TacCau".

`find(text)` lists the units named; `place(text)` picks the one unit to place the text in.
"""

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from . import nfc
from .matching import tokens

LEVELS = ("province", "district", "commune", "village")
DEPTH = {level: depth for depth, level in enumerate(LEVELS)}

# Level words (normalised as by `tokens`) -> (level, kind). The kind is the official prefix the
# word stands for, to choose between units of one name and level ("xã" or "thị trấn" Vĩnh Thuận).
LEVEL_WORDS = {
    ("tinh",): ("province", "tinh"),
    ("thanh", "pho"): ("district", "thanh pho"),  # "tp" is expanded to this by `tokens`
    ("thi", "xa"): ("district", "thi xa"),
    ("tx",): ("district", "thi xa"),
    ("huyen",): ("district", "huyen"),
    ("h",): ("district", "huyen"),
    ("quan",): ("district", "quan"),
    ("q",): ("district", "quan"),
    ("xa",): ("commune", "xa"),
    ("x",): ("commune", "xa"),
    ("phuong",): ("commune", "phuong"),
    ("p",): ("commune", "phuong"),
    ("thi", "tran"): ("commune", "thi tran"),
    ("tt",): ("commune", "thi tran"),
    ("ttr",): ("commune", "thi tran"),
    ("ap",): ("village", "ap"),
    ("thon",): ("village", "thon"),
    ("khu", "pho"): ("village", "khu pho"),
    ("kp",): ("village", "khu pho"),
}
# Ordinary words (lower case, with accents) that fold to a place name of Kiên Giang.
NOT_PLACES = ("hà tiện",)
# The official prefixes, stripped from a unit's name: "Thành phố Rạch Giá" is "rach gia".
PREFIXES = {words: kind for words, (_level, kind) in LEVEL_WORDS.items() if " ".join(words) == kind}


@dataclass(frozen=True)
class _Entry:
    key: Hashable
    level: str
    kind: str | None  # the official prefix of the name ("xa", "phuong"...), None for an alias
    alias: bool


@dataclass
class _Match:
    start: int
    end: int
    keys: tuple  # the units the words may name, already narrowed by the level word
    firm: bool  # counts on its own (level word, district or province name, alias)

    def inside(self, other: "_Match") -> bool:
        """Strictly inside: the other match is longer and covers this one."""
        return (
            other.start <= self.start and self.end <= other.end and (other.start, other.end) != (self.start, self.end)
        )

    def overlaps(self, other: "_Match") -> bool:
        return self.start < other.end and other.start < self.end


def _split_prefix(words: list[str]) -> tuple[str | None, list[str]]:
    """('xa', ['binh', 'an']) for the words of 'Xã Bình An'; (None, words) without a prefix."""
    for size in (2, 1):
        kind = PREFIXES.get(tuple(words[:size]))
        if kind and len(words) > size:
            return kind, words[size:]
    return None, words


class Gazetteer:
    """The place names of a tree of units, ready to look up in texts.

    `units`: (key, name, level, parent_key), names with their official prefix ("Huyện Châu
    Thành", "Phường Vĩnh Thanh Vân"); `aliases`: (key, alias), aliases of unknown units are
    skipped; `not_places`: words with accents that are not the place they fold to."""

    def __init__(self, units: Iterable[tuple], aliases: Iterable[tuple] = (), not_places: Iterable[str] = NOT_PLACES):
        words = "|".join(re.escape(nfc(w).lower()) for w in not_places)
        self.not_places = re.compile(rf"(?<!\w)(?:{words})(?!\w)") if words else None
        self.level: dict = {}
        self.parent: dict = {}
        self.names: dict[tuple[str, ...], list[_Entry]] = {}
        rows = list(units)
        for key, _name, level, parent in rows:
            self.level[key] = str(level)
            self.parent[key] = parent
        for key, name, _level, _parent in rows:
            kind, words = _split_prefix(tokens(name))
            self._add(words, _Entry(key, self.level[key], kind, alias=False))
        for key, alias in aliases:
            if key not in self.level:
                continue
            kind, words = _split_prefix(tokens(alias))
            # With its level word an alias is one more name; bare, it is distinctive by itself.
            self._add(words, _Entry(key, self.level[key], kind, alias=kind is None))
        for words, entries in list(self.names.items()):
            for entry in entries:
                if len(words) > 1 and (entry.alias or entry.level in ("province", "district")):
                    self._add(["".join(words)], entry)  # a hashtag
        self.ancestors = {key: self._ancestors_of(key) for key in self.level}
        self.district = {key: self._district_of(key) for key in self.level}
        # Longest name first for each first word: the scan tries only lengths that exist.
        lengths: dict[str, set] = {}
        for words in self.names:
            lengths.setdefault(words[0], set()).add(len(words))
        self.lengths = {word: sorted(sizes, reverse=True) for word, sizes in lengths.items()}

    def __len__(self) -> int:
        return len(self.level)

    def _add(self, words: list[str], entry: _Entry) -> None:
        if words:
            found = self.names.setdefault(tuple(words), [])
            if entry not in found:
                found.append(entry)

    def _ancestors_of(self, key) -> tuple:
        chain, seen = [], {key}
        parent = self.parent.get(key)
        while parent is not None and parent in self.level and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            parent = self.parent.get(parent)
        return tuple(chain)

    def _district_of(self, key):
        for unit in (key, *self.ancestors[key]):
            if self.level[unit] == "district":
                return unit
        return None

    # Looking up -----------------------------------------------------------------------------

    def _level_word(self, words: list[str], i: int) -> tuple[str, str] | None:
        if i >= 2 and (found := LEVEL_WORDS.get((words[i - 2], words[i - 1]))):
            return found
        return LEVEL_WORDS.get((words[i - 1],)) if i >= 1 else None

    def _judge(self, entries: list[_Entry], level_word) -> tuple[tuple, bool]:
        """(keys, firm) of a name found, given the level word before it (or None)."""
        if level_word:
            level, kind = level_word
            chosen = [e for e in entries if e.level == level]
            if chosen:
                chosen = [e for e in chosen if e.kind == kind] or chosen
                return tuple(dict.fromkeys(e.key for e in chosen)), True
        firm = [e for e in entries if e.alias or e.level in ("province", "district")]
        chosen = firm or entries
        return tuple(dict.fromkeys(e.key for e in chosen)), bool(firm)

    def _matches(self, words: list[str]) -> list[_Match]:
        found = []
        for i, word in enumerate(words):
            for size in self.lengths.get(word, ()):
                entries = self.names.get(tuple(words[i : i + size]))
                if entries:
                    keys, firm = self._judge(entries, self._level_word(words, i))
                    found.append(_Match(i, i + size, keys, firm))
        return found

    def _shadowed(self, inner: _Match, outer: _Match) -> bool:
        """A name inside a longer one is another name's part, unless it is its district."""
        return not all(k in self.ancestors[o] for k in inner.keys for o in outer.keys)

    def find(self, text: str) -> list:
        """The units the text names, most specific first (then in the order of the text)."""
        if self.not_places:
            text = self.not_places.sub(" , ", nfc(text).lower())
        matches = self._matches(tokens(text))
        matches = [m for m in matches if not any(m.inside(o) and self._shadowed(m, o) for o in matches)]
        anchors = [m for m in matches if m.firm and len(m.keys) == 1]
        named = list(anchors)
        for match in matches:
            if match.firm and len(match.keys) == 1:
                continue
            # Naming the province says nothing about which "Bình An" is meant.
            support = {a.keys[0] for a in anchors if not a.overlaps(match) and self.level[a.keys[0]] != "province"}
            keys = [k for k in match.keys if k in support or support.intersection(self.ancestors[k])]
            if len(keys) == 1:
                named.append(_Match(match.start, match.end, (keys[0],), True))
        # A district kept inside its commune's name ("Tân Hiệp" in "Tân Hiệp A") is not named twice.
        named = [m for m in named if not any(m.inside(o) for o in named)]
        named.sort(key=lambda m: (-DEPTH.get(self.level[m.keys[0]], len(LEVELS)), m.start))
        return list(dict.fromkeys(m.keys[0] for m in named))

    def place(self, text: str):
        """The one unit to place the text in, or None.

        When everything named lies in one district: the most specific unit named if the others
        are its ancestors ("xã Bình An, huyện Châu Thành" -> the commune), else the district
        ("phường Vĩnh Thanh và phường Vĩnh Bảo" -> Rạch Giá). Several districts: None. Only a
        province ("Kiên Giang"): the province."""
        named = self.find(text)
        districts = {self.district[k] for k in named if self.district[k] is not None}
        if len(districts) > 1:
            return None
        if not districts:
            provinces = [k for k in named if self.level[k] == "province"]
            return provinces[0] if len(provinces) == 1 else None
        district = districts.pop()
        if any(self.level[k] == "province" and k not in self.ancestors[district] for k in named):
            return None  # another province of the tree is named too
        below = [k for k in named if self.district[k] == district and k != district]
        if not below:
            return district
        deepest = below[0]
        if all(k == deepest or k in self.ancestors[deepest] for k in below):
            return deepest
        return district

    def district_of(self, text: str):
        """The district of `place(text)`, or None (no place, only a province, several districts)."""
        unit = self.place(text)
        return None if unit is None else self.district[unit]
