"""Group sessions: tracking sessions started in a group, which its members join as participants.

Tracking owns sessions, laps and participants; this module links a session to its group,
checks membership before tracking's join and leave, and registers the write guard that makes an
archived group's sessions read-only."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from uuid import UUID

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User
from config.errors import Conflict, NotFound
from groups.models import Group, GroupSession, GroupStatus
from groups.selectors import group_list
from groups.services.rules import lock_group, require_active, require_member
from tracking.models import Session, SessionParticipant
from tracking.services.participants import session_participant_join, session_participant_leave
from tracking.services.sessions import session_create


@transaction.atomic
def group_session_create(
    *, actor: User, group: Group, title: str = "", notes: str = "", now: datetime | None = None
) -> Session:
    """Any member of an active group starts a group session: a planned tracking session that
    `actor` owns (and takes part in) and the group's members may see and join."""
    now = now or timezone.now()
    group = lock_group(group)
    require_member(group, actor)
    require_active(group)
    session = session_create(actor=actor, title=title, notes=notes, now=now)
    GroupSession.objects.create(group=group, session=session, created_at=now)
    return session


def group_session_create_by_id(
    *, actor: User, group_id: UUID, title: str = "", notes: str = "", now: datetime | None = None
) -> Session:
    """Tracking's `group_session_create` hook (`POST /sessions/` with `group`): the group is one
    `actor` may see, as on the group's own sessions route (404 otherwise), then the same checks."""
    group = group_list(actor=actor).filter(uuid=group_id).first()
    if group is None:
        raise NotFound("group: No group with this id that you belong to.", fields={"group": ["Not found."]})
    return group_session_create(actor=actor, group=group, title=title, notes=notes, now=now)


def _locked_group_of(session: Session) -> Group:
    link = GroupSession.objects.filter(session=session).select_related("group").first()
    if link is None:
        raise NotFound("Not a group session.")
    return lock_group(link.group)


@transaction.atomic
def group_session_join(*, actor: User, session: Session, now: datetime | None = None) -> SessionParticipant:
    """`actor`, a member of the session's group, takes part (again, if they had left)."""
    now = now or timezone.now()
    group = _locked_group_of(session)
    require_member(group, actor)
    require_active(group)
    return session_participant_join(actor=actor, session=session, user=actor, now=now)


@transaction.atomic
def group_session_leave(*, actor: User, session: Session, now: datetime | None = None) -> SessionParticipant:
    """`actor` stops taking part; their running lap in the session is closed, their laps stay.
    The session's owner cannot leave it (409)."""
    now = now or timezone.now()
    group = _locked_group_of(session)
    require_member(group, actor)
    require_active(group)
    return session_participant_leave(actor=actor, session=session, user=actor, now=now)


# The session write fact groups asks tracking for: the session's group if it is archived.
ARCHIVED_GROUP = "archived_group_id"


@cache
def archived_group_fact() -> dict[str, Subquery]:
    """Tracking's session write facts (`tracking.hooks.session_write_facts`): the id of the archived
    group a session belongs to, None for an active group's session or one outside any group. Built
    once: the ORM copies an expression each time a query uses it."""
    archived = GroupSession.objects.filter(session_id=OuterRef("pk"), group__status=GroupStatus.ARCHIVED)
    return {ARCHIVED_GROUP: Subquery(archived.order_by().values("group_id")[:1])}


def refuse_archived_group_session(session: Session) -> None:
    """Tracking's session write guard: every write to an archived group's session (laps, logs,
    commands, participants) is a 409.

    It reads the group without a lock: tracking calls it while holding user and session rows, and
    taking the group row after those would invert the lock order. A lap write that read "active"
    just before an archive committed is ordered before that archive, which reads no laps. A session
    tracking locked has the answer with it (archived_group_fact), read in the same query."""
    if hasattr(session, ARCHIVED_GROUP):
        group_id = getattr(session, ARCHIVED_GROUP)
        if group_id is None:
            return
        found = Q(pk=group_id)
    else:
        found = Q(group_sessions__session_id=session.pk)
    group = Group.objects.filter(found, status=GroupStatus.ARCHIVED).values("uuid", "name").first()
    if group is not None:
        raise Conflict(
            f"The group “{group['name']}” is archived; its sessions take no more changes.",
            code="group_archived",
            extra={"group": str(group["uuid"])},
        )
