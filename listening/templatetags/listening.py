from django import template

from core.access import can

register = template.Library()


@register.filter
def may(person, permission: str) -> bool:
    """{% if request.user|may:"listening.sources" %}: the access policy in a template."""
    return can(person, permission)
