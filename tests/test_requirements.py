"""Every dependency is pinned in a lock file (issue 10): requirements/base.lock and dev.lock hold
every package with its version and hashes, and they agree with what base.txt and dev.txt chose,
so `make lock` was run after the last change of either."""

import re
from pathlib import Path

import pytest

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements"


def chosen(name: str) -> dict[str, str]:
    """name -> version of the `==` lines of a .txt, following `-r`."""
    out = {}
    for line in (REQUIREMENTS / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            out |= chosen(line.split()[1])
        elif line:
            package, version = line.split("==")
            out[normal(package)] = version.strip()
    return out


def locked(name: str) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of a .lock."""
    out, current = {}, None
    for line in (REQUIREMENTS / name).read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\[\]-]+)==([^ ;\\]+)", line):
            current = normal(match[1])
            out[current] = (match[2], 0)
        elif "--hash=sha256:" in line and current:
            version, hashes = out[current]
            out[current] = (version, hashes + 1)
    return out


def normal(package: str) -> str:
    return re.sub(r"[-_.]+", "-", re.sub(r"\[.*\]", "", package)).lower().strip()


@pytest.mark.parametrize("name", ["base", "dev"])
def test_the_lock_pins_what_was_chosen_and_every_package_has_hashes(name):
    wanted, lock = chosen(f"{name}.txt"), locked(f"{name}.lock")
    assert lock and all(hashes for _version, hashes in lock.values()), "a package without hashes"
    differ = {p: (v, lock.get(p, ("missing",))[0]) for p, v in wanted.items() if lock.get(p, ("",))[0] != v}
    assert not differ, f"run `make lock`: {differ}"


def test_the_development_lock_holds_the_whole_runtime_lock():
    base, dev = locked("base.lock"), locked("dev.lock")
    assert {p: v for p, (v, _h) in base.items()} == {p: v for p, (v, _h) in dev.items() if p in base}
