from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ values|get_item:code }}: a dict value by a key held in a variable."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None
