"""Team compliance: every visible user's breaches of the working-time rules in a window.

The rules, their limits and the arithmetic (local days and weeks, merged overlaps, running
timers, rest between working days) are tracking's: this report calls
`tracking.compliance.compliance_violations` once and arranges its answer per person.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_list
from analytics.selectors.scope import visible_user_pks
from tracking.compliance import Limits, Violation, compliance_violations


@dataclass(frozen=True)
class PersonCompliance:
    user: User
    violations: list[Violation]


@dataclass(frozen=True)
class TeamCompliance:
    start: datetime
    end: datetime
    limits: Limits
    people: list[PersonCompliance]

    @property
    def violation_count(self) -> int:
        return sum(len(person.violations) for person in self.people)


def team_compliance(
    *, actor: User, start: datetime, end: datetime, users: tuple[UUID, ...] = (), now: datetime | None = None
) -> TeamCompliance:
    """Each user `actor` may see (or each of `users`, all of whom they must be allowed to see:
    404 otherwise), with the violations whose period overlaps [start, end). Three queries
    (people, entries and the settings they join), plus one to check `users`."""
    people = user_list(actor=actor).select_related(None).order_by("display_name", "email")
    if users:
        people = people.filter(pk__in=visible_user_pks(actor=actor, ids=users))
    people = list(people)
    found = compliance_violations(
        actor=actor, start=start, end=end, now=now or timezone.now(), user_id=users[0] if len(users) == 1 else None
    )
    by_user: dict[UUID, list[Violation]] = defaultdict(list)
    for violation in found:
        by_user[violation.user_id].append(violation)
    return TeamCompliance(
        start=start,
        end=end,
        limits=Limits.from_settings(),
        people=[PersonCompliance(user=person, violations=by_user.get(person.uuid, [])) for person in people],
    )
