from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MisinfoConfig(AppConfig):
    name = "misinfo"
    verbose_name = _("Misinformation desk")

    def ready(self):
        from core.audit import ACTION_LABELS
        from core.navigation import MODULES

        ACTION_LABELS.update(
            {
                "misinfo.tip": _("Tip received"),
                "misinfo.tip_link": _("Tip linked to a claim"),
                "misinfo.claim": _("Claim created"),
                "misinfo.case_open": _("Case opened"),
                "misinfo.case_state": _("Case state changed"),
                "misinfo.verdict": _("Verdict recorded"),
                "misinfo.publish": _("Verdict approved and published"),
                "misinfo.action": _("Case action recorded"),
                "misinfo.evidence": _("Evidence captured"),
                "misinfo.evidence_download": _("Evidence downloaded"),
                "misinfo.evidence_seal": _("Evidence sealed"),
                "misinfo.reporter_view": _("Reporter's identity shown"),
            }
        )
        MODULES["misinfo"]["url"] = "misinfo:inbox"
        MODULES["misinfo"]["permission"] = "misinfo.view"

        from core import scheduler

        from . import checks  # noqa: F401  (registers the system checks)

        scheduler.register("misinfo.mailbox", self.fetch_mail)

    @staticmethod
    def fetch_mail(now) -> int:
        """Every tick: the unread messages of the desk's mailbox, when one is configured."""
        from django.conf import settings

        from . import mail

        if not settings.MISINFO_IMAP_URL:
            return 0
        tips, _problems = mail.fetch_imap(settings.MISINFO_IMAP_URL)
        return len(tips)
