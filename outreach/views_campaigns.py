"""Pages of SMS campaigns: the list, starting one (what it will cost, to how many numbers), and a
campaign's live progress (htmx polls the bar while it sends; without script, reload)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.access import can, requires, visible_to
from vntext import sms

from . import campaigns
from .forms import CampaignForm
from .models import Campaign, ContactGroup, KeyMessage


def _campaigns_for(person):
    return visible_to(person, Campaign.objects.select_related("key_message", "group", "created_by"))


@requires("outreach.campaigns")
def campaign_list(request):
    rows = list(_campaigns_for(request.user)[:100])
    for c in rows:
        c.progress = campaigns.progress(c)
    return render(
        request,
        "outreach/campaign_list.html",
        {"rows": rows, "can_send": can(request.user, "outreach.send") or can(request.user, "outreach.approve")},
    )


def _usable_messages(person):
    today = timezone.localdate()
    return (
        visible_to(person, KeyMessage.objects.filter(state=KeyMessage.State.APPROVED, valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .exclude(sms_text="")
    )


@requires("outreach.campaigns")
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    person = request.user
    leader = can(person, "outreach.approve")
    form = CampaignForm(
        request.POST or None,
        messages=_usable_messages(person),
        groups=visible_to(person, ContactGroup.objects.select_related("org_unit")),
        leader=leader,
        initial={"key_message": request.GET.get("message")},
    )
    preview = None
    if form.is_bound and form.is_valid():
        message, group = form.cleaned_data["key_message"], form.cleaned_data["group"]
        if "send" in request.POST:
            try:
                campaign = campaigns.start(
                    person, message, group, emergency_reason=form.cleaned_data.get("emergency_reason", "")
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The campaign is sending."))
                return redirect("outreach:campaign", campaign.pk)
        numbers = campaigns.members(group)
        info = sms.encode_info(message.sms_text)
        preview = {
            "numbers": len(numbers),
            "parts": info.segments,
            "total": info.segments * len(numbers),
            "cost": info.segments * len(numbers) * settings.OUTREACH_SMS_PART_PRICE,
            "quiet": campaigns.in_quiet_hours(timezone.now()),
            "info": info,
        }
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "outreach/campaign_new.html", {"form": form, "preview": preview}, status=status)


def _campaign(request, pk) -> Campaign:
    return get_object_or_404(_campaigns_for(request.user), pk=pk)


@requires("outreach.campaigns")
def campaign_detail(request, pk):
    campaign = _campaign(request, pk)
    recipients = campaign.recipients.order_by("pk")[:200]
    return render(
        request,
        "outreach/campaign_detail.html",
        {"campaign": campaign, "progress": campaigns.progress(campaign), "recipients": recipients},
    )


@requires("outreach.campaigns")
def campaign_progress(request, pk):
    campaign = _campaign(request, pk)
    context = {"campaign": campaign, "progress": campaigns.progress(campaign)}
    response = render(request, "outreach/_progress.html", context)
    if request.htmx and campaign.state in {Campaign.State.DONE, Campaign.State.CANCELLED}:
        # Finished while the page was watching: reload it once, so each number's state shows.
        response["HX-Refresh"] = "true"
    return response


@requires("outreach.campaigns")
@require_POST
def campaign_cancel(request, pk):
    campaign = _campaign(request, pk)
    try:
        campaigns.cancel(request.user, campaign)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The campaign is cancelled: what was not sent stays unsent."))
    return redirect("outreach:campaign", campaign.pk)
