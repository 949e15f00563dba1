"""Checks of free text shared by every form, API and import: what every database stores and a
person can read. Messages are in the request's language and name the field."""

import re
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MAX_TEXT = 4000
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(raw, label: str):
    """(text, None) or (None, message): plain text of at most MAX_TEXT characters that every
    database stores (no NUL or other control characters, no lone surrogates from JSON)."""
    if raw is None:
        return "", None
    if not isinstance(raw, str):
        return None, _("“%(field)s”: enter text.") % {"field": label}
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        return None, _("“%(field)s”: contains characters that are not valid text.") % {"field": label}
    if "\x00" in raw or CONTROL_RE.search(raw):
        return None, _("“%(field)s”: contains control characters; type or paste plain text.") % {"field": label}
    text = raw.strip().replace("\r\n", "\n")
    if len(text) > MAX_TEXT:
        return None, _("“%(field)s”: at most %(limit)d characters (now %(length)d).") % {
            "field": label,
            "limit": MAX_TEXT,
            "length": len(text),
        }
    return text, None


# Django's own form fields refuse NUL with this message, which Django's Vietnamese catalogue does
# not translate; our catalogue (LOCALE_PATHS comes first) does.
gettext_noop("Null characters are not allowed.")


def is_web_link(url: str) -> bool:
    """An address as a browser shows it: http or https, a host, no spaces, at most 1000
    characters (the longest link a post, a tip or a feed keeps)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # "http://[::1" and the like
        return False
    return parts.scheme in {"http", "https"} and bool(host) and len(url) <= 1000 and not any(c.isspace() for c in url)
