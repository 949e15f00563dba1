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

        from core import scheduler

        from . import actions, reminders

        scheduler.register("reporting.open_cycles", lambda now: len(actions.ensure_weekly_cycles(now)))
        scheduler.register("reporting.reminders", reminders.send_reminders)
