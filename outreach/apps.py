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
                "broadcast.schedule": _("Loudspeaker broadcast scheduled"),
                "broadcast.cancel": _("Loudspeaker broadcast cancelled"),
                "broadcast.logs": _("Broadcast logs recorded"),
                "publication.record": _("Published items recorded"),
                "carrier_request.create": _("Carrier request written"),
                "carrier_request.sign": _("Carrier request signed"),
                "carrier_request.cancel": _("Carrier request cancelled"),
                "carrier_request.report": _("Carrier reach reported"),
                "carrier_request.email": _("Carrier letter emailed again"),
            }
        )
        from core import scheduler

        scheduler.register("outreach.receipts", self.collect_receipts)
        MODULES["outreach"]["url"] = "outreach:messages"
        MODULES["outreach"]["permission"] = "outreach.view"
        MODULES["outreach"]["alternatives"] = [("outreach:carrier_requests", "outreach.carriers")]

    @staticmethod
    def collect_receipts(now):
        from . import campaigns

        return campaigns.collect_receipts(now=now)
