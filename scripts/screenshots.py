"""Screenshots of the staff pages as each kind of user sees them, for looking at by eye.

    .venv/bin/python -m scripts.screenshots [BASE_URL]

Without BASE_URL it starts gunicorn on a fresh demo database (like the browser test). Pictures
go to test-artifacts/screens/ (desktop and phone widths, Vietnamese and English). With
SCREENS_ONLY=/listening/ only the staff pages whose path starts with it are taken (several: comma-separated).
"""

import os
import sys
from contextlib import nullcontext

from playwright.sync_api import sync_playwright

from scripts.demo_server import CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, ROOT, demo_server

OUT = ROOT / "test-artifacts" / "screens"
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
    "vhtt.rachgia": ["/", "/orgunits/", "/people/", "/reports/", "{cycle}district/899/"],
    "daumoi": ["/reports/", "{cycle}", "{past}", "{cycle}district/911/", "/reports/new/", "{cycle}import/"],
    "quantri": ["/directory/new/", "/orgunits/import/", "/admin/"],
    "baochi": ["/", "/organisations/"],
    "thanhtra": [
        "/misinfo/",
        "/misinfo/?show=all",
        "/misinfo/claims/",
        "/misinfo/dashboard/",
        "/misinfo/tips/new/",
        "/misinfo/tips/email/",
        "{case}",
    ],
    "congan": ["/misinfo/referrals/"],
    "thanhtra ": [
        "/listening/",
        "/listening/?state=all&level=watch",
        "/listening/overview/",
        "/listening/watchlists/",
        "/listening/watchlists/new/",
        "/listening/sources/",
        "{post}",
    ],
    "vhtt.rachgia ": ["/listening/", "/listening/watchlists/"],
    "yte": [
        "/situation/",
        "/situation/figures/",
        "/situation/figures/history/",
        "/situation/figures/import/",
        "/situation/indicators/",
        "/situation/indicators/new/",
    ],
    "daumoi ": ["/situation/", "/situation/bulletins/", "/situation/bulletins/today/"],
    "lanhdao ": ["/situation/bulletins/", "{issued}"],
    "baochi ": ["/situation/bulletins/"],
    "vienthong": ["/outreach/", "/outreach/?show=all", "/outreach/messages/new/", "/outreach/messages/1/"],
    "lanhdao  ": ["/outreach/messages/5/", "/outreach/broadcasts/new/"],
    "daumoi  ": ["/outreach/broadcasts/", "/outreach/broadcasts/new/", "/outreach/broadcasts/1/",
                 "/outreach/broadcasts/timetable/?zone=899"],
    "truyenthanh.rachgia": ["/outreach/broadcast-logs/", "/outreach/broadcasts/timetable/", "{cycle}district/899/"],
    "vhtt.rachgia  ": ["/outreach/published/"],
    "daumoi   ": ["/outreach/carriers/", "/outreach/carriers/new/", "/outreach/carriers/1/"],
    "lanhdao   ": ["/outreach/carriers/2/"],
    "nhamang": ["/outreach/carriers/", "/outreach/carriers/1/"],
    "cntt": ["/", "/roster/", "/roster/1/", "/roster/mine/", "/roster/unavailability/", "/roster/1/shifts/new/",
             "/roster/1/edit/"],
    "vanphong": ["/roster/2/", "/roster/new/", "/roster/2/team/add/"],
    "thanhtra    ": ["/roster/3/", "/roster/mine/", "/directory/"],
}


# Where a placeholder's page is, for SCREENS_ONLY.
PLACEHOLDERS = {"{post}": "/listening/", "{case}": "/misinfo/", "{cycle}": "/reports/", "{past}": "/reports/",
                "{issued}": "/situation/"}  # fmt: skip


def _where(path: str) -> str:
    return PLACEHOLDERS[path[: path.index("}") + 1]] if path.startswith("{") else path


def main():
    server = nullcontext((sys.argv[1].rstrip("/"), None)) if len(sys.argv) > 1 else demo_server()
    OUT.mkdir(parents=True, exist_ok=True)
    with server as (base, _env), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width, tag in ((1280, "desktop"), (390, "phone")):
            for lang in ("vi", "en"):
                if tag == "phone" and lang == "en":
                    continue
                anon = browser.new_page(viewport={"width": width, "height": 800})
                anon.goto(f"{base}/ngon-ngu/{lang}/?next=/")  # the portal's language link
                anon.screenshot(path=str(OUT / f"{tag}-{lang}-home.png"), full_page=True)
                anon.goto(f"{base}/login/")
                anon.screenshot(path=str(OUT / f"{tag}-{lang}-login.png"), full_page=True)
                for public_path in ("/bao-tin-gia/", "/su-that/", "/ban-tin/", "/tinh-hinh/", "/duong-day-nong/",
                                    "/thong-diep/", "/gioi-thieu/", "/su-that/1/"):
                    anon.goto(f"{base}{public_path}")
                    name = f"{tag}-{lang}-public{public_path.rstrip('/').replace('/', '_')}.png"
                    anon.screenshot(path=str(OUT / name), full_page=True)
                anon.close()
                only = os.environ.get("SCREENS_ONLY", "")
                for key, paths in PAGES.items():
                    username = key.strip()  # a trailing space: a second list for the same person
                    paths = [p for p in paths if any(_where(p).startswith(o) for o in only.split(","))]
                    if not paths:
                        continue
                    page = browser.new_page(viewport={"width": width, "height": 800})
                    page.goto(f"{base}/login/")
                    page.fill("#id_username", username)
                    page.fill("#id_password", DEMO_PASSWORD)
                    page.click("button[type=submit]")
                    if lang == "en":
                        page.select_option("#language", "en")
                        page.click(".langswitch button")
                    for path in paths:
                        if path == "{post}":  # the post of the first alert in the queue
                            page.goto(f"{base}/listening/")
                            page.locator("[data-open]").first.click()
                            path = page.url.replace(base, "")
                        if path == "{case}":  # the demo case with evidence and actions
                            page.goto(f"{base}/misinfo/claims/?q=dau gio")
                            page.locator("tbody tr td a").first.click()
                            page.locator("main a.button").first.click()
                            path = page.url.replace(base, "")
                        if path == "{issued}":  # the last issued bulletin
                            page.goto(f"{base}/situation/bulletins/")
                            page.locator("tbody tr:nth-child(2) td:first-child a").click()
                            path = page.url.replace(base, "")
                        if "{" in path:  # the current and the last past weekly cycle, from the list
                            page.goto(f"{base}/reports/")
                            links = page.locator("tbody tr td:first-child a")
                            cycles = {"{cycle}": links.nth(0).get_attribute("href"),
                                      "{past}": links.nth(1).get_attribute("href")}  # fmt: skip
                            key = path[: path.index("}") + 1]
                            path = path.replace(key, cycles[key])
                        page.goto(f"{base}{path}")
                        name = f"{tag}-{lang}-{username}-{path.strip('/').replace('/', '_') or 'home'}.png"
                        page.screenshot(path=str(OUT / name), full_page=True)
                    page.close()
        browser.close()
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
