"""Reads of tracking data, scoped to what `actor` may see.

Time entries: a USER sees their own, STAFF also their direct reports' (`manager=staff`), ADMIN
everyone's. Sessions: the same, plus sessions the actor takes part in, plus whatever the
functions registered into the `tracking.hooks.session_visibility` hook add (the groups app's)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Count, Prefetch, Q, QuerySet, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role, User
from config.postgresql.loaders import compiled_timestamps
from tracking.hooks import session_visibility
from tracking.models import LapImage, Project, Session, SessionParticipant, Task, TimeEntry


def _people_q(actor: User, field: str) -> Q | None:
    """None means everyone (ADMIN)."""
    if actor.role == Role.ADMIN:
        return None
    q = Q(**{field: actor})
    if actor.role == Role.STAFF:
        q |= Q(**{f"{field}__manager": actor})
    return q


# What an entry's API representation reads: its own columns plus the public ids (and project
# code) of the rows it points to. Listing loads only these, not whole users and projects.
ENTRY_OUTPUT_COLUMNS = (
    "uuid",
    "user__uuid",
    "start",
    "end",
    "project__uuid",
    "project__code",
    "task__uuid",
    "activity",
    "notes",
    "billable",
    "session__uuid",
    "created_at",
    "updated_at",
)


def time_entry_list(*, actor: User, lean: bool = False) -> QuerySet[TimeEntry]:
    """Entries `actor` may see, newest first, with what the output needs joined in. `lean`
    loads only ENTRY_OUTPUT_COLUMNS (for listing: a page of entries is serialized, never
    changed), which on a page of 50 avoids building 150 related rows the response ignores."""
    entries = TimeEntry.objects.select_related("user", "project", "task", "session")
    if lean:
        entries = entries.only(*ENTRY_OUTPUT_COLUMNS)
    q = _people_q(actor, "user")
    return entries if q is None else entries.filter(q)


# A listing row: the output columns as one tuple (no model instance is built).
ENTRY_ROW_COLUMNS = ENTRY_OUTPUT_COLUMNS


@dataclass(frozen=True)
class EntryRows:
    """One page of listing rows (tuples of ENTRY_ROW_COLUMNS) and how many entries match in all."""

    count: int
    rows: list[tuple]


def time_entry_rows(
    *, actor: User, start: datetime | None, end: datetime | None, offset: int, limit: int
) -> EntryRows | None:
    """The page `[offset, offset + limit)` of the entries `actor` may see that overlap
    [start, end) (either end may be open), newest first, as the listing's default order
    (-start, -id) gives them; None when the page lies past the last entry (offset > 0 and no row).

    A bounded window of someone who is not ADMIN (a week of one person's or a team's entries,
    tens of rows) is counted in the same query with `count(*) OVER ()`: one round trip instead
    of two. An open window or an ADMIN's (every user's entries) is counted by its own COUNT
    query, which an index answers without sorting every matching row as the window function
    would. A USER's own week on PostgreSQL runs as written-out SQL (OWN_WEEK_SQL)."""
    if start is not None and end is not None and actor.role == Role.USER and connection.vendor == "postgresql":
        return _own_week_rows(actor=actor, start=start, end=end, offset=offset, limit=limit)
    entries = time_entry_list(actor=actor)
    if start is not None:
        entries = entries.filter(Q(end__isnull=True) | Q(end__gt=start))
    if end is not None:
        entries = entries.filter(start__lt=end)
    entries = entries.order_by("-start", "-id")
    if start is not None and end is not None and actor.role != Role.ADMIN:
        rows = list(
            entries.annotate(total=Window(Count("pk"))).values_list(*ENTRY_ROW_COLUMNS, "total")[
                offset : offset + limit
            ]
        )
        if not rows:
            return None if offset else EntryRows(count=0, rows=[])
        return EntryRows(count=rows[0][-1], rows=[row[:-1] for row in rows])
    count = entries.count()
    if offset and offset >= count:
        return None
    return EntryRows(count=count, rows=list(entries.values_list(*ENTRY_ROW_COLUMNS)[offset : offset + limit]))


