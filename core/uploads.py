"""An uploaded file waiting between the steps of an import (check, then apply): kept under
the SHA-256 of a random token that only the uploader's session knows, swept after a day.
The listening exports and the daily figures' import use it."""

import datetime
import hashlib
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

WAITING_DIR = "uploads-waiting"


def _kept_path(token: str) -> str:
    return f"{WAITING_DIR}/{hashlib.sha256(token.encode()).hexdigest()}.bin"


def keep(data: bytes, now) -> str:
    """Keep an uploaded file for its next step; the token to find it again. Files of uploads
    left half-way go after a day."""
    try:
        _dirs, files = default_storage.listdir(WAITING_DIR)
    except FileNotFoundError:
        files = []
    for name in files:
        path = f"{WAITING_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < now - datetime.timedelta(days=1):
                default_storage.delete(path)
        except OSError:
            continue  # another request swept it
    token = secrets.token_urlsafe(16)
    default_storage.save(_kept_path(token), ContentFile(data))
    return token


def kept(token: str) -> bytes:
    """The file kept under the token; FileNotFoundError when it is gone."""
    with default_storage.open(_kept_path(token), "rb") as handle:
        return handle.read()


def forget(token: str) -> None:
    default_storage.delete(_kept_path(token))
