"""Images attached to laps. media validates, stores and signs them; tracking decides which lap
an image belongs to and who may attach one."""

from __future__ import annotations

from datetime import datetime
from typing import IO
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from config.errors import NotFound, ValidationFailed
from media.models import ImageKind
from media.services import image_store
from tracking.models import LapImage, TimeEntry
from tracking.services.session_state import run_session_write_guards


@transaction.atomic
def lap_image_upload(*, actor: User, lap_id: UUID, file: IO[bytes], now: datetime | None = None) -> LapImage:
    """Store `file` as an image of one of `actor`'s laps, at Just Like Clockwork's key
    `{user}/{session}/{lap}_{image}.{format}` (the format is the decoded image's, never the
    file name's). Someone else's lap is a 404; an entry outside any session is a 400; an
    archived group's lap is refused by the session's write guards. Every validation refusal
    comes from media before anything is stored (quota checks lock the owner's row)."""
    now = now or timezone.now()
    lap = TimeEntry.objects.select_related("session").filter(uuid=lap_id, user=actor).first()
    if lap is None:
        raise NotFound("Lap not found.", fields={"lap": ["No lap of yours has this id."]})
    if lap.session is None:
        raise ValidationFailed(
            "lap: This time entry is not a lap of a session.", fields={"lap": ["Not a lap of a session."]}
        )
    run_session_write_guards(lap.session)
    session_id = lap.session.uuid
    image = image_store(
        owner=actor,
        kind=ImageKind.LAP_IMAGE,
        file=file,
        key=lambda image, extension: f"{actor.uuid}/{session_id}/{lap.uuid}_{image.uuid}.{extension}",
        now=now,
    )
    return LapImage.objects.create(lap=lap, image=image, created_at=now)
