"""`make bench`, matcher part: the claim matcher (vntext.matching) on a synthetic set of 10,000
claims, screening posts on one core, beside a naive baseline (rapidfuzz's token_set_ratio over
every claim), with the top-1 accuracy of both on the same posts; and the quality on the team's
rumours set (recall per kind of post, false matches) at the desk's default thresholds.

    .venv/bin/python -m scripts.bench_matcher     (BENCH_POSTS, default 5,000)

The synthetic claims are sentences built from the vocabulary of real rumours and the province's
place names (Zipf-like: a few words everywhere, most words rare); half of the posts repeat a
claim (words dropped, without diacritics for some, inside chatter), half are chatter.
"""

import csv
import json
import os
import platform
import random
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from vntext import fold
from vntext.matching import Matcher

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "rumours-dev"
CLAIMS = 10_000
POSTS = int(os.environ.get("BENCH_POSTS", "5000"))
BASELINE_POSTS = 300  # the baseline is slow: measured on fewer posts
SUGGEST, AUTO = 0.40, 0.55


def vocabulary() -> list[str]:
    texts = [r["text"] for r in csv.DictReader((DATA / "claims.csv").open(encoding="utf-8"))]
    texts += [json.loads(line)["text"] for line in (DATA / "posts.jsonl").open(encoding="utf-8")]
    names = [
        r["name"]
        for r in csv.DictReader((ROOT / "core" / "data" / "orgunits_kien_giang_2021.csv").open(encoding="utf-8"))
    ]
    words = sorted({w.strip('.,:;!?()“”"') for t in texts + names for w in t.split()} - {""})
    return words


def word_pool(rng) -> tuple[list[str], list[float]]:
    """The vocabulary in a random order, with Zipf-like weights: a few words everywhere."""
    words = vocabulary()
    weights = [1 / (i + 1) ** 0.8 for i in range(len(words))]  # Zipf-like
    rng.shuffle(words)
    return words, weights


def synthetic_claims(rng, words, weights, count: int = CLAIMS) -> dict[str, str]:
    return {f"S{i}": " ".join(rng.choices(words, weights, k=rng.randint(9, 16))) for i in range(count)}


def repeat_of(rng, claim: str, words, weights) -> str:
    """A post repeating a claim: a tenth of its words dropped, half the time without diacritics,
    inside chatter."""
    kept = [w for w in claim.split() if rng.random() > 0.1]
    body = " ".join(kept)
    if rng.random() < 0.5:
        body = fold(body)
    chatter = " ".join(rng.choices(words, weights, k=rng.randint(0, 12)))
    return f"nghe nói {body} mn ơi {chatter}"


def chatter_post(rng, words, weights) -> str:
    return " ".join(rng.choices(words, weights, k=rng.randint(8, 30)))


def synthetic(rng, posts: int = POSTS):
    """Claims, and posts of which every other one repeats a claim: [(text, claim id or None)]."""
    words, weights = word_pool(rng)
    claims = synthetic_claims(rng, words, weights)
    keys = list(claims)
    found = []
    for i in range(posts):
        if i % 2:
            target = rng.choice(keys)
            found.append((repeat_of(rng, claims[target], words, weights), target))
        else:
            found.append((chatter_post(rng, words, weights), None))
    return claims, found


def top1(results, posts) -> float:
    repeats = [(r, expected) for r, (_t, expected) in zip(results, posts, strict=True) if expected]
    return sum(1 for r, expected in repeats if r == expected) / len(repeats)


def _place_rate(texts: list[str]) -> tuple[float, int]:
    """Posts per second through the gazetteer of the province's org units and aliases (the
    files the app loads), and the number of units."""
    from vntext.places import Gazetteer

    core_data = Path(__file__).resolve().parent.parent / "core" / "data"
    with (core_data / "orgunits_kien_giang_2021.csv").open(encoding="utf-8") as f:
        units = [(r["code"], r["name"], r["level"], r["parent_code"] or None) for r in csv.DictReader(f)]
    with (core_data / "place_aliases_kien_giang.csv").open(encoding="utf-8") as f:
        aliases = [(r["code"], r["alias"]) for r in csv.DictReader(f)]
    gazetteer = Gazetteer(units, aliases)
    started = time.perf_counter()
    for text in texts:
        gazetteer.place(text)
    return len(texts) / (time.perf_counter() - started), len(units)


