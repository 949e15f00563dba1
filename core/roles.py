"""The roles of DESIGN.md, as the plan names them. Access rules live in core.access."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEADER = "leader", _("Department leader")
    FOCAL_POINT = "focal_point", _("Reporting focal point")
    INSPECTOR = "inspector", _("Inspector")
    TELECOM_IT = "telecom_it", _("Telecom and IT officer")
    IT_CENTRE = "it_centre", _("IT centre")
    OFFICE = "office", _("Department office")
    DISTRICT_CULTURE = "district_culture", _("District culture office")
    DISTRICT_BROADCAST = "district_broadcast", _("District broadcasting centre")
    DISTRICT_STEERING = "district_steering", _("District steering committee")
    POLICE = "police", _("Police liaison")
    HEALTH_DATA = "health_data", _("Health data officer")
    PRESS = "press", _("Press agency")
    CARRIER = "carrier", _("Carrier")
    ADMIN = "admin", _("System administrator")


# Roles that work for the whole province (their organisation sits at the province level).
PROVINCE_ROLES = frozenset(
    {
        Role.LEADER,
        Role.FOCAL_POINT,
        Role.INSPECTOR,
        Role.TELECOM_IT,
        Role.IT_CENTRE,
        Role.OFFICE,
        Role.POLICE,
        Role.HEALTH_DATA,
        Role.ADMIN,
    }
)
# Roles bound to one district: they see their district's subtree and nothing beside it.
DISTRICT_ROLES = frozenset({Role.DISTRICT_CULTURE, Role.DISTRICT_BROADCAST, Role.DISTRICT_STEERING})
# Outside organisations: they see what concerns their own organisation only.
EXTERNAL_ROLES = frozenset({Role.PRESS, Role.CARRIER})
ALL_ROLES = frozenset(Role)
