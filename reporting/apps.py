from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Weekly quick report")

    def ready(self):
        from core.audit import ACTION_LABELS
        from core.navigation import MODULES

        ACTION_LABELS.update(
            {
                "report.cycle_open": _("Report cycle opened"),
                "report.submit": _("Report section submitted"),
                "report.amend": _("Submitted report section corrected"),
                "report.nothing": _("Nothing to report"),
                "report.return": _("Report section returned"),
                "report.accept": _("Report section accepted"),
                "report.import": _("Report sections imported"),
                "report.reminder": _("Report reminder sent"),
                "reportform.create": _("Report form created"),
                "reportform.update": _("Report form changed"),
                "reportform.delete": _("Report form deleted"),
                "formsection.create": _("Form section created"),
                "formsection.update": _("Form section changed"),
                "formsection.delete": _("Form section deleted"),
                "formfield.create": _("Form field created"),
                "formfield.update": _("Form field changed"),
                "formfield.delete": _("Form field deleted"),
            }
        )
        MODULES["reporting"]["url"] = "reporting:cycle_list"
        MODULES["reporting"]["summary"] = self.summary

        from core import scheduler

        from . import actions, reminders

        scheduler.register("reporting.open_cycles", lambda now: len(actions.ensure_weekly_cycles(now)))
        scheduler.register("reporting.reminders", reminders.send_reminders)

    @staticmethod
    def summary(person) -> str | None:
        """This week's report in one line for the home page: the unit's own section, or the
        province's count of sections received."""
        from django.utils import timezone

        from core.access import can, visible_to

        from .consolidation import REPORTED, STATUS_LABELS, status_of
        from .models import ReportCycle, Submission

        now = timezone.now()
        cycle = (
            visible_to(person, ReportCycle.objects.filter(due_at__gt=now, kind=ReportCycle.Kind.WEEKLY))
            .order_by("due_at")
            .first()
        )
        if cycle is None:
            return None
        due = timezone.localtime(cycle.due_at).strftime("%H:%M %d/%m/%Y")
        if can(person, "reporting.submit"):
            own = Submission.objects.filter(cycle=cycle, organisation_id=person.organisation_id).first()
            if own is None:
                return None
            return _("Your section: %(status)s (due %(due)s).") % {
                "status": STATUS_LABELS[status_of(own, cycle.due_at, now)].lower(),
                "due": due,
            }
        if can(person, "reporting.consolidate"):
            subs = visible_to(person, cycle.submissions.all())
            return _("%(reported)d of %(expected)d sections received (due %(due)s).") % {
                "reported": subs.filter(state__in=REPORTED).count(),
                "expected": subs.count(),
                "due": due,
            }
        return None
