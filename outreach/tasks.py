"""Background tasks of outreach (django.tasks; run by the worker)."""

from django.tasks import task
from django.utils import timezone


@task()
def send_campaign(campaign_id: int) -> dict:
    """Send what is due of one campaign; queue itself again while parts wait (a retry after a
    temporary error, a reconnection, the end of quiet hours)."""
    from . import campaigns
    from .models import Campaign, Part

    result = campaigns.send(campaign_id)
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.state in {Campaign.State.DONE, Campaign.State.CANCELLED} or not result["held"]:
        return {k: str(v) for k, v in result.items()}
    waiting = Part.objects.filter(recipient__campaign_id=campaign_id, state=Part.State.QUEUED)
    due = campaign.paused_until or min(
        (p for p in waiting.values_list("next_try_at", flat=True) if p), default=timezone.now()
    )
    backend = send_campaign.get_backend()
    if backend.supports_defer:
        send_campaign.using(run_after=max(due, timezone.now())).enqueue(campaign_id)
    return {k: str(v) for k, v in result.items()}
