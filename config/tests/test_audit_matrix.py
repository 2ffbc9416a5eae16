"""The audit rule over HTTP, across apps: a change made by someone other than the owner of the
data, and every change of access, writes exactly one audit row naming the actor, the action,
the target and what changed; people changing their own entries, sessions and personal goals
write none.

Each case arranges its data, then returns the request to make and the row it must write. Only
rows written by that request count (arranging may call services)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pyotp
import pytest
from django.db import models
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import Role, TotpDevice
from accounts.services.mfa import mfa_challenge_issue
from accounts.services.recovery import password_reset_token
from accounts.services.verification import verification_token
from accounts.tests.factories import PASSWORD, AdminFactory, StaffFactory, UserFactory
from accounts.tokens import issue_token_pair
from analytics.models import CalendarFeed, ReportShare
from analytics.services.calendar import calendar_feed_get_or_create
from analytics.services.shares import report_share_create
from audit.models import Action, AuditEvent
from config.testing import bearer_client
from groups.models import Invite, MembershipRole
from groups.tests.factories import GroupFactory, InviteFactory, MembershipFactory
from leave.models import LeaveLedgerEntry
from leave.tests.factories import HolidayFactory, LeaveRequestFactory, ensure_default_leave_types, ledger_row
from scheduling.tests.factories import AppointmentFactory, ScheduleFactory, ServiceFactory
from tracking.models import TimeEntry
from tracking.services import sessions
from tracking.tests.factories import SessionFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


@dataclass
class Expected:
    actor: Any
    action: Action
    target: models.Model | Callable[[Any], models.Model]
    changes: dict | Callable[[Any], dict]


@dataclass
class Case:
    request: Callable[[], Any]
    row: Expected | None  # None: the request must write no row


def _resolve(value: Any, response) -> Any:
    """A value, or a function of the response that gives it."""
    return value(response) if callable(value) else value


def _pending_refresh_tokens(user) -> int:
    return OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).count()


def _running_timer(user) -> TimeEntry:
    return TimeEntryFactory(user=user, start=timezone.now() - timedelta(hours=1), end=None)


# --- accounts: roles, activation, managers, own credentials, sign-in ---------------------------


def admin_changes_a_role():
    admin, target = AdminFactory(), UserFactory()
    return Case(
        lambda: bearer_client(admin).patch(f"/api/v1/users/{target.uuid}/", {"role": Role.STAFF}),
        Expected(admin, Action.USER_ROLE_CHANGE, target, {"role": ["USER", "STAFF"]}),
    )


def admin_deactivates_a_user():
    admin, target = AdminFactory(), UserFactory()
    return Case(
        lambda: bearer_client(admin).patch(f"/api/v1/users/{target.uuid}/", {"is_active": False}),
        Expected(admin, Action.USER_ADMIN_UPDATE, target, {"is_active": [True, False]}),
    )


def admin_sets_a_manager():
    admin, target, manager = AdminFactory(), UserFactory(), StaffFactory()
    return Case(
        lambda: bearer_client(admin).patch(f"/api/v1/users/{target.uuid}/", {"manager": str(manager.uuid)}),
        Expected(admin, Action.USER_ADMIN_UPDATE, target, {"manager": [None, manager.email]}),
    )


def user_asks_to_change_their_email():
    user = UserFactory()
    old = user.email
    return Case(
        lambda: bearer_client(user).patch(
            "/api/v1/auth/me/", {"email": "renamed@example.com", "current_password": PASSWORD}
        ),
        Expected(user, Action.USER_EMAIL_CHANGE_REQUEST, user, {"email": [old, "renamed@example.com"]}),
    )


def user_verifies_their_new_email():
    user = UserFactory(pending_email="renamed@example.com")
    old = user.email
    token = verification_token(user=user, address="renamed@example.com")
    return Case(
        lambda: APIClient().post("/api/v1/auth/verify-email/", {"token": token}),
        Expected(user, Action.USER_EMAIL_CHANGE, user, {"email": [old, "renamed@example.com"]}),
    )


def user_verifies_their_address():
    user = UserFactory(email_verified=False)
    token = verification_token(user=user, address=user.email)
    return Case(
        lambda: APIClient().post("/api/v1/auth/verify-email/", {"token": token}),
        Expected(user, Action.USER_EMAIL_VERIFY, user, {"email": user.email}),
    )


def user_resets_their_password():
    user = UserFactory()
    issue_token_pair(user)  # a session, ended by the reset
    token = password_reset_token(user=user)
    return Case(
        lambda: APIClient().post(
            "/api/v1/auth/password-reset/confirm/", {"token": token, "new_password": "Another-Horse-43"}
        ),
        Expected(user, Action.USER_PASSWORD_RESET, user, {"refresh_tokens_revoked": 1}),
    )


def _with_authenticator(user, *, at_step: int = 0) -> pyotp.TOTP:
    device = TotpDevice.objects.create(
        user=user, secret=pyotp.random_base32(), confirmed_at=timezone.now(), last_used_step=at_step
    )
    return pyotp.TOTP(device.secret)


def user_with_two_factor_gets_a_challenge():
    user = UserFactory()
    _with_authenticator(user)
    return Case(
        lambda: APIClient().post("/api/v1/auth/login/", {"email": user.email, "password": PASSWORD}),
        Expected(user, Action.AUTH_MFA_CHALLENGE, user, {"step": "verify"}),
    )


def user_completes_sign_in_with_a_code():
    user = UserFactory()
    totp = _with_authenticator(user)
    challenge = mfa_challenge_issue(user=user, step="verify").token
    return Case(
        lambda: APIClient().post("/api/v1/auth/mfa/verify/", {"challenge": challenge, "code": totp.now()}),
        Expected(user, Action.AUTH_LOGIN, user, {"mfa": "totp"}),
    )


def user_starts_two_factor_setup():
    user = UserFactory()
    return Case(
        lambda: bearer_client(user).post("/api/v1/auth/mfa/totp/"), Expected(user, Action.AUTH_MFA_SETUP, user, {})
    )


def user_turns_on_two_factor():
    user = UserFactory()
    device = TotpDevice.objects.create(user=user, secret=pyotp.random_base32())
    code = pyotp.TOTP(device.secret).now()
    return Case(
        lambda: bearer_client(user).post("/api/v1/auth/mfa/totp/confirm/", {"code": code}),
        Expected(user, Action.AUTH_MFA_ENABLE, user, {"replaced": False}),
    )


def user_turns_off_two_factor():
    user = UserFactory()
    code = _with_authenticator(user).now()
    return Case(
        lambda: bearer_client(user).delete("/api/v1/auth/mfa/totp/", {"code": code}, format="json"),
        Expected(user, Action.AUTH_MFA_DISABLE, user, {"with": "totp"}),
    )


def user_changes_their_password():
    user = UserFactory()
    client = bearer_client(user)
    issue_token_pair(user)  # a second session, ended by the change
    return Case(
        lambda: client.patch("/api/v1/auth/me/", {"new_password": "Another-Horse-43", "current_password": PASSWORD}),
        Expected(user, Action.USER_PASSWORD_CHANGE, user, {"refresh_tokens_revoked": _pending_refresh_tokens(user)}),
    )


def user_signs_in():
    user = UserFactory()
    return Case(
        lambda: bearer_client(user).post("/api/v1/auth/login/", {"email": user.email, "password": PASSWORD}),
        Expected(user, Action.AUTH_LOGIN, user, {}),
    )


def user_signs_out():
    user = UserFactory()
    pair = issue_token_pair(user)
    return Case(
        lambda: bearer_client(user).post("/api/v1/auth/logout/", {"refresh_token": pair.refresh}),
        Expected(user, Action.AUTH_LOGOUT, user, {}),
    )


def user_ends_every_session():
    user = UserFactory()
    client = bearer_client(user)
    issue_token_pair(user)
    return Case(
        lambda: client.post("/api/v1/auth/revoke-all/"),
        Expected(user, Action.AUTH_REVOKE_ALL, user, {"refresh_tokens_revoked": _pending_refresh_tokens(user)}),
    )


# --- groups: settings, members, invites ---------------------------------------------------------


def group_admin_changes_settings():
    group = GroupFactory(name="Readers")
    manager = MembershipFactory(group=group, role=MembershipRole.ADMIN).user
    return Case(
        lambda: bearer_client(manager).patch(f"/api/v1/groups/{group.uuid}/", {"name": "Writers", "goal_minutes": 90}),
        Expected(manager, Action.GROUP_UPDATE, group, {"name": ["Readers", "Writers"], "goal_minutes": [600, 90]}),
    )


def owner_adds_a_member():
    group, newcomer = GroupFactory(), UserFactory()
    return Case(
        lambda: bearer_client(group.owner).post(f"/api/v1/groups/{group.uuid}/members/", {"user": str(newcomer.uuid)}),
        Expected(group.owner, Action.GROUP_MEMBER_ADD, group, {"user": newcomer.email, "role": "member"}),
    )


def owner_changes_a_members_role():
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    return Case(
        lambda: bearer_client(group.owner).patch(
            f"/api/v1/groups/{group.uuid}/members/{member.uuid}/", {"role": MembershipRole.ADMIN}
        ),
        Expected(
            group.owner, Action.GROUP_MEMBER_ROLE_CHANGE, group, {"user": member.email, "role": ["member", "admin"]}
        ),
    )


def manager_sets_a_members_goal():
    group = GroupFactory()
    manager = MembershipFactory(group=group, role=MembershipRole.ADMIN).user
    member = MembershipFactory(group=group, goal_minutes=120).user
    return Case(
        lambda: bearer_client(manager).patch(
            f"/api/v1/groups/{group.uuid}/members/{member.uuid}/", {"goal_minutes": 90}, format="json"
        ),
        Expected(manager, Action.GROUP_MEMBER_UPDATE, group, {"user": member.email, "goal_minutes": [120, 90]}),
    )


def manager_removes_a_member():
    group = GroupFactory()
    manager = MembershipFactory(group=group, role=MembershipRole.ADMIN).user
    member = MembershipFactory(group=group).user
    return Case(
        lambda: bearer_client(manager).delete(f"/api/v1/groups/{group.uuid}/members/{member.uuid}/"),
        Expected(manager, Action.GROUP_MEMBER_REMOVE, group, {"user": member.email, "role": "member"}),
    )


def owner_invites_someone():
    group, invitee = GroupFactory(), UserFactory()
    return Case(
        lambda: bearer_client(group.owner).post(f"/api/v1/groups/{group.uuid}/invite/", {"user": str(invitee.uuid)}),
        Expected(
            group.owner,
            Action.GROUP_INVITE_CREATE,
            lambda response: Invite.objects.get(uuid=response.json()["id"]),
            {"email": invitee.email},
        ),
    )


def _invitee_answers(answer: str, action: Action, status: str):
    def case():
        invite = InviteFactory()
        return Case(
            lambda: bearer_client(invite.invitee).post(f"/api/v1/invites/{invite.uuid}/{answer}/"),
            Expected(invite.invitee, action, invite, {"email": invite.email, "status": ["pending", status]}),
        )

    case.__name__ = f"invitee_{answer}s"
    return case


# --- tracking: an ADMIN writing someone else's entries, timers and sessions ---------------------


def admin_creates_an_entry_for_someone():
    admin, owner = AdminFactory(), UserFactory()
    start = timezone.now() - timedelta(hours=3)
    payload = {
        "start_utc": start.isoformat(),
        "end_utc": (start + timedelta(hours=1)).isoformat(),
        "activity": "Review",
        "user": str(owner.uuid),
    }
    return Case(
        lambda: bearer_client(admin).post("/api/v1/time-entries/", payload, format="json"),
        Expected(
            admin,
            Action.TIME_ENTRY_CREATE_FOR_USER,
            lambda response: TimeEntry.objects.get(uuid=response.json()["id"]),
            {"user": owner.email},
        ),
    )


def admin_edits_someones_entry():
    admin = AdminFactory()
    entry = TimeEntryFactory(notes="")
    return Case(
        lambda: bearer_client(admin).patch(f"/api/v1/time-entries/{entry.uuid}/", {"notes": "Corrected"}),
        Expected(admin, Action.TIME_ENTRY_UPDATE, entry, {"user": entry.user.email, "notes": ["", "Corrected"]}),
    )


def admin_deletes_someones_entry():
    admin = AdminFactory()
    entry = TimeEntryFactory()
    return Case(
        lambda: bearer_client(admin).delete(f"/api/v1/time-entries/{entry.uuid}/"),
        Expected(
            admin,
            Action.TIME_ENTRY_DELETE,
            entry,
            {"user": entry.user.email, "start": entry.start.isoformat(), "end": entry.end.isoformat()},
        ),
    )


def admin_stops_someones_timer():
    admin = AdminFactory()
    entry = _running_timer(UserFactory())

    def changes(response):
        entry.refresh_from_db()
        return {"user": entry.user.email, "end": entry.end.isoformat()}

    return Case(
        lambda: bearer_client(admin).post(f"/api/v1/time-entries/{entry.uuid}/stop/"),
        Expected(admin, Action.TIME_ENTRY_STOP, entry, changes),
    )


def _admin_drives_a_session(command: str, before: tuple[str, ...], status: str):
    def case():
        admin = AdminFactory()
        session = SessionFactory()
        for step in before:
            getattr(sessions, f"session_{step}")(actor=session.owner, session=session)
        return Case(
            lambda: bearer_client(admin).post(f"/api/v1/sessions/{session.uuid}/{command}/"),
            Expected(admin, Action.SESSION_TRANSITION, session, {"command": command, "status": status}),
        )

    case.__name__ = f"admin_{command}s_someones_session"
    return case


def admin_deletes_someones_session():
    admin = AdminFactory()
    session = SessionFactory()
    return Case(
        lambda: bearer_client(admin).delete(f"/api/v1/sessions/{session.uuid}/"),
        Expected(admin, Action.SESSION_DELETE, session, {"owner": session.owner.email, "laps": 0}),
    )


# --- leave: decisions, allocations and company holidays by an ADMIN --------------------------------


def _pending_leave():
    ensure_default_leave_types()
    owner = UserFactory()
    ledger_row(owner, days=25, year=2027)
    return LeaveRequestFactory(user=owner, start_date=date(2027, 3, 3), end_date=date(2027, 3, 3))


def admin_approves_someones_leave():
    admin, leave_request = AdminFactory(), _pending_leave()
    return Case(
        lambda: bearer_client(admin).post(f"/api/v1/leave/requests/{leave_request.uuid}/approve/", {"note": "Enjoy"}),
        Expected(
            admin,
            Action.LEAVE_REQUEST_APPROVE,
            leave_request,
            {"status": ["pending", "approved"], "days": "1", "note": "Enjoy"},
        ),
    )


def admin_rejects_someones_leave():
    admin, leave_request = AdminFactory(), _pending_leave()
    return Case(
        lambda: bearer_client(admin).post(f"/api/v1/leave/requests/{leave_request.uuid}/reject/", {"note": "Release"}),
        Expected(
            admin, Action.LEAVE_REQUEST_REJECT, leave_request, {"status": ["pending", "rejected"], "note": "Release"}
        ),
    )


def admin_allocates_leave():
    ensure_default_leave_types()
    admin, owner = AdminFactory(), UserFactory()
    body = {"user": str(owner.uuid), "type": "VACATION", "year": 2027, "days": 5, "note": "Long service"}
    return Case(
        lambda: bearer_client(admin).post("/api/v1/leave/allocations/", body),
        Expected(
            admin,
            Action.LEAVE_ALLOCATION,
            lambda response: LeaveLedgerEntry.objects.get(user=owner),
            {
                "user": str(owner.uuid),
                "type": "VACATION",
                "year": 2027,
                "kind": "allocation",
                "days": "5.0",
                "note": "Long service",
            },
        ),
    )


def admin_renames_a_company_holiday():
    admin, holiday = AdminFactory(), HolidayFactory(name="Company day")
    return Case(
        lambda: bearer_client(admin).patch(f"/api/v1/holidays/{holiday.uuid}/", {"name": "Founders' day"}),
        Expected(admin, Action.HOLIDAY_CHANGE, holiday, {"name": ["Company day", "Founders' day"]}),
    )


# --- scheduling: someone else moving or cancelling a customer's appointment -----------------------


def _booked_appointment():
    """A confirmed appointment next week, 09:00 in Berlin, with a staff member free all that day."""
    berlin = ZoneInfo("Europe/Berlin")
    day = timezone.now().astimezone(berlin).date() + timedelta(days=7)
    day -= timedelta(days=day.weekday() - 1)  # that week's Tuesday
    staff = StaffFactory()
    ScheduleFactory(staff=staff, valid_from=day - timedelta(days=30))
    service = ServiceFactory(staff=[staff])
    start = datetime.combine(day, time(9, 0), tzinfo=berlin).astimezone(UTC)
    return AppointmentFactory(staff=staff, service=service, start_utc=start)


def staff_cancels_a_customers_appointment():
    appointment = _booked_appointment()
    return Case(
        lambda: bearer_client(appointment.staff).post(
            f"/api/v1/appointments/{appointment.uuid}/cancel/", {"reason": "Ill today"}
        ),
        Expected(
            appointment.staff,
            Action.APPOINTMENT_CANCEL,
            appointment,
            {"customer": appointment.customer.email, "status": ["confirmed", "cancelled"], "reason": "Ill today"},
        ),
    )


def admin_reschedules_someones_appointment():
    admin, appointment = AdminFactory(), _booked_appointment()
    later = appointment.start_utc + timedelta(hours=4)
    return Case(
        lambda: bearer_client(admin).patch(
            f"/api/v1/appointments/{appointment.uuid}/", {"start_utc": later.isoformat().replace("+00:00", "Z")}
        ),
        Expected(
            admin,
            Action.APPOINTMENT_RESCHEDULE,
            appointment,
            {
                "customer": appointment.customer.email,
                "start_utc": [appointment.start_utc.isoformat(), later.isoformat()],
            },
        ),
    )


# --- analytics: report links and the calendar feed are ways in, audited even for their owner -----


# The window of the shared reports.
REPORT_FROM, REPORT_TO = datetime(2025, 10, 1, tzinfo=UTC), datetime(2025, 11, 1, tzinfo=UTC)
REPORT_WINDOW = {"from": "2025-10-01T00:00:00Z", "to": "2025-11-01T00:00:00Z"}


def user_shares_a_report():
    user = UserFactory()
    expires = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    return Case(
        lambda: bearer_client(user).post(
            "/api/v1/reports/shares/",
            {**REPORT_WINDOW, "group": "project", "expires_at": expires.isoformat()},
        ),
        Expected(
            user,
            Action.REPORT_SHARE_CREATE,
            lambda response: ReportShare.objects.get(uuid=response.json()["id"]),
            lambda response: {
                "expires_at": expires.isoformat(),
                "params": ReportShare.objects.get(uuid=response.json()["id"]).params,
            },
        ),
    )


def user_revokes_their_shared_report():
    user = UserFactory()
    share = report_share_create(actor=user, params={"from": REPORT_FROM, "to": REPORT_TO, "group": "project"})
    return Case(
        lambda: bearer_client(user).post(f"/api/v1/reports/shares/{share.uuid}/revoke/"),
        Expected(user, Action.REPORT_SHARE_REVOKE, share, {"owner": user.email}),
    )


def user_asks_for_their_calendar_feed():
    user = UserFactory()
    return Case(
        lambda: bearer_client(user).get("/api/v1/calendar/feed/"),
        Expected(user, Action.CALENDAR_FEED_CREATE, lambda response: CalendarFeed.objects.get(user=user), {}),
    )


def user_rotates_their_calendar_feed():
    user = UserFactory()
    feed = calendar_feed_get_or_create(actor=user)
    return Case(
        lambda: bearer_client(user).post("/api/v1/calendar/feed/rotate/"),
        Expected(user, Action.CALENDAR_FEED_ROTATE, feed, {}),
    )


AUDITED = [
    admin_changes_a_role,
    admin_deactivates_a_user,
    admin_sets_a_manager,
    user_asks_to_change_their_email,
    user_verifies_their_new_email,
    user_verifies_their_address,
    user_resets_their_password,
    user_changes_their_password,
    user_signs_in,
    user_with_two_factor_gets_a_challenge,
    user_completes_sign_in_with_a_code,
    user_starts_two_factor_setup,
    user_turns_on_two_factor,
    user_turns_off_two_factor,
    user_signs_out,
    user_ends_every_session,
    group_admin_changes_settings,
    owner_adds_a_member,
    owner_changes_a_members_role,
    manager_sets_a_members_goal,
    manager_removes_a_member,
    owner_invites_someone,
    _invitee_answers("accept", Action.GROUP_INVITE_ACCEPT, "accepted"),
    _invitee_answers("decline", Action.GROUP_INVITE_DECLINE, "declined"),
    admin_creates_an_entry_for_someone,
    admin_edits_someones_entry,
    admin_deletes_someones_entry,
    admin_stops_someones_timer,
    # The recorded status is the session's status when the command was given.
    _admin_drives_a_session("start", (), "planned"),
    _admin_drives_a_session("pause", ("start",), "running"),
    _admin_drives_a_session("stop", ("start",), "running"),
    admin_deletes_someones_session,
    admin_approves_someones_leave,
    admin_rejects_someones_leave,
    admin_allocates_leave,
    admin_renames_a_company_holiday,
    staff_cancels_a_customers_appointment,
    admin_reschedules_someones_appointment,
    user_shares_a_report,
    user_revokes_their_shared_report,
    user_asks_for_their_calendar_feed,
    user_rotates_their_calendar_feed,
]


# --- the owner's own data: no row -----------------------------------------------------------------


def member_sets_their_own_goal():
    membership = MembershipFactory()
    url = f"/api/v1/groups/{membership.group.uuid}/members/{membership.user.uuid}/"
    return Case(lambda: bearer_client(membership.user).patch(url, {"goal_minutes": 90}, format="json"), None)


def user_edits_their_entry():
    entry = TimeEntryFactory()
    return Case(lambda: bearer_client(entry.user).patch(f"/api/v1/time-entries/{entry.uuid}/", {"notes": "Mine"}), None)


def user_deletes_their_entry():
    entry = TimeEntryFactory()
    return Case(lambda: bearer_client(entry.user).delete(f"/api/v1/time-entries/{entry.uuid}/"), None)


def user_stops_their_timer():
    entry = _running_timer(UserFactory())
    return Case(lambda: bearer_client(entry.user).post(f"/api/v1/time-entries/{entry.uuid}/stop/"), None)


def user_edits_their_session():
    session = SessionFactory()
    url = f"/api/v1/sessions/{session.uuid}/"
    return Case(lambda: bearer_client(session.owner).patch(url, {"title": "Mine"}), None)


def _user_drives_their_session(command: str, before: tuple[str, ...]):
    def case():
        session = SessionFactory()
        for step in before:
            getattr(sessions, f"session_{step}")(actor=session.owner, session=session)
        return Case(lambda: bearer_client(session.owner).post(f"/api/v1/sessions/{session.uuid}/{command}/"), None)

    case.__name__ = f"user_{command}s_their_session"
    return case


def user_deletes_their_session():
    session = SessionFactory()
    return Case(lambda: bearer_client(session.owner).delete(f"/api/v1/sessions/{session.uuid}/"), None)


def user_cancels_their_own_leave():
    leave_request = _pending_leave()
    url = f"/api/v1/leave/requests/{leave_request.uuid}/cancel/"
    return Case(lambda: bearer_client(leave_request.user).post(url, {"note": "Plans changed"}), None)


def customer_cancels_their_own_appointment():
    appointment = _booked_appointment()
    url = f"/api/v1/appointments/{appointment.uuid}/cancel/"
    return Case(lambda: bearer_client(appointment.customer).post(url, {"reason": "Cannot come"}), None)


def customer_reschedules_their_own_appointment():
    appointment = _booked_appointment()
    later = (appointment.start_utc + timedelta(hours=4)).isoformat().replace("+00:00", "Z")
    url = f"/api/v1/appointments/{appointment.uuid}/"
    return Case(lambda: bearer_client(appointment.customer).patch(url, {"start_utc": later}), None)


NOT_AUDITED = [
    member_sets_their_own_goal,
    user_edits_their_entry,
    user_deletes_their_entry,
    user_stops_their_timer,
    user_edits_their_session,
    _user_drives_their_session("start", ()),
    _user_drives_their_session("pause", ("start",)),
    _user_drives_their_session("stop", ("start",)),
    user_deletes_their_session,
    user_cancels_their_own_leave,
    customer_cancels_their_own_appointment,
    customer_reschedules_their_own_appointment,
]


def _run(arrange) -> tuple[Any, Case, list[AuditEvent]]:
    case = arrange()
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = case.request()
    assert response.status_code < 300, response.content
    return response, case, list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))


@pytest.mark.parametrize("arrange", AUDITED, ids=lambda arrange: arrange.__name__)
def test_the_action_writes_exactly_one_audit_row(arrange):
    response, case, rows = _run(arrange)
    expected = case.row

    assert [row.action for row in rows] == [expected.action]
    row = rows[0]
    target = _resolve(expected.target, response)
    assert row.actor == expected.actor
    assert row.actor_email == expected.actor.email
    target_id = str(getattr(target, "uuid", None) or target.pk)  # as audit_record names it (a feed has no uuid)
    assert (row.target_type, row.target_id) == (target._meta.label_lower, target_id)
    assert row.changes == _resolve(expected.changes, response)


@pytest.mark.parametrize("arrange", NOT_AUDITED, ids=lambda arrange: arrange.__name__)
def test_the_owner_changing_their_own_data_writes_no_audit_row(arrange):
    _, _, rows = _run(arrange)

    assert rows == []
