from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Organisation and access")

    def ready(self):
        from . import directory, scheduler, signals  # noqa: F401  (connect their receivers)

        scheduler.register("core.heartbeat", scheduler.worker_heartbeat)