# The ORM query of time_entry_rows for a USER's bounded window, written out: building and
# compiling it is most of a listing's Python time. tests/test_hot_paths.py holds both to the same
# rows.
OWN_WEEK_SQL = """
    SELECT e.uuid, u.uuid, e.start, e."end", p.uuid, p.code, t.uuid, e.activity, e.notes, e.billable,
           s.uuid, e.created_at, e.updated_at, COUNT(*) OVER ()
    FROM tracking_timeentry e
    JOIN accounts_user u ON u.id = e.user_id
    LEFT JOIN tracking_project p ON p.id = e.project_id
    LEFT JOIN tracking_task t ON t.id = e.task_id
    LEFT JOIN tracking_session s ON s.id = e.session_id
    WHERE e.user_id = %s AND e.start < %s AND (e."end" IS NULL OR e."end" > %s)
    ORDER BY e.start DESC, e.id DESC
    LIMIT %s OFFSET %s"""


def _own_week_rows(*, actor: User, start: datetime, end: datetime, offset: int, limit: int) -> EntryRows | None:
    with connection.cursor() as cursor:
        compiled_timestamps(cursor)  # four a row: most of reading a page with Django's loader
        cursor.execute(OWN_WEEK_SQL, [actor.pk, end, start, limit, offset])
        rows = cursor.fetchall()
    if not rows:
        return None if offset else EntryRows(count=0, rows=[])
    return EntryRows(count=rows[0][-1], rows=[row[:-1] for row in rows])


def time_entry_running(*, user: User) -> TimeEntry | None:
    return (
        TimeEntry.objects.select_related("user", "project", "task", "session")
        .filter(user=user, end__isnull=True)
        .first()
    )


def project_list(*, actor: User) -> QuerySet[Project]:
    """Active projects for everyone; STAFF and ADMIN also see archived ones."""
    projects = Project.objects.all()
    return projects if actor.is_staff_role else projects.filter(archived=False)


def task_list(*, actor: User) -> QuerySet[Task]:
    tasks = Task.objects.select_related("project")
    return tasks if actor.is_staff_role else tasks.filter(archived=False, project__archived=False)


def _peer_sessions_q(actor: User) -> Q:
    """Sessions `actor` takes part in as a peer: their own, those they joined, and those a
    `session_visibility` rule opens (their groups'). There they see every lap and participant."""
    q = Q(owner=actor) | Q(pk__in=SessionParticipant.objects.filter(user=actor).values("session"))
    for rule_q in session_visibility.call(actor):
        q |= Q(pk__in=Session.objects.filter(rule_q).values("pk"))
    return q


def _others_time_q(actor: User, user_field: str, session_field: str) -> Q | None:
    """Whose laps and participation `actor` may read in a session: the people whose entries
    `/time-entries/` shows them (`_people_q`), and everyone in a session where they are a peer.
    A STAFF who sees a report's session only as their manager sees the report's laps, not those
    of the report's guests. None means everyone (ADMIN)."""
    people = _people_q(actor, user_field)
    if people is None:
        return None
    return people | Q(**{f"{session_field}__in": Session.objects.filter(_peer_sessions_q(actor)).values("pk")})


def _laps_prefetch(actor: User) -> Prefetch:
    """Laps `actor` may read, in order, with their images (one more query for any number of laps)."""
    images = Prefetch("images", queryset=LapImage.objects.select_related("image", "lap"))
    laps = TimeEntry.objects.select_related("user", "project", "task")
    visible = _others_time_q(actor, "user", "session")
    if visible is not None:
        laps = laps.filter(visible)
    return Prefetch("laps", queryset=laps.prefetch_related(images).order_by("start", "pk"))


def _sessions_q(actor: User) -> Q | None:
    """The sessions `actor` may see; None means every one (ADMIN)."""
    q = _people_q(actor, "owner")
    return None if q is None else q | _peer_sessions_q(actor)


def session_list(*, actor: User) -> QuerySet[Session]:
    """Sessions `actor` may see, newest first, with owner and the laps they may read loaded (two
    queries for any number of sessions)."""
    sessions = Session.objects.select_related("owner").prefetch_related(_laps_prefetch(actor))
    q = _sessions_q(actor)
    return sessions if q is None else sessions.filter(q)


# Session.from_db takes the model's concrete fields in their order.
SESSION_COLUMNS = tuple(field.attname for field in Session._meta.concrete_fields)


