"""The directory of hotlines and contact points: one source for pages and documents."""

from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Contact

CACHE_KEY = "core:public-hotlines:v1"


def _cache():
    """The portal's cache, shared by the web processes: a changed hotline shows in every one."""
    return caches["portal"]


# Callables returning {contact id: [assignment, …]}: who answers a hotline now (the roster app
# registers one; core does not import it).
DUTY_PROVIDERS: list = []


def answering_now(contacts) -> None:
    """Set `on_duty` on each contact: the people answering it now (an empty list if none)."""
    routed: dict = {}
    for provider in DUTY_PROVIDERS:
        for contact_id, rows in provider().items():
            routed.setdefault(contact_id, []).extend(rows)
    for contact in contacts:
        contact.on_duty = routed.get(contact.pk, [])


def public_hotlines() -> list[dict]:
    """Active public hotlines, for page footers and documents (cached until one changes)."""
    rows = _cache().get(CACHE_KEY)
    if rows is None:
        rows = [
            {
                "title": c.title,
                "phone": c.phone,
                "phone_digits": c.phone_digits,
                "organisation": str(c.organisation) if c.organisation_id else "",
                "person_name": c.person_name,
            }
            for c in Contact.objects.filter(is_active=True, is_public=True).select_related("organisation")
        ]
        _cache().set(CACHE_KEY, rows, 3600)
    return rows


@receiver(post_save, sender=Contact)
@receiver(post_delete, sender=Contact)
def _forget_hotlines(**kwargs):
    _cache().delete(CACHE_KEY)
