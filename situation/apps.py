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
                "bulletin.recompose": _("Bulletin text written again from the figures"),
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
        """Today's figures and bulletin in one line for the home page (two queries)."""
        from django.db.models import Count, Exists, OuterRef, Q
        from django.utils import timezone

        from core.access import can
        from core.models import OrgUnit

        from .models import Bulletin, Figure

        if not can(person, "situation.figures"):
            return None
        today = timezone.localdate()
        reported = Exists(Figure.objects.filter(org_unit=OuterRef("pk"), date=today))
        counts = OrgUnit.objects.filter(parent__isnull=False, parent__parent__isnull=True, is_active=True).aggregate(
            all=Count("pk"), done=Count("pk", filter=Q(reported))
        )
        if not counts["all"]:
            return None
        bulletin = Bulletin.objects.filter(date=today, org_unit__parent__isnull=True).first()
        state = bulletin.get_state_display().lower() if bulletin else _("not drafted yet")
        return _("Today: figures from %(done)d of %(all)d districts; bulletin %(state)s.") % {
            "done": counts["done"],
            "all": counts["all"],
            "state": state,
        }
