"""Machine-readable views of the portal: the verdicts as Atom, and the sitemap."""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed

from misinfo.models import Case
from situation.models import Bulletin

FEED_ITEMS = 30


def _published():
    return Case.objects.filter(published_at__isnull=False).select_related("claim").order_by("-published_at")


class VerdictFeed(Feed):
    """The last published verdicts (Vietnamese, as published), newest first."""

    tincay_permission = None  # public, for the role x view matrix
    feed_type = Atom1Feed
    language = "vi"

    def title(self):
        return f"Thông tin sai sự thật đã được kiểm chứng – {settings.TINCAY_ORG_NAME}"

    def subtitle(self):
        return "Kết luận của Sở Thông tin và Truyền thông về các thông tin sai sự thật đã tiếp nhận."

    def link(self):
        return reverse("public:verdict_list")

    def author_name(self):
        return settings.TINCAY_ORG_NAME

    def items(self):
        return list(_published()[:FEED_ITEMS])

    def item_title(self, item):
        with translation.override("vi"):  # the feed is in Vietnamese whatever the reader's cookie
            return f"[{item.get_verdict_display()}] {item.claim.statement}"

    def item_description(self, item):
        return item.explanation

    def item_link(self, item):
        return reverse("public:verdict", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at


class PagesSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return ["core:home", "portal:situation", "public:verdict_list", "public:bulletin_list",
                "portal:messages", "portal:hotlines", "public:report", "portal:about"]  # fmt: skip

    def location(self, item):
        return reverse(item)


class VerdictSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return Case.objects.filter(published_at__isnull=False).only("pk", "published_at").order_by("-published_at")

    def location(self, item):
        return reverse("public:verdict", args=[item.pk])

    def lastmod(self, item):
        return item.published_at


class BulletinSitemap(Sitemap):
    changefreq = "never"
    limit = 5000

    def items(self):
        return Bulletin.objects.filter(state=Bulletin.State.ISSUED).only("date", "issued_at").order_by("-date")

    def location(self, item):
        return reverse("public:bulletin", args=[item.slug])

    def lastmod(self, item):
        return item.issued_at


SITEMAPS = {"pages": PagesSitemap, "verdicts": VerdictSitemap, "bulletins": BulletinSitemap}