def main():
    rng = random.Random(52)  # noqa: S311 (test data)
    claims, posts = synthetic(rng)
    started = time.perf_counter()
    matcher = Matcher(claims)
    build = time.perf_counter() - started

    started = time.perf_counter()
    ours, best = [], []
    for text, _expected in posts:
        found = matcher.match(text, 1)
        ours.append(found[0].claim_id if found and found[0].score >= SUGGEST else None)
        best.append(found[0].score if found else 0.0)
    ours_rate = len(posts) / (time.perf_counter() - started)
    chatter = [score for score, (_text, expected) in zip(best, posts, strict=True) if expected is None]

    choices = {k: fold(v) for k, v in claims.items()}
    sample = posts[:BASELINE_POSTS]
    started = time.perf_counter()
    base = []
    for text, _expected in sample:
        best = process.extractOne(fold(text), choices, scorer=fuzz.token_set_ratio)
        base.append(best[2] if best and best[1] >= 60 else None)
    base_rate = len(sample) / (time.perf_counter() - started)

    place_rate = _place_rate([text for text, _expected in posts])

    dev_claims = {r["id"]: r["text"] for r in csv.DictReader((DATA / "claims.csv").open(encoding="utf-8"))}
    dev = Matcher(dev_claims)
    recall: dict[str, list[int]] = {}
    false = {"suggest": 0, "auto": 0}
    nulls = 0
    for line in (DATA / "posts.jsonl").open(encoding="utf-8"):
        post = json.loads(line)
        best = (dev.match(post["text"], 1) or [None])[0]
        if post["expected"]:
            counts = recall.setdefault(post["kind"], [0, 0, 0])
            counts[2] += 1
            counts[0] += bool(best and best.score >= SUGGEST and best.claim_id == post["expected"])
            counts[1] += bool(best and best.score >= AUTO and not best.negated and best.claim_id == post["expected"])
        else:
            nulls += 1
            false["suggest"] += bool(best and best.score >= SUGGEST)
            false["auto"] += bool(best and best.score >= AUTO and not best.negated)

    print(f"\nTin Cậy bench, claim matcher — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, "
          f"one core, Python {platform.python_version()}\n")  # fmt: skip
    print("| measure | result |")
    print("| --- | --- |")
    print(f"| build the index of {CLAIMS:,} claims | {build:.2f} s |")
    print(f"| screening, vntext.matching ({POSTS:,} posts) | {ours_rate:,.0f} posts/s, top-1 {top1(ours, posts):.1%} |")
    print(f"| place names, vntext.places on Kiên Giang's {place_rate[1]} units ({POSTS:,} posts) | "
          f"{place_rate[0]:,.0f} posts/s |")  # fmt: skip
    print(f"| baseline: rapidfuzz token_set_ratio over every claim ({len(sample)} posts) | {base_rate:,.0f} posts/s, "
          f"top-1 {top1(base, sample):.1%} |")  # fmt: skip
    print(f"| synthetic chatter (word salad of the claims' own words): suggested / auto-linked | "
          f"{sum(1 for x in chatter if x >= SUGGEST):,}/{len(chatter):,} / {sum(1 for x in chatter if x >= AUTO):,}/"
          f"{len(chatter):,} |")  # fmt: skip
    for kind, (suggested, auto, total) in sorted(recall.items()):
        print(f"| rumours set, {kind}: right claim suggested / auto-linked | {suggested}/{total} / {auto}/{total} |")
    print(f"| rumours set, true news and unrelated posts: suggested / auto-linked | {false['suggest']}/{nulls} / "
          f"{false['auto']}/{nulls} |")  # fmt: skip


if __name__ == "__main__":
    main()
