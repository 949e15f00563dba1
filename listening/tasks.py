"""Background tasks of social listening (django.tasks; run by the worker)."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

MAX_LISTED = 20  # posts listed in one email; the rest are counted


@task()
def notify_watchers(watchlist_id: int, post_ids: list[int]) -> int:
    """Tell the people a watchlist names about its new hits: one email each, the posts they may
    see (a district's person only hears of their district's posts)."""
    from core.access import can, visible_to

    from .models import Post, Watchlist

    watchlist = Watchlist.objects.filter(pk=watchlist_id, is_active=True).first()
    if watchlist is None:
        return 0
    sent = 0
    for person in watchlist.notify.filter(is_active=True).exclude(email=""):
        if not can(person, "listening.view"):
            continue
        visible = visible_to(person, Post.objects.filter(pk__in=post_ids))
        total = visible.count()
        if not total:
            continue
        posts = list(visible.select_related("source").order_by("pk")[:MAX_LISTED])
        with override(settings.LANGUAGE_CODE):
            lines = [f"- {p.text[:200]}" + (f"\n  {p.url}" if p.url else "") + f"\n  ({p.source.name})" for p in posts]
            more = total - len(posts)
            name = " ".join(watchlist.name.split())  # a header is one line
            subject = _("Watchlist “%(name)s”: %(n)d new posts") % {"name": name, "n": total}
            body = _("New posts hit the watchlist “%(name)s”:\n\n%(posts)s\n\nAlerts: %(link)s") % {
                "name": watchlist.name,
                "posts": "\n".join(lines) + (("\n" + _("… and %(n)d more.") % {"n": more}) if more > 0 else ""),
                "link": settings.SITE_URL.rstrip("/") + reverse("listening:alerts") + f"?watchlist={watchlist.pk}",
            }
        sent += send_mail(subject, body, None, [person.email], fail_silently=False)
    return sent
