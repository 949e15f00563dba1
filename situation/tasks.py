"""Background tasks of the situation module (django.tasks; run by the worker)."""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.utils import timezone

log = logging.getLogger(__name__)
LEASE = datetime.timedelta(minutes=5)


@task()
def deliver(delivery_id: int) -> str:
    """Email the issued bulletin (PDF and DOCX attached) to one recipient. The row is claimed
    first (queued → sending, with a lease), so a task run twice, or by two workers, sends once;
    a worker that died while sending leaves a lease that runs out and the next run takes it."""
    from .models import Delivery

    now = timezone.now()
    with transaction.atomic():
        claimed = (
            Delivery.objects.filter(pk=delivery_id, state__in=[Delivery.State.QUEUED, Delivery.State.SENDING])
            .exclude(state=Delivery.State.SENDING, lease_until__gt=now)
            .update(state=Delivery.State.SENDING, lease_until=now + LEASE)
        )
    if not claimed:
        return "skipped"
    delivery = Delivery.objects.select_related("bulletin").get(pk=delivery_id)
    attempts = delivery.attempts + 1
    try:
        message = _message(delivery)
        message.send(fail_silently=False)
    except Exception as error:  # the files or the mail server: the row must not stay "sending"
        log.warning("Bulletin %s to %s failed: %s", delivery.bulletin_id, delivery.email, error)
        failed = attempts >= settings.SITUATION_DELIVERY_TRIES
        Delivery.objects.filter(pk=delivery_id).update(
            state=Delivery.State.FAILED if failed else Delivery.State.QUEUED,
            attempts=attempts,
            lease_until=None,
            last_error=str(error)[:500],
        )
        if not failed:  # again later: 2, then 4 minutes (a mail server that is down comes back)
            later = timezone.now() + datetime.timedelta(minutes=2**attempts)
            again = deliver.using(run_after=later) if deliver.get_backend().supports_defer else deliver
            again.enqueue(delivery_id)
        return "failed"
    Delivery.objects.filter(pk=delivery_id).update(
        state=Delivery.State.SENT, attempts=attempts, lease_until=None, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def _message(delivery) -> EmailMessage:
    """The email to one recipient with the issued PDF and DOCX attached."""
    from .documents import email_message

    bulletin = delivery.bulletin
    subject, body = email_message(bulletin)
    message = EmailMessage(subject, body, None, [delivery.email])
    for field, mime in (
        ("pdf", "application/pdf"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ):
        stored = getattr(bulletin, field)
        if stored:
            with stored.open("rb") as f:
                message.attach(stored.name.rsplit("/", 1)[-1], f.read(), mime)
    return message
