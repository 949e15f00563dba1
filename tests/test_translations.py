"""Vietnamese is complete: every message in the code has a Vietnamese translation, and the
compiled catalogues are up to date with the .po files."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"


def entries(po: Path):
    """(msgid, msgstr, fuzzy) for every entry of a .po file (plural forms: first msgstr)."""
    out, msgid, msgstr, fuzzy, field = [], None, None, False, None
    for raw in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if msgid:
                out.append((msgid, msgstr or "", fuzzy))
            msgid, msgstr, fuzzy, field = None, None, False, None
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgid "):
            msgid, field = line[7:-1], "id"
        elif line.startswith("msgid_plural"):
            field = "plural"
        elif line.startswith("msgstr ") or line.startswith("msgstr[0]"):
            msgstr, field = line.split(" ", 1)[1][1:-1], "str"
        elif line.startswith("msgstr["):
            field = "other"
        elif line.startswith('"'):
            if field == "id":
                msgid += line[1:-1]
            elif field == "str":
                msgstr += line[1:-1]
    return out


def test_vietnamese_catalogue_is_complete():
    po = LOCALE / "vi" / "LC_MESSAGES" / "django.po"
    missing = [m for m, s, fuzzy in entries(po) if m and (not s or fuzzy)]
    assert not missing, f"{len(missing)} untranslated or fuzzy: {missing[:20]}"


def test_catalogue_covers_every_message_in_the_code(tmp_path, settings, monkeypatch):
    """makemessages on a copy of the code finds no message that the .po file lacks.

    It runs on a copy because makemessages writes into the locale folder beside the files it
    scans; the real catalogue must not change during a test run."""
    import shutil

    from django.core.management import call_command

    for name in ("core", "api", "tincay", "vntext", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    po = tmp_path / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    before = {m for m, _s, _f in entries(po)}
    monkeypatch.chdir(tmp_path)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    call_command("makemessages", locale=["vi"], no_location=True, verbosity=0)
    after = {m for m, _s, _f in entries(po)}
    assert after - before == set(), f"run `make messages`: {sorted(after - before)[:20]}"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_compiled_catalogue_matches_the_po_file(tmp_path, lang):
    po = LOCALE / lang / "LC_MESSAGES" / "django.po"
    mo = LOCALE / lang / "LC_MESSAGES" / "django.mo"
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)
    assert fresh.read_bytes() == mo.read_bytes(), "run `make messages` to compile translations"