# The first query of session_addressed, written out for PostgreSQL (compiling the ORM query cost
# more than running it): SESSION_COLUMNS, then the owner's public id. tests/test_hot_paths.py
# holds both to the same row.
SESSION_SQL = """
    SELECT s.id, s.uuid, s.owner_id, s.title, s.notes, s.status, s.started_at, s.ended_at, s.created_at,
           s.updated_at, u.uuid
    FROM tracking_session s JOIN accounts_user u ON u.id = s.owner_id
    WHERE s.uuid = %s"""


def session_addressed(*, actor: User, uuid, orm: bool = False) -> tuple[Session, UUID] | None:
    """The session with public id `uuid` and its owner's public id, if `actor` may see it (as
    `session_list` scopes): its own columns only, no laps. One query when `actor` owns it or is an
    ADMIN (who see it whatever else holds), two otherwise. On PostgreSQL the first is SESSION_SQL
    (unless `orm`)."""
    if connection.vendor == "postgresql" and not orm:
        with connection.cursor() as cursor:
            cursor.execute(SESSION_SQL, [UUID(str(uuid))])
            rows = cursor.fetchall()
    else:
        rows = list(Session.objects.filter(uuid=uuid).order_by().values_list(*SESSION_COLUMNS, "owner__uuid")[:1])
    if not rows:
        return None
    session = Session.from_db(DEFAULT_DB_ALIAS, SESSION_COLUMNS, rows[0][:-1])
    if (
        not sees_all_of(actor=actor, session=session)
        and not Session.objects.filter(_sessions_q(actor), pk=session.pk).exists()
    ):
        return None
    return session, rows[0][-1]


# A lap as the session output shows it, with one of its images (LEFT JOIN: one row per image, or
# one row without an image): the lap's columns (LAP_COLUMN_COUNT), the image's, and the lap's user
# (for session_sync).
LAP_COLUMN_COUNT = 10  # the first ten ENTRY_OUTPUT_COLUMNS: an entry's own fields, without its session
LAP_ROW_COLUMNS = (
    *ENTRY_OUTPUT_COLUMNS[:LAP_COLUMN_COUNT],
    "images__image__uuid",
    "images__image__key",
    "images__image__content_type",
    "images__image__byte_size",
    "images__image__width",
    "images__image__height",
    "images__created_at",
    "user_id",
)
LAP_ORDER = ("start", "pk", "images__created_at", "images__id")

# The query of session_lap_rows for every lap of a session, written out for PostgreSQL: building
# and compiling the ORM query was a third of a session command's Python time.
# tests/test_hot_paths.py holds both to the same rows.
SESSION_LAPS_SQL = """
    SELECT e.uuid, u.uuid, e.start, e."end", p.uuid, p.code, t.uuid, e.activity, e.notes, e.billable,
           i.uuid, i.key, i.content_type, i.byte_size, i.width, i.height, li.created_at, e.user_id
    FROM tracking_timeentry e
    JOIN accounts_user u ON u.id = e.user_id
    LEFT JOIN tracking_project p ON p.id = e.project_id
    LEFT JOIN tracking_task t ON t.id = e.task_id
    LEFT JOIN tracking_lapimage li ON li.lap_id = e.id
    LEFT JOIN media_image i ON i.id = li.image_id
    WHERE e.session_id = %s
    ORDER BY e.start, e.id, li.created_at, li.id"""


def sees_all_of(*, actor: User, session: Session) -> bool:
    """Whether `actor` sees `session` and every lap of it whatever else holds: its owner and an
    ADMIN do (for anyone else `_sessions_q` and `_others_time_q` decide)."""
    return session.owner_id == actor.pk or actor.role == Role.ADMIN


def session_all_lap_rows(*, session: Session, orm: bool = False) -> list[tuple]:
    """Every lap of `session` as rows of LAP_ROW_COLUMNS, in order, one per image: one query
    (on PostgreSQL SESSION_LAPS_SQL, unless `orm`)."""
    if connection.vendor == "postgresql" and not orm:
        with connection.cursor() as cursor:
            cursor.execute(SESSION_LAPS_SQL, [session.pk])
            return cursor.fetchall()
    return list(TimeEntry.objects.filter(session_id=session.pk).order_by(*LAP_ORDER).values_list(*LAP_ROW_COLUMNS))


