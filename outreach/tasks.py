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


@task()
def email_carrier_letter(line_id: int) -> int:
    """Email a signed request to its carrier with the letter as PDF and DOCX. Claimed before
    sending (emailed_at), so a task run twice sends once; a failed send frees the claim and raises
    (the worker records the failure; "email again" on the request's page queues it anew)."""
    from django.core.mail import EmailMessage

    from . import carriers
    from .models import CarrierLine

    claimed = CarrierLine.objects.filter(pk=line_id, emailed_at__isnull=True, request__state="sent").update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return 0
    line = CarrierLine.objects.select_related("request__org_unit", "request__signed_by", "carrier").get(pk=line_id)
    if not line.carrier.email:
        CarrierLine.objects.filter(pk=line_id).update(emailed_at=None)
        return 0
    subject = f"Công văn số {line.number}: V/v nhắn tin tuyên truyền phòng, chống dịch Covid-19"
    body = (
        f"Kính gửi: {line.carrier.name}.\n\n"
        f"Sở Thông tin và Truyền thông gửi Công văn số {line.number} đề nghị nhắn tin đến các thuê bao trên địa bàn "
        f"{line.request.org_unit.name} (tệp PDF và DOCX đính kèm).\n\nNội dung tin nhắn: “{line.request.text}”\n"
    )
    try:
        message = EmailMessage(subject, body, None, [line.carrier.email])
        message.attach(carriers.letter_name(line, "pdf"), carriers.letter_file(line, "pdf"), "application/pdf")
        message.attach(
            carriers.letter_name(line, "docx"), carriers.letter_file(line, "docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )  # fmt: skip
        return message.send(fail_silently=False)
    except Exception:
        # Rendering or sending failed: the claim goes, so "email again" (or a retry) can send it.
        CarrierLine.objects.filter(pk=line_id).update(emailed_at=None)
        raise
