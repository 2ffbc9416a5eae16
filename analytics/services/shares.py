"""Shared reports: a tokenized, expiring, revocable read-only link to a summary report."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from analytics.models import ReportShare
from analytics.selectors.scope import params_to_json, report_query, visible_user_pks
from audit.models import Action
from audit.services import audit_record
from config.errors import ValidationFailed

TOKEN_BYTES = 32


@transaction.atomic
def report_share_create(
    *,
    actor: User,
    params: Mapping[str, Any],
    expires_at: datetime | None = None,
    title: str = "",
    now: datetime | None = None,
) -> ReportShare:
    """Share the summary report `params` describe (validated parameters) until `expires_at`
    (default REPORT_SHARE_DEFAULT_DAYS from now, at most REPORT_SHARE_MAX_DAYS). A user in
    `users` outside the actor's scope is a 404 now, not a broken link later. One audit row: the
    link is a new way in."""
    now = now or timezone.now()
    expires_at = expires_at or now + timedelta(days=settings.REPORT_SHARE_DEFAULT_DAYS)
    if expires_at <= now:
        raise ValidationFailed("The link must expire in the future.", fields={"expires_at": ["Must be in the future."]})
    if expires_at > now + timedelta(days=settings.REPORT_SHARE_MAX_DAYS):
        message = f"At most {settings.REPORT_SHARE_MAX_DAYS} days from now."
        raise ValidationFailed(message, fields={"expires_at": [message]})
    query = report_query(actor=actor, params=params, now=now)
    if query.users:
        visible_user_pks(actor=actor, ids=query.users)
    share = ReportShare.objects.create(
        owner=actor,
        token=secrets.token_urlsafe(TOKEN_BYTES),
        title=title,
        params=params_to_json(params),
        created_at=now,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action=Action.REPORT_SHARE_CREATE,
        target=share,
        changes={"expires_at": expires_at.isoformat(), "params": share.params},
    )
    return share


@transaction.atomic
def report_share_revoke(*, actor: User, share: ReportShare, now: datetime | None = None) -> ReportShare:
    """Revoke the link from now on (the owner's, or any for an ADMIN). Revoking a revoked link
    changes nothing and writes no row; otherwise one audit row."""
    now = now or timezone.now()
    if ReportShare.objects.filter(pk=share.pk, revoked_at__isnull=True).update(revoked_at=now):
        audit_record(actor=actor, action=Action.REPORT_SHARE_REVOKE, target=share, changes={"owner": share.owner.email})
    share.refresh_from_db()
    return share
