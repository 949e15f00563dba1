"""Background tasks of the desk (django.tasks; run by the worker)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _


@task()
def tell_reporters(case_id: int) -> int:
    """Email the verdict to the people who reported the claim and left an email, each once ever
    (Tip.told_at), one message each. The addresses are decrypted here, never queued."""
    from .models import Case, Tip

    case = Case.objects.select_related("claim").filter(pk=case_id, published_at__isnull=False).first()
    if case is None:
        return 0
    link = settings.SITE_URL.rstrip("/") + reverse("public:verdict", args=[case.pk])
    subject = _("Verdict on the information you reported")
    body = _(
        "You reported information that the Department of Information and Communications has now checked.\n\n"
        "“%(claim)s”\n\nVerdict: %(verdict)s.\n%(explanation)s\n\nMore: %(link)s\n\nThank you."
    ) % {
        "claim": case.claim.statement,
        "verdict": case.get_verdict_display(),
        "explanation": case.explanation,
        "link": link,
    }
    sent, seen = 0, set()
    for tip in Tip.objects.filter(claim=case.claim, told_at__isnull=True).exclude(reporter_contact_sealed=""):
        address = tip.reporter_contact.strip()
        try:
            validate_email(address)
        except ValidationError:
            continue  # a phone number, or not an address
        with transaction.atomic():
            if not Tip.objects.filter(pk=tip.pk, told_at__isnull=True).update(told_at=timezone.now()):
                continue  # another worker told this one
            if address.lower() not in seen:
                seen.add(address.lower())
                sent += send_mail(subject, body, None, [address], fail_silently=False)
    return sent
