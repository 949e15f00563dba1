"""Encryption at rest for what identifies a person who reports false information (their name
and contact): Fernet (AES-128-CBC + HMAC-SHA256) with a key from the environment
(MISINFO_KEY / MISINFO_KEY_FILE, 32 url-safe base64 bytes), or, when none is set, one derived
from SECRET_KEY so a development checkout works. Rotating: set MISINFO_OLD_KEYS to the previous
keys; values are read with any of them and written with the first."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    keys = [k for k in [settings.MISINFO_KEY, *settings.MISINFO_OLD_KEYS] if k]
    if not keys:
        derived = hashlib.sha256(b"tincay-misinfo-reporter:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(k) for k in keys])


def seal(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode() if text else ""


def unseal(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return "⚠"  # written with a key that is no longer configured
