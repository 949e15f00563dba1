from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SituationConfig(AppConfig):
    name = "situation"
    verbose_name = _("Daily situation")

    def ready(self):
        from core import scheduler
        from core.audit import ACTION_LABELS
        from core.navigation import MODULES

        ACTION_LABELS.update(
            {
                "situation.figures": _("Daily figures entered"),
                "situation.correct": _("Daily figures corrected"),
                "situation.confirm": _("Daily figures confirmed"),
                "situation.import": _("Daily figures imported"),
                "indicator.create": _("Indicator created"),
                "indicator.update": _("Indicator changed"),
                "bulletin.draft": _("Bulletin drafted"),
                "bulletin.edit": _("Bulletin text edited"),
                "bulletin.submit": _("Bulletin submitted for approval"),
                "bulletin.return": _("Bulletin returned"),
                "bulletin.issue": _("Bulletin approved and issued"),
                "bulletin.distribute": _("Bulletin sent to the press list"),
                "bulletin.resend": _("Bulletin email sent again"),
                "bulletin.remind": _("Bulletin reminder sent"),
            }
        )
        MODULES["situation"]["url"] = "situation:home"
        MODULES["situation"]["permission"] = "situation.view"
        MODULES["situation"]["summary"] = self.summary

        from . import actions

        scheduler.register("situation.draft", actions.scheduled_draft)

    @staticmethod
    def summary(person) -> str | None:
        """Today's figures and bulletin in one line for the home page."""
        from django.utils import timezone

        from core.access import can

        from . import figures
        from .models import Bulletin

        if not can(person, "situation.figures"):
            return None
        root = figures.root_unit()
        if root is None:
            return None
        today = timezone.localdate()
        units = figures.districts(root)
        missing = len(figures.missing(root, today))
        bulletin = Bulletin.objects.filter(org_unit=root, date=today).first()
        state = bulletin.get_state_display().lower() if bulletin else _("not drafted yet")
        return _("Today: figures from %(done)d of %(all)d districts; bulletin %(state)s.") % {
            "done": len(units) - missing,
            "all": len(units),
            "state": state,
        }
