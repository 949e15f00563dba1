"""The public portal (Plan 52, II.1, II.2, III): what citizens see without logging in — the
situation today, the verdicts on false information, the bulletins, the key messages, the hotlines
and where to report — on pages built for an outbreak's traffic: rendered once per change of
content and served from the cache (`portal.cache`), nothing personal on them, no script needed."""

from django.conf import settings
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from core import directory
from core.access import public
from core.models import Contact
from misinfo.models import Case
from outreach.models import KeyMessage

from .cache import cached_page


def _verdicts(n: int):
    return Case.objects.filter(published_at__isnull=False).select_related("claim").order_by("-published_at")[:n]


def _messages():
    today = timezone.localdate()
    return (
        KeyMessage.objects.filter(state=KeyMessage.State.APPROVED, valid_from__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .exclude(web_text="")
        .order_by("topic", "title")
    )


def _situation():
    from situation.views.public import bulletin_context, latest_issued

    bulletin = latest_issued()
    return bulletin_context(bulletin) if bulletin else None


@public
@cached_page
def home(request):
    return render(
        request,
        "portal/home.html",
        {"s": _situation(), "verdicts": _verdicts(5), "messages": _messages()[:3], "contacts": _contacts()[:4]},
    )


@public
@cached_page
def situation(request):
    return render(request, "portal/situation.html", {"s": _situation()})


def _contacts():
    return (
        Contact.objects.filter(is_active=True, is_public=True)
        .exclude(kind=Contact.Kind.RECIPIENT)
        .select_related("organisation")
        .order_by("kind", "title")
    )


@public
@cached_page
def hotlines(request):
    contacts = list(_contacts())
    hotlines = [c for c in contacts if c.kind == Contact.Kind.HOTLINE]
    directory.answering_now(hotlines)  # who answers now (rosters): a name and a position, never their number
    return render(
        request,
        "portal/hotlines.html",
        {
            "hotlines": hotlines,
            "points": [c for c in contacts if c.kind != Contact.Kind.HOTLINE],
        },
    )


@public
@cached_page
def messages(request):
    return render(request, "portal/messages.html", {"messages": _messages()})


@public
@cached_page
def about(request):
    return render(request, "portal/about.html", {"contacts": _contacts()[:6]})


@public
def language(request, code):
    """Switch the language by a link (no form: the portal's pages are the same for everyone and
    carry no CSRF token), then go back to the page."""
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if code in {c for c, _name in settings.LANGUAGES}:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax",
            secure=request.is_secure(), httponly=True,
        )  # fmt: skip
    return response
