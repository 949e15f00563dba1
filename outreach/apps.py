from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Outreach")

    def ready(self):
        from core.audit import ACTION_LABELS
        from core.navigation import MODULES

        ACTION_LABELS.update(
            {
                "keymessage.create": _("Key message written"),
                "keymessage.update": _("Key message changed"),
                "keymessage.submit": _("Key message submitted for approval"),
                "keymessage.approve": _("Key message approved"),
                "keymessage.return": _("Key message returned"),
                "keymessage.retire": _("Key message retired"),
                "keymessage.reopen": _("Key message reopened"),
                "keymessage.audio": _("Loudspeaker audio made"),
                "campaign.start": _("SMS campaign started"),
                "campaign.cancel": _("SMS campaign cancelled"),
            }
        )
        MODULES["outreach"]["url"] = "outreach:messages"
        MODULES["outreach"]["permission"] = "outreach.view"
