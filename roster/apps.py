from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosterConfig(AppConfig):
    name = "roster"
    verbose_name = _("Duty rosters")

    def ready(self):
        from core.audit import ACTION_LABELS
        from core.navigation import MODULES

        ACTION_LABELS.update(
            {
                "roster.create": _("Roster created"),
                "roster.update": _("Roster changed"),
                "roster.generate": _("Roster generated"),
                "roster.replan": _("Roster re-planned"),
                "roster.replace": _("Shift given to a replacement"),
                "roster.swap": _("Shifts swapped"),
                "roster.issue": _("Roster issued"),
                "roster.unavailable": _("Unavailability recorded"),
            }
        )
        MODULES["roster"]["url"] = "roster:list"
        MODULES["roster"]["permission"] = "roster.view"
        MODULES["roster"]["summary"] = self.summary

        from core import directory

        from .routing import by_hotline

        directory.DUTY_PROVIDERS.append(by_hotline)

        from django.db.models.signals import post_delete, post_save

        from portal.cache import bump

        from .models import Assignment, Roster

        # Who is on duty shows on the public hotlines page: a change renews it.
        for model in (Assignment, Roster):
            post_save.connect(bump, sender=model, dispatch_uid=f"portal-bump-{model.__name__}")
            post_delete.connect(bump, sender=model, dispatch_uid=f"portal-bump-{model.__name__}")

    @staticmethod
    def summary(person) -> str | None:
        """Who is on duty now, and the person's own next shift, in one line for the home page."""
        from django.utils import timezone
        from django.utils.formats import date_format

        from .models import Assignment
        from .routing import on_duty

        parts = []
        now = on_duty()
        if now:
            names = ", ".join(f"{a.person.full_name} ({a.shift.name})" for a in now[:4])
            more = len(now) - 4
            parts.append(
                _("On duty now: %(names)s") % {"names": names}
                + (_(" and %(n)d more") % {"n": more} if more > 0 else "")
                + "."
            )
        else:
            parts.append(str(_("No one is on a shift right now.")))
        mine = (
            Assignment.objects.filter(person=person, day__gte=timezone.localdate())
            .select_related("shift")
            .order_by("day", "shift__start")
            .first()
        )
        if mine is not None:
            parts.append(
                _("Your next shift: %(day)s, %(shift)s.")
                % {"day": date_format(mine.day, "l d/m"), "shift": mine.shift.name}
            )
        return " ".join(parts)
