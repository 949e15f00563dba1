"""Demo listening: a listening tool's feed of a week of posts (the team's 2020–2021 posts about
the demo claims, true news and everyday chatter, plus posts about the province's places), pushed
through the same path as the API, so alerts appear grouped under the demo claims; two
watchlists; a news feed (paused: the demo machine has no internet); an export source."""

import datetime
import json
import random
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from core.models import OrgUnit, Person

from . import actions, ingest
from .models import Alert, Source, Watchlist

DATA = Path(__file__).resolve().parent.parent / "misinfo" / "data"
HANDLES = ["ba.tu.rachgia", "minhthu.pq", "Hội Chợ Online Kiên Giang", "tin.nong.mien.tay", "anh.ba.khoe",
           "Góc Phố Hà Tiên", "nguyen.lan.9x", "Cộng đồng Tân Hiệp", "chi.hai.ban.ca", "Rạch Giá 24h"]  # fmt: skip
# Posts about places of the province, so the districts, the watchlists and the charts show something.
LOCAL_POSTS = [
    "Nghe nói mai phong tỏa toàn bộ TP Rạch Giá, ai cần mua gì thì mua gấp nha mọi người",
    "rach gia sap phong toa 14 ngay, cho Rach Soi dong nghet nguoi mua do",
    "Ghe từ cảng Tắc Cậu về có F0, cả xóm phải cách ly hết rồi, ko biết thật ko",
    "Phú Quốc đón khách trở lại từ tháng sau, khách phải có giấy xét nghiệm âm tính",
    "Hà Tiên lập chốt kiểm soát ở cửa khẩu, ai qua lại phải khai báo y tế",
    "hang dat tu trung quoc ve Rach Gia co virus corona do, nhan buu kien la bi lay, dung mua nha mn",
    "Ở Kiên Lương có người uống nước lá tre với muối, nói là hết Covid luôn",
    "Tân Hiệp phun thuốc khử trùng bằng máy bay đêm nay, đóng cửa sổ lại nha cả nhà",
]
# What people add around a rumour when they pass it on (the live demo feed).
CHATTER = ["", "Mn ơi, ", "Nghe nói ", "Thật ko vậy? ", "Share gấp: ", "Bên nhóm Zalo xóm gửi: ", "Có ai biết ko, "]
WATCHLISTS = [
    ("Phong tỏa Rạch Giá", "phong tỏa\nRạch Giá", "near", 6, "899"),
    ("Cảng Tắc Cậu", "Tắc Cậu", "any", 8, "905"),
]


