"""System checks: the key that encrypts who reported a tip must be valid, and in production it
should be its own (not derived from SECRET_KEY, which is rotated for other reasons)."""

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def misinfo_key(app_configs, **kwargs):
    from cryptography.fernet import Fernet

    problems = []
    for name, key in [("MISINFO_KEY", settings.MISINFO_KEY)] + [
        ("MISINFO_OLD_KEYS", k) for k in settings.MISINFO_OLD_KEYS
    ]:
        if not key:
            continue
        try:
            Fernet(key)
        except (ValueError, TypeError):
            problems.append(Error(
                f"{name} is not a Fernet key (32 url-safe base64-encoded bytes).",
                hint="Make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'",
                id="misinfo.E001",
            ))  # fmt: skip
    if not settings.MISINFO_KEY and not settings.DEBUG:
        problems.append(Warning(
            "MISINFO_KEY is not set: who reported a tip is encrypted with a key derived from SECRET_KEY, so "
            "changing SECRET_KEY makes those names and contacts unreadable.",
            hint="Set MISINFO_KEY (or MISINFO_KEY_FILE) to its own Fernet key and keep it with the backups.",
            id="misinfo.W001",
        ))  # fmt: skip
    return problems
