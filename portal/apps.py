from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Public portal")

    def ready(self):
        """Whatever a citizen sees changes (a verdict and its claim's wording, a bulletin, a key
        message, a public contact): the whole portal's cache version moves on."""
        from django.db.models.signals import post_delete, post_save

        from core.models import Contact
        from misinfo.models import Case, Claim
        from outreach.models import KeyMessage
        from situation.models import Bulletin

        from .cache import bump

        for model in (Case, Claim, Bulletin, KeyMessage, Contact):
            post_save.connect(bump, sender=model, dispatch_uid=f"portal-{model.__name__}-save")
            post_delete.connect(bump, sender=model, dispatch_uid=f"portal-{model.__name__}-delete")
