"""Simulate the loudspeaker system: log the plays of every scheduled broadcast between two
moments, on each zone's station and the commune stations under it, as the system's API push
would (outreach.stations). Safe to run again: a play already logged is not logged twice.

    manage.py play_loudspeakers                          since midnight, until now
    manage.py play_loudspeakers --since 2021-07-30T00:00 --until 2021-08-05T23:59
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.models import Person
from core.roles import Role
from outreach import broadcasts, stations


def _moment(raw: str | None, default: datetime.datetime) -> datetime.datetime:
    if not raw:
        return default
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        raise CommandError(f"“{raw}” is not a date and time (YYYY-MM-DDTHH:MM).")
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class Command(BaseCommand):
    help = "Log the plays of the scheduled loudspeaker broadcasts between --since and --until (simulated stations)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="from this local date and time (default: today 00:00)")
        parser.add_argument("--until", help="until this local date and time (default: now)")

    def handle(self, *args, since=None, until=None, **options):
        now = timezone.now()
        midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
        start, end = _moment(since, midnight), _moment(until, now)
        if end > now:
            raise CommandError("--until is in the future: a station logs what it has played.")
        if start > end:
            raise CommandError("--since is after --until.")
        system = Person.objects.filter(role__in=[Role.TELECOM_IT, Role.ADMIN], is_active=True).order_by("pk").first()
        if system is None:
            raise CommandError("No telecom officer or administrator to log the plays as.")
        try:
            result = stations.play(system, start, end)
        except broadcasts.Rejected as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{result['stored']} plays logged, {result['already']} already logged.")
