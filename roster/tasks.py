"""Background tasks of the rosters (django.tasks; run by the worker)."""

import datetime

from django.tasks import task


@task()
def notify_changes(event_id: int) -> int:
    """Email each person whose shifts a change touched: the shifts taken from them and given to
    them, with the roster's name. Returns how many messages went out."""
    from django.core.mail import send_mail

    from core.models import Person

    from .models import RosterEvent

    event = RosterEvent.objects.select_related("roster").filter(pk=event_id).first()
    if event is None:
        return 0
    by_person: dict[int, list[str]] = {}
    for change in event.changes:
        day = datetime.date.fromisoformat(change["day"]).strftime("%d/%m/%Y")
        if change.get("out_id"):
            by_person.setdefault(change["out_id"], []).append(f"- {day}, {change['shift_name']}: không còn phân công")
        if change.get("in_id"):
            by_person.setdefault(change["in_id"], []).append(f"- {day}, {change['shift_name']}: được phân công")
    sent = 0
    roster = event.roster
    for person in Person.objects.filter(pk__in=by_person, is_active=True).exclude(email=""):
        lines = "\n".join(by_person[person.pk])
        body = (
            f"Kính gửi {person.full_name},\n\n{roster.title} vừa thay đổi những ca của anh/chị:\n{lines}\n\n"
            "Lịch đầy đủ xem trên hệ thống Tin Cậy (mục Lịch trực).\n"
        )
        sent += send_mail(f"Thay đổi lịch trực: {roster.title}", body, None, [person.email], fail_silently=False)
    return sent
