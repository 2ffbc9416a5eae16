"""Reads of shared reports: the owner's list, and the report behind a link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from analytics.models import ReportShare
from analytics.selectors.scope import params_from_json, report_query
from analytics.selectors.summary import Summary, summary_report
from config.errors import NotFound


@dataclass(frozen=True)
class SharedSummary:
    share: ReportShare
    summary: Summary


def report_share_list(*, actor: User) -> QuerySet[ReportShare]:
    """The links `actor` made; every link for an ADMIN (who may revoke any)."""
    shares = ReportShare.objects.select_related("owner")
    return shares if actor.is_admin_role else shares.filter(owner=actor)


def shared_summary(*, token: str, now: datetime | None = None) -> SharedSummary:
    """The report behind a link, computed now as its owner would see it. NotFound for an unknown,
    expired or revoked link, or one whose owner's account is closed."""
    now = now or timezone.now()
    share = (
        ReportShare.objects.select_related("owner")
        .filter(token=token, revoked_at__isnull=True, expires_at__gt=now, owner__is_active=True)
        .first()
    )
    if share is None:
        raise NotFound("This link does not exist, has expired or was revoked.")
    params = params_from_json(share.params)
    query = report_query(actor=share.owner, params=params, now=now)
    summary = summary_report(query=query, group=params.get("group", "project"), sub_group=params.get("sub_group"))
    return SharedSummary(share=share, summary=summary)
