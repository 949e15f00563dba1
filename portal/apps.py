from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Public portal")

    def ready(self):
        """Whatever a citizen sees changes (a verdict, its claim's wording and its evidence — the
        ClaimReview's appearances —, a bulletin, a key message, a public contact or its
        organisation's name): the whole portal's cache version moves on. Staff work on these at a
        human pace: each change costs one render per page and language, not one per visitor."""
        from django.db.models.signals import post_delete, post_save

        from core.models import Contact, Organisation
        from misinfo.models import Case, Claim, Evidence
        from outreach.models import KeyMessage
        from situation.models import Bulletin

        from .cache import bump

        for model in (Case, Claim, Evidence, Bulletin, KeyMessage, Contact, Organisation):
            post_save.connect(bump, sender=model, dispatch_uid=f"portal-{model.__name__}-save")
            post_delete.connect(bump, sender=model, dispatch_uid=f"portal-{model.__name__}-delete")
