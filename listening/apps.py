from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListeningConfig(AppConfig):
    name = "listening"
    verbose_name = _("Social listening")

    def ready(self):
        from core.audit import ACTION_LABELS
        from core.navigation import MODULES

        ACTION_LABELS.update(
            {
                "listening.dismiss": _("Listening alert dismissed"),
                "listening.attach": _("Listening alert attached to a case"),
                "listening.tip": _("Listening alert sent to the desk"),
                "listening.reopen": _("Listening alert reopened"),
                "listening.watchlist": _("Watchlist saved"),
                "listening.upload": _("Export of a listening tool imported"),
                "listening.source": _("Listening source saved"),
            }
        )
        MODULES["listening"]["url"] = "listening:alerts"
        MODULES["listening"]["permission"] = "listening.view"

        from core import scheduler

        scheduler.register("listening.feeds", self.poll_feeds)
        scheduler.register("listening.demo_feed", self.demo_feed)

    @staticmethod
    def poll_feeds(now) -> int:
        """Every tick: the news feeds (RSS/Atom) whose `poll_minutes` have passed."""
        from . import feeds

        return feeds.poll_due(now)

    @staticmethod
    def demo_feed(now) -> int:
        """`make demo` only (LISTENING_DEMO_FEED): the demo listening tool keeps posting."""
        from django.conf import settings

        if not settings.LISTENING_DEMO_FEED:
            return 0
        from . import demo

        return demo.live(now)
