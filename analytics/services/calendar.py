"""The calendar feed's secret address: made on first use, replaced on request."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from analytics.models import CalendarFeed
from audit.models import Action
from audit.services import audit_record

TOKEN_BYTES = 32  # 43 URL-safe characters


def _token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def calendar_feed_get_or_create(*, actor: User, now: datetime | None = None) -> CalendarFeed:
    """`actor`'s feed, made (with one audit row: a new way in to their calendar) the first time.
    Two first requests at once make one feed: the loser of the insert reads the winner's."""
    feed = CalendarFeed.objects.filter(user=actor).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            feed = CalendarFeed.objects.create(user=actor, token=_token(), created_at=now or timezone.now())
            audit_record(actor=actor, action=Action.CALENDAR_FEED_CREATE, target=feed, changes={})
    except IntegrityError:
        return CalendarFeed.objects.get(user=actor)
    return feed


@transaction.atomic
def calendar_feed_rotate(*, actor: User, now: datetime | None = None) -> CalendarFeed:
    """Replace `actor`'s feed token (making the feed if there is none): the old URL is a 404 from
    this commit on. One audit row."""
    now = now or timezone.now()
    feed = CalendarFeed.objects.select_for_update().filter(user=actor).first()
    if feed is None:
        feed = CalendarFeed(user=actor, created_at=now)
    feed.token = _token()
    feed.rotated_at = now
    feed.save()
    audit_record(actor=actor, action=Action.CALENDAR_FEED_ROTATE, target=feed, changes={})
    return feed