def session_lap_rows(*, actor: User, session: Session) -> list[tuple]:
    """The laps of `session` that `actor` may read (`_laps_prefetch`'s), in order, with their
    images in order: rows of LAP_ROW_COLUMNS, one per image (a lap without images has one row
    whose image columns are None). `actor` must be able to see the session. No query when the
    rows of every lap are in hand (`session.lap_rows`, kept by session_sync for a command) and
    `actor` reads every lap; one otherwise."""
    if sees_all_of(actor=actor, session=session):
        kept = getattr(session, "lap_rows", None)
        return kept if kept is not None else session_all_lap_rows(session=session)
    laps = TimeEntry.objects.filter(session_id=session.pk)
    visible = _others_time_q(actor, "user", "session")
    if visible is not None:
        laps = laps.filter(visible)
    return list(laps.order_by(*LAP_ORDER).values_list(*LAP_ROW_COLUMNS))


# session_running_laps's query written out for PostgreSQL: every column of TimeEntry, in the
# model's order (TimeEntry.from_db takes them so), newest first as the model orders entries.
RUNNING_LAPS_SQL = """
    SELECT e.id, e.uuid, e.user_id, e.start, e."end", e.project_id, e.task_id, e.activity, e.notes, e.billable,
           e.session_id, e.exclusive, e.created_at, e.updated_at
    FROM tracking_timeentry e
    WHERE e.session_id = %s AND e."end" IS NULL AND (%s::bigint IS NULL OR e.user_id = %s::bigint)
    ORDER BY e.start DESC, e.id DESC"""
ENTRY_COLUMNS = tuple(field.attname for field in TimeEntry._meta.concrete_fields)


def session_running_laps(*, session: Session, user: User | None = None, orm: bool = False) -> list[TimeEntry]:
    """The running laps of `session` (only `user`'s, when given), newest first, as model instances
    to write: one query (on PostgreSQL RUNNING_LAPS_SQL, unless `orm`)."""
    user_id = None if user is None else user.pk
    if connection.vendor == "postgresql" and not orm:
        with connection.cursor() as cursor:
            cursor.execute(RUNNING_LAPS_SQL, [session.pk, user_id, user_id])
            return [TimeEntry.from_db(DEFAULT_DB_ALIAS, ENTRY_COLUMNS, row) for row in cursor.fetchall()]
    laps = TimeEntry.objects.filter(session_id=session.pk, end__isnull=True)
    return list(laps if user_id is None else laps.filter(user_id=user_id))


def session_latest(*, actor: User) -> Session | None:
    """`actor`'s own most recently created session."""
    return session_list(actor=actor).filter(owner=actor).first()


def session_overlapping(
    sessions: QuerySet[Session], *, start: datetime, end: datetime, now: datetime | None = None
) -> QuerySet[Session]:
    """Sessions whose span overlaps [start, end): from the first lap (or creation, if none yet)
    to the end (or now, while not stopped)."""
    now = now or timezone.now()
    open_until_now = Q(ended_at__isnull=True) if now > start else Q(pk__in=[])
    return (
        sessions.annotate(span_start=Coalesce("started_at", "created_at"))
        .filter(span_start__lt=end)
        .filter(Q(ended_at__gt=start) | open_until_now)
    )


@dataclass(frozen=True)
class ParticipantRow:
    participant: SessionParticipant
    seconds: int
    is_owner: bool


def session_participants(*, actor: User, session: Session, now: datetime | None = None) -> list[ParticipantRow]:
    """Everyone who joined the session that `actor` may read (all of them for a peer, see
    `_others_time_q`) with the time they logged in it (running laps up to now). Two queries."""
    now = now or timezone.now()
    seconds: dict[int, float] = defaultdict(float)
    for user_id, start, end in session.laps.values_list("user_id", "start", "end"):
        seconds[user_id] += max(0.0, ((end or now) - start).total_seconds())
    participants = SessionParticipant.objects.filter(session=session).select_related("user")
    visible = _others_time_q(actor, "user", "session")
    if visible is not None:
        participants = participants.filter(visible)
    return [
        ParticipantRow(participant=p, seconds=int(seconds[p.user_id]), is_owner=p.user_id == session.owner_id)
        for p in participants
    ]
