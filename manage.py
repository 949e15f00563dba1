#!/usr/bin/env python
import os
import secrets
import sys
from pathlib import Path


def use_local_secret_key():
    """Commands run in a checkout need a secret key too. Without SECRET_KEY or SECRET_KEY_FILE,
    use var/secret_key, made once with a random key (as `make demo` does). The web server
    (tincay/wsgi.py) does not do this: in production it refuses to start without a key."""
    if os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE"):
        return
    var = Path(os.environ.get("TINCAY_VAR_DIR", Path(__file__).resolve().parent / "var"))
    key = var / "secret_key"
    if not key.exists():
        var.mkdir(parents=True, exist_ok=True)
        old = os.umask(0o077)
        try:
            key.write_text(secrets.token_urlsafe(50) + "\n")
        finally:
            os.umask(old)
    os.environ["SECRET_KEY_FILE"] = str(key)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tincay.settings")
    use_local_secret_key()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
