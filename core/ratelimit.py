"""Counting for rate limits, shared by every web process (the database, not a per-process cache):
`hit(key, window)` counts one more and returns the count in the current window. A fixed window
that starts at the first hit after the previous one ended. The increment is one UPDATE, so parallel
requests from one client cannot all slip under the limit; a window's first hit inserts the row
(two at once: the second finds it and updates)."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import RateCount


def hit(key: str, window: datetime.timedelta, now=None) -> int:
    now = now or timezone.now()
    key = key[:200]
    fresh = RateCount.objects.filter(key=key, window_start__gt=now - window)
    if fresh.update(count=F("count") + 1):
        return fresh.values_list("count", flat=True).first() or 1
    try:
        with transaction.atomic():
            # No row, or an ended window: start a new one (and forget ended windows now and then).
            if not RateCount.objects.filter(key=key).update(window_start=now, count=1):
                RateCount.objects.create(key=key, window_start=now, count=1)
    except IntegrityError:  # another request created it at the same moment
        return hit(key, window, now)
    if now.second == 0:
        RateCount.objects.filter(window_start__lt=now - datetime.timedelta(days=2)).delete()
    return 1
