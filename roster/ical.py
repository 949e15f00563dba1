"""A person's shifts as iCalendar (RFC 5545), written by hand: a VEVENT per shift with its times
in UTC, a stable UID, the roster as its description; text escaped and lines folded at 75 octets."""

import datetime

from django.utils import timezone

from .models import Assignment

PRODID = "-//Tin Cay//Lich truc//VI"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets go on as continuation lines (a space first), never inside a character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current)
            current = b""
        current += encoded
    out.append(current)
    return "\r\n ".join(part.decode() for part in out)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(person, host: str, since_days: int = 31) -> str:
    today = timezone.localdate()
    rows = (
        Assignment.objects.filter(person=person, day__gte=today - datetime.timedelta(days=since_days))
        .select_related("shift", "roster")
        .order_by("day", "shift__start")
    )
    stamp = _utc(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape('Lịch trực — ' + (person.full_name or person.username))}",
        "X-WR-TIMEZONE:Asia/Ho_Chi_Minh",
    ]
    for a in rows:
        lines += [
            "BEGIN:VEVENT",
            f"UID:roster-{a.roster_id}-{a.day:%Y%m%d}-{a.shift.code}-{person.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(a.starts_at)}",
            f"DTEND:{_utc(a.ends_at)}",
            f"SUMMARY:{_escape(a.shift.name)}",
            f"DESCRIPTION:{_escape(a.roster.title + ' (' + a.shift.get_mode_display() + ')')}",
            f"CATEGORIES:{_escape(a.roster.get_kind_display())}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