@transaction.atomic
def load(now=None) -> dict:
    if Source.objects.exists():
        return {"sources": Source.objects.count(), "alerts": Alert.objects.count()}
    now = now or timezone.now()
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=["899", "905"])}
    inspector = Person.objects.filter(role="inspector", is_active=True).order_by("pk").first()
    district = Person.objects.filter(role="district_culture", organisation__org_unit__code="899").first()
    for name, phrases, mode, within, code in WATCHLISTS:
        watchlist = Watchlist.objects.create(name=name, phrases=phrases, mode=mode, within=within,
                                             org_unit=units.get(code), created_by=inspector)  # fmt: skip
        watchlist.notify.set([p for p in (inspector, district) if p is not None and code == "899"] or [inspector])
    tool = Source.objects.create(name="Công cụ lắng nghe mạng xã hội", kind=Source.Kind.API)
    Source.objects.create(
        name="Báo Kiên Giang (RSS)", kind=Source.Kind.RSS, url="https://baokiengiang.vn/rss/thoi-su.rss",
        is_active=False, poll_minutes=15,
    )  # fmt: skip
    Source.objects.create(
        name="Xuất tệp từ công cụ lắng nghe", kind=Source.Kind.CSV,
        mapping={"id": "ID", "text": "Nội dung", "url": "Link", "author": "Tác giả", "published_at": "Ngày đăng",
                 "reactions": "Lượt thích", "comments": "Bình luận", "shares": "Chia sẻ"},
    )  # fmt: skip
    rng = random.Random(52)  # noqa: S311 (demo figures, not secrets)
    texts = [json.loads(line)["text"] for line in (DATA / "posts-2020-2021.jsonl").open(encoding="utf-8")]
    items = []
    for i, text in enumerate(texts + LOCAL_POSTS, 1):
        hours = rng.uniform(0.5, 24 * 7)
        viral = rng.random() < 0.2
        items.append((i, {
            "id": f"demo-{i:04d}", "text": text, "url": f"https://facebook.com/demo/posts/{1000 + i}",
            "author": rng.choice(HANDLES), "published_at": (now - datetime.timedelta(hours=hours)).isoformat(),
            "reactions": rng.randint(200, 5000) if viral else rng.randint(0, 150),
            "comments": rng.randint(20, 800) if viral else rng.randint(0, 30),
            "shares": rng.randint(50, 2000) if viral else rng.randint(0, 20),
        }))  # fmt: skip
    result = ingest.store(tool, items, notify=False)
    # Spread when the alerts came in over the week, as they would have, for the charts.
    for alert in Alert.objects.select_related("post"):
        Alert.objects.filter(pk=alert.pk).update(created_at=alert.post.published_at)
    # A few handled, so the queue's other states have something to show.
    if inspector is not None:
        for alert in Alert.objects.filter(level=Alert.Level.SUGGEST).order_by("pk")[:2]:
            actions.dismiss(inspector, alert, "Bài viết chia sẻ thông tin chính thống, không phải tin đồn.")
        first = Alert.objects.filter(level=Alert.Level.AUTO, claim__case__isnull=False).order_by("pk").first()
        if first is not None:
            actions.attach(inspector, first)
    return {"sources": Source.objects.count(), "stored": result.stored, "alerts": result.alerts}


def live(now) -> int:
    """One minute of the demo listening tool: every other minute a new post (a rumour passed on, news or
    chatter), and new counts for a few of the day's posts, so reach grows and the queue moves.
    Ids and counts come from the minute: two schedulers push the same and store it once."""
    tool = Source.objects.filter(kind=Source.Kind.API).order_by("pk").first()
    if tool is None:
        return 0
    minute = now.replace(second=0, microsecond=0)
    rng = random.Random(minute.isoformat())  # noqa: S311 (demo figures, not secrets)
    texts = [json.loads(line)["text"] for line in (DATA / "posts-2020-2021.jsonl").open(encoding="utf-8")]
    items = []
    if minute.minute % 2 == 0:  # a new post every other minute
        text = rng.choice(CHATTER) + rng.choice(texts + LOCAL_POSTS)
        items.append((1, {
            "id": f"live-{minute:%Y%m%d%H%M}", "text": text, "author": rng.choice(HANDLES),
            "url": f"https://facebook.com/demo/posts/live{minute:%Y%m%d%H%M}",
            "published_at": (minute - datetime.timedelta(minutes=rng.randint(1, 30))).isoformat(),
            "reactions": rng.randint(0, 40), "comments": rng.randint(0, 10), "shares": rng.randint(0, 10),
        }))  # fmt: skip
    recent = tool.posts.filter(received_at__gte=now - datetime.timedelta(hours=24)).order_by("-received_at")[:20]
    for i, post in enumerate(rng.sample(list(recent), min(3, len(recent))), 2):
        grow = 1 + rng.random() * (0.8 if post.reach > 100 else 0.3)
        items.append((i, {
            "id": post.external_id, "text": post.text, "reactions": int(post.reactions * grow) + rng.randint(0, 5),
            "comments": int(post.comments * grow), "shares": int(post.shares * grow) + rng.randint(0, 3),
        }))  # fmt: skip
    if not items:
        return 0
    result = ingest.store(tool, items, notify=False)
    return result.stored + result.updated
