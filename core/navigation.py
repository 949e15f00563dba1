"""The staff navigation and the per-role home page: which modules a role works with.

A module that has not landed yet shows as a card without a link ("coming"), never as a broken
link; when a module lands, give it its `url` here.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .access import can
from .roles import Role

# Modules of DESIGN.md. `url` (a URL name) is None until the module exists;
# the module's AppConfig.ready sets it.
MODULES = {
    "reporting": {"title": _("Weekly reports"), "text": _("District reports before Friday 10:00, consolidated in one click."), "url": None},
    "misinfo": {"title": _("Misinformation desk"), "text": _("Tips, claims, cases, verdicts, police referrals and sanctions."), "url": None},
    "listening": {"title": _("Social listening"), "text": _("Posts matched to known rumours, watchlists and alerts."), "url": None},
    "situation": {"title": _("Daily situation"), "text": _("Daily epidemic figures and the daily bulletin for the press."), "url": None},
    "outreach": {"title": _("Outreach"), "text": _("Key messages, SMS, carrier requests and loudspeakers."), "url": None},
    "roster": {"title": _("Duty rosters"), "text": _("Hotline, data centre and office rotation."), "url": None},
}

ROLE_MODULES = {
    Role.LEADER: ["reporting", "misinfo", "listening", "situation", "outreach", "roster"],
    Role.FOCAL_POINT: ["reporting", "situation", "outreach", "misinfo", "listening", "roster"],
    Role.INSPECTOR: ["misinfo", "listening", "roster"],
    Role.TELECOM_IT: ["outreach", "roster"],
    Role.IT_CENTRE: ["roster"],
    Role.OFFICE: ["roster"],
    Role.DISTRICT_CULTURE: ["reporting", "outreach", "misinfo", "listening"],
    Role.DISTRICT_BROADCAST: ["reporting", "outreach"],
    Role.DISTRICT_STEERING: ["misinfo", "listening"],
    Role.POLICE: ["misinfo"],
    Role.HEALTH_DATA: ["situation"],
    Role.PRESS: ["situation", "misinfo"],
    Role.CARRIER: ["outreach"],
    Role.ADMIN: ["reporting", "misinfo", "listening", "situation", "outreach", "roster"],
}

# The pages of the foundation, in menu order: (url name, label, permission).
PAGES = [
    ("core:home", _("Home"), "home.view"),
    ("core:orgunit_list", _("Org units"), "orgunit.view"),
    ("core:organisation_list", _("Organisations"), "organisation.view"),
    ("core:person_list", _("People"), "person.view"),
    ("core:directory", _("Directory"), "directory.view"),
    ("reporting:cycle_list", _("Weekly reports"), "reporting.view"),
    ("misinfo:inbox", _("False information"), "misinfo.view"),
    ("misinfo:referrals", _("Referrals"), "misinfo.police"),
    ("listening:alerts", _("Social listening"), "listening.view"),
    ("situation:home", _("Daily situation"), "situation.view"),
    ("outreach:messages", _("Key messages"), "outreach.view"),
    ("outreach:carrier_requests", _("Carrier requests"), "outreach.carriers"),
    ("roster:list", _("Duty rosters"), "roster.view"),
    ("core:audit_list", _("Audit log"), "audit.view"),
]


def navigation_for(person) -> list[dict]:
    """The menu: the pages the person may open, one per module (the first that is theirs: the
    police liaison's referrals, a carrier's requests)."""
    out, modules = [], set()
    for name, label, permission in PAGES:
        module = name.split(":")[0]
        if module != "core" and module in modules:
            continue
        if can(person, permission):
            out.append({"url": reverse(name), "name": name, "label": label})
            modules.add(module)
    return out


def modules_for(person) -> list[dict]:
    keys = list(MODULES) if person.is_superuser and not person.role else ROLE_MODULES.get(person.role, [])
    out = []
    for key in keys:
        module = MODULES[key]
        # A module may give a one-line summary for this person (its AppConfig sets "summary").
        summary = module["summary"](person) if module.get("summary") else None
        # A module the role has no part of yet shows as "coming", not as a link to a 403.
        url = None
        for name, permission in [(module["url"], module.get("permission")), *module.get("alternatives", [])]:
            if name and (not permission or can(person, permission)):
                url = reverse(name)
                break
        out.append({"key": key, **module, "url": url, "summary": summary})
    return out
