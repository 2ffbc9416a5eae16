"""Reads of groups data, scoped to what `actor` may see.

Groups: a member sees their groups; an ADMIN reads every group (without being able to act in
it). Invites: the person invited and the group's owners and admins. Group sessions: the group's
members (through the visibility rule registered with tracking)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from accounts.models import User
from groups.models import MANAGER_ROLES, Group, GroupSession, Invite, InviteStatus, Membership, Period
from tracking.models import Session, TimeEntry


def group_list(*, actor: User) -> QuerySet[Group]:
    """Groups `actor` belongs to (every group for an ADMIN), with `my_role` (None when not a
    member) and `member_count` annotated: one query for any number of groups."""
    my_role = Membership.objects.filter(group=OuterRef("pk"), user=actor).values("role")[:1]
    member_count = (
        Membership.objects.filter(group=OuterRef("pk")).order_by().values("group").annotate(n=Count("pk")).values("n")
    )
    groups = Group.objects.select_related("owner").annotate(
        my_role=Subquery(my_role),
        member_count=Coalesce(Subquery(member_count, output_field=IntegerField()), 0),
    )
    return groups if actor.is_admin_role else groups.filter(my_role__isnull=False)


def group_members(*, group: Group) -> QuerySet[Membership]:
    return Membership.objects.filter(group=group).select_related("user", "group")


def group_member(*, group: Group, user_id) -> Membership | None:
    return group_members(group=group).filter(user__uuid=user_id).first()


def invite_list(*, actor: User) -> QuerySet[Invite]:
    """Invites addressed to `actor` (their account, or their verified address before they had one)
    and the invites of groups they own or administer; pending first, then newest."""
    managed = Membership.objects.filter(user=actor, role__in=MANAGER_ROLES).values("group")
    addressed = Q(invitee=actor)
    if actor.email_verified:  # an invite to an address is theirs once they verified it
        addressed |= Q(invitee__isnull=True, email=actor.email)
    return (
        Invite.objects.filter(addressed | Q(group__in=managed))
        .select_related("group", "inviter", "invitee")
        .annotate(
            addressed_to_me=Case(When(addressed, then=Value(True)), default=Value(False)),
            open_first=Case(When(status=InviteStatus.PENDING, then=Value(0)), default=Value(1)),
        )
        .order_by("open_first", "-created_at", "-id")
    )


def group_member_sessions_q(actor: User) -> Q:
    """Tracking's visibility rule: the sessions of every group `actor` belongs to."""
    return Q(pk__in=GroupSession.objects.filter(group__memberships__user=actor).values("session"))


def group_session_list(*, group: Group) -> QuerySet[Session]:
    """The group's sessions, newest first, with owner and participant count: one query."""
    active = Count("participants", filter=Q(participants__left_at__isnull=True), distinct=True)
    return (
        Session.objects.filter(group_link__group=group)
        .select_related("owner")
        .annotate(participant_count=active)
        .order_by("-created_at", "-id")
    )


def group_session_scope(*, actor: User) -> QuerySet[Session]:
    """Group sessions `actor` may address: those of groups they belong to (every group session
    for an ADMIN, who reads all groups; joining still takes a membership)."""
    sessions = Session.objects.filter(group_link__isnull=False)
    if not actor.is_admin_role:
        sessions = sessions.filter(group_link__group__memberships__user=actor)
    return sessions.select_related("group_link__group")


# --- Progress -------------------------------------------------------------------------------


def period_bounds(*, period: str, zone_name: str, now: datetime) -> tuple[datetime, datetime]:
    """The current period containing `now`, in the zone: a local day, an ISO week (Monday to
    Sunday) or a calendar month, from local midnight to local midnight (so a period with a
    daylight-saving change is an hour shorter or longer). Returned in UTC."""
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    if period == Period.DAY:
        first, after = today, today + timedelta(days=1)
    elif period == Period.WEEK:
        first = today - timedelta(days=today.weekday())
        after = first + timedelta(days=7)
    else:
        first = today.replace(day=1)
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return _midnight(first, zone), _midnight(after, zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))


@dataclass(frozen=True)
class MemberProgress:
    membership: Membership
    seconds: int
    minutes: int
    goal_minutes: int
    percent: int
    rank: int


@dataclass(frozen=True)
class GroupProgress:
    group: Group
    period_start: datetime
    period_end: datetime
    as_of: datetime
    members: list[MemberProgress]


def group_progress_current(*, group: Group, now: datetime | None = None) -> GroupProgress:
    """Each member's time in the group's sessions during the current period, against their goal
    (personal override, else the group's), ranked. One query, whatever the number of members.

    Laps are clipped to the period; a running lap counts up to `now`. `minutes` are whole
    minutes (seconds // 60); `percent` is floor(100 * minutes / goal) and may exceed 100. `rank`
    orders by minutes, most first; equal minutes share a rank and the next rank skips (1, 2, 2,
    4). Rows with equal rank are ordered by name."""
    now = now or timezone.now()
    start, end = period_bounds(period=group.period, zone_name=group.timezone, now=now)
    counted = Least(Coalesce("end", Value(now, output_field=DateTimeField())), Value(end)) - Greatest(
        "start", Value(start)
    )
    laps = (
        TimeEntry.objects.filter(user=OuterRef("user_id"), session__group_link__group=group.pk, start__lt=end)
        .filter(Q(end__gt=start) | Q(end__isnull=True, start__lt=now))
        .order_by()
        .values("user")
        .annotate(total=Sum(counted, output_field=DurationField()))
        .values("total")
    )
    memberships = group_members(group=group).annotate(
        tracked=Coalesce(Subquery(laps, output_field=DurationField()), Value(timedelta(0)))
    )
    rows = []
    for membership in memberships:
        seconds = max(0, int(membership.tracked.total_seconds()))
        goal = membership.goal_minutes or group.goal_minutes
        rows.append((membership, seconds, seconds // 60, goal))
    rows.sort(key=lambda row: (-row[2], row[0].user.name.lower(), row[0].user.email))
    members = []
    for index, (membership, seconds, minutes, goal) in enumerate(rows):
        rank = members[-1].rank if members and members[-1].minutes == minutes else index + 1
        members.append(
            MemberProgress(
                membership=membership,
                seconds=seconds,
                minutes=minutes,
                goal_minutes=goal,
                percent=minutes * 100 // goal,
                rank=rank,
            )
        )
    return GroupProgress(group=group, period_start=start, period_end=end, as_of=now, members=members)
