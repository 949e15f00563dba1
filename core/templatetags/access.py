"""The access policy in templates: {% load access %} … {% if request.user|may:"situation.enter" %}."""

from django import template

from core.access import can

register = template.Library()


@register.filter
def may(person, permission: str) -> bool:
    return can(person, permission)
