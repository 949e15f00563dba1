"""Vietnamese text toolkit: pure Python, no Django.

Only what the foundation needs lives here so far (NFC normalisation and accent folding for
search keys); teencode, tokenising, SMS encoding and the TTS front-end come with their issues.
"""

import re
import unicodedata

__all__ = ["clean_query", "fold", "nfc"]

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Unicode NFC with whitespace runs collapsed: the form every stored text takes."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Lower-case, accent-free form for matching: 'Đường dây nóng' -> 'duong day nong'.

    Vietnamese đ/Đ is a separate letter, not d with a combining mark, so NFD alone keeps it.
    """
    decomposed = unicodedata.normalize("NFD", nfc(text).replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.casefold()


def clean_query(text: str, max_length: int = 100) -> str:
    """A search term as typed into a box: NFC, control characters (NUL included, which
    PostgreSQL refuses in text) removed, spaces collapsed, cut to max_length."""
    printable = "".join(ch if unicodedata.category(ch) != "Cc" else " " for ch in text)
    return nfc(printable)[:max_length]
