"""When weekly cycles are due and what they cover, in the Department's time zone.

A weekly cycle is due on the form's weekday at its due time (Friday 10:00 by default) and covers
the `window_days` days before the due date (Friday to Thursday for the defaults). It opens at
the start of the first day it covers, so units can fill their draft as the week goes.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

LOCAL = ZoneInfo(settings.TIME_ZONE)


def local_due(form, due_date: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(due_date, form.due_time, tzinfo=LOCAL)


def period_for(form, due_date: datetime.date) -> tuple[datetime.date, datetime.date]:
    end = due_date - datetime.timedelta(days=1)
    return end - datetime.timedelta(days=form.window_days - 1), end


def opens_at(form, due_date: datetime.date) -> datetime.datetime:
    start, _end = period_for(form, due_date)
    return datetime.datetime.combine(start, datetime.time(0, 0), tzinfo=LOCAL)


def next_due_date(form, now: datetime.datetime) -> datetime.date:
    """The due date of the first weekly deadline strictly after `now`."""
    today = now.astimezone(LOCAL).date()
    ahead = (form.due_weekday - today.weekday()) % 7
    due = today + datetime.timedelta(days=ahead)
    if local_due(form, due) <= now:
        due += datetime.timedelta(days=7)
    return due


def due_dates_open_at(form, now: datetime.datetime) -> list[datetime.date]:
    """The weekly cycles that should be open at `now`: the one due next, and the following one
    once its period has started (on the due day itself both are open)."""
    first = next_due_date(form, now)
    dates = [first]
    following = first + datetime.timedelta(days=7)
    if opens_at(form, following) <= now:
        dates.append(following)
    return [d for d in dates if opens_at(form, d) <= now]
