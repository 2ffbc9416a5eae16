"""Prepare a benchmark run: access tokens for the first N benchmark users and fresh planned
sessions for the start/stop scenario. Deletes what earlier runs wrote (entries in 2026 and
benchmark sessions), so every run starts from the same state.

    DATABASE_URL=... ACCESS_TOKEN_MIN=240 python bench/prepare_clients.py --out bench/results
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.tokens import issue_token_pair  # noqa: E402
from tracking.models import Session, SessionStatus, TimeEntry  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200, help="benchmark users that send requests")
    parser.add_argument("--sessions-per-client", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument(
        "--stop-running",
        action="store_true",
        help="only stop the clients' sessions a timed run left running (its last start got no stop)",
    )
    args = parser.parse_args()
    if args.stop_running:
        stop_running()
        return

    users = list(User.objects.filter(email__startswith="bench").order_by("email")[: args.clients])
    if len(users) < args.clients:
        sys.exit("Load the data set first: python bench/load_data.py")
    with transaction.atomic():
        TimeEntry.objects.filter(user__in=users, start__gte=datetime(2026, 1, 1, tzinfo=UTC)).delete()
        Session.objects.filter(owner__in=users).delete()
        sessions = Session.objects.bulk_create(
            [Session(owner=user, title=f"bench {n}") for user in users for n in range(args.sessions_per_client)]
        )
    args.out.mkdir(parents=True, exist_ok=True)
    tokens = {user.pk: issue_token_pair(user).access for user in users}
    (args.out / "tokens.txt").write_text("".join(f"{tokens[user.pk]}\n" for user in users))
    # One line per session, grouped by user: "<token> <session id>".
    lines = [f"{tokens[s.owner_id]} {s.uuid}\n" for s in sessions]
    (args.out / "sessions.txt").write_text("".join(lines))
    print(f"{len(users)} clients, {len(sessions):,} planned sessions, written to {args.out}/")


def stop_running() -> None:
    """A wrk run ends wherever its clock does, so a connection's last start may get no stop: that
    session keeps its owner's timer running, and every start of that owner in the next round
    would be a 409. Stopped here, through the service, between rounds."""
    from tracking.services.sessions import session_stop

    running = Session.objects.filter(owner__email__startswith="bench", status=SessionStatus.RUNNING).select_related(
        "owner"
    )
    for session in running:
        session_stop(actor=session.owner, session=session)


if __name__ == "__main__":
    main()
