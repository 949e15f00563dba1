"""Screenshots of the staff pages as each kind of user sees them, for looking at by eye.

    .venv/bin/python scripts/screenshots.py [BASE_URL]

Without BASE_URL it starts gunicorn on a fresh demo database (like the browser test). Pictures
go to test-artifacts/screens/ (desktop and phone widths, Vietnamese and English).
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-artifacts" / "screens"
PASSWORD = "tincay-demo-2021"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = {
    "lanhdao": [
        "/",
        "/orgunits/",
        "/orgunits/899/",
        "/organisations/",
        "/people/",
        "/directory/",
        "/audit/",
        "/account/",
        "/account/2fa/",
    ],
    "vhtt.rachgia": ["/", "/orgunits/", "/people/"],
    "quantri": ["/directory/new/", "/orgunits/import/", "/admin/"],
    "baochi": ["/", "/organisations/"],
}


def start_server():
    var = Path(tempfile.mkdtemp(prefix="tincay-shots-"))
    env = {**os.environ, "TINCAY_VAR_DIR": str(var), "SECRET_KEY": "shots", "HTTPS": "0", "DEBUG": "0"}
    env.pop("DATABASE_URL", None)
    for args in (["migrate", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"], ["load_demo", "--quiet-logins"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "tincay.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/login/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return base, proc


def main():
    base, proc = (sys.argv[1].rstrip("/"), None) if len(sys.argv) > 1 else start_server()
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for width, tag in ((1280, "desktop"), (390, "phone")):
                for lang in ("vi", "en"):
                    if tag == "phone" and lang == "en":
                        continue
                    anon = browser.new_page(viewport={"width": width, "height": 800})
                    anon.goto(f"{base}/")
                    anon.screenshot(path=str(OUT / f"{tag}-{lang}-login.png"), full_page=True)
                    anon.close()
                    for username, paths in PAGES.items():
                        page = browser.new_page(viewport={"width": width, "height": 800})
                        page.goto(f"{base}/login/")
                        page.fill("#id_username", username)
                        page.fill("#id_password", PASSWORD)
                        page.click("button[type=submit]")
                        if lang == "en":
                            page.select_option("#language", "en")
                            page.click(".langswitch button")
                        for path in paths:
                            page.goto(f"{base}{path}")
                            name = f"{tag}-{lang}-{username}-{path.strip('/').replace('/', '_') or 'home'}.png"
                            page.screenshot(path=str(OUT / name), full_page=True)
                        page.close()
            browser.close()
    finally:
        if proc:
            proc.terminate()
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
