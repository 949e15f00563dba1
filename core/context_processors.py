from django.conf import settings

from .access import can
from .directory import public_hotlines


def tincay(request):
    """What every staff page needs: the navigation the person may use, the hotlines."""
    user = getattr(request, "user", None)
    nav = []
    if user is not None and user.is_authenticated:
        from .navigation import navigation_for

        nav = navigation_for(user)
    return {
        "org_name": settings.TINCAY_ORG_NAME,
        "nav_items": nav,
        "hotlines": public_hotlines,  # callable: evaluated only where a template uses it
        "can_audit": user is not None and can(user, "audit.view"),
    }
