"""LockIN's calls. The app signs in with Cognito, which no adapter can answer: it sends a
Timekeep access token instead (provisioned out of band, see docs/clients.md). Lists are plain
arrays; errors are `{"detail": "..."}`."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.permissions import IsAdminRole
from accounts.selectors import notification_list
from accounts.services.notifications import notification_mark_read
from accounts.services.users import user_update_profile
from compat.base import CompatView, error_code, parse
from compat.lockin import translators as t
from config.errors import Conflict, NotFound, ValidationFailed
from groups import selectors as groups
from groups.services.groups import group_clone, group_create, groups_archive_expired
from groups.services.invites import invite_accept, invite_create, invite_decline
from groups.services.members import membership_add, membership_remove, membership_update
from groups.services.sessions import group_session_create_by_id, group_session_join
from media.selectors import image_url
from tracking import selectors as tracking
from tracking.models import SessionStatus
from tracking.services import laps, participants, sessions

ANSWER_ERRORS = {"invite_not_pending", "invite_expired"}


class LockinView(CompatView):
    permission_classes = [IsAuthenticated]

    def translate_error(self, exc, response):
        code = error_code(exc)
        if code in ANSWER_ERRORS:
            response.status_code, response.data = 400, {"detail": "Invite already resolved"}
        elif code == "group_archived" and isinstance(self, NotificationAnswerView | InviteAnswerView):
            response.status_code = status.HTTP_410_GONE

    # --- what the views share -----------------------------------------------------------

    def profile(self, user) -> dict:
        url = image_url(image=user.avatar).url if user.avatar_id else None
        return t.profile_json(user, self.request.build_absolute_uri(url) if url and url.startswith("/") else url)

    def group(self, id):
        found = groups.group_list(actor=self.request.user).filter(uuid=id).first()
        if found is None:
            raise NotFound("Group not found")
        return found

    def members(self, group) -> list[dict]:
        rows = groups.group_members(group=group).select_related("user__avatar")
        return [t.member_json(membership, group, self.profile(membership.user)) for membership in rows]

    def session_read(self, session, group_id: str | None) -> dict:
        people = [p for p in session.participants.all() if p.left_at is None]
        return t.session_json(session, group_id, [t.participant_json(p, session, self.profile(p.user)) for p in people])

    def group_read(self, group) -> dict:
        found = groups.group_session_list(group=group).prefetch_related("participants__user__avatar")
        return {
            **t.group_item_json(group),
            "members": self.members(group),
            "sessions": [self.session_read(session, str(group.uuid)) for session in found],
        }

    def session(self, id):
        found = tracking.session_list(actor=self.request.user).filter(uuid=id).first()
        if found is None:
            raise NotFound("Session not found")
        return found

    @staticmethod
    def group_id_of(session) -> str | None:
        try:
            return str(session.group_link.group.uuid)
        except ObjectDoesNotExist:
            return None

    def session_response(self, session, code=status.HTTP_200_OK) -> Response:
        fresh = tracking.session_list(actor=self.request.user).prefetch_related("participants__user__avatar")
        session = fresh.get(pk=session.pk)
        return Response(self.session_read(session, self.group_id_of(session)), status=code)


# --- profile --------------------------------------------------------------------------------


class MeView(LockinView):
    def get(self, request):
        return Response(self.profile(request.user))

    def patch(self, request):
        data = parse(t.ProfileInput, request.data)
        changes = {"display_name": data["display_name"] or ""} if "display_name" in data else {}
        user, _ = user_update_profile(actor=request.user, changes=changes)
        return Response(self.profile(user))


# --- groups ---------------------------------------------------------------------------------


class GroupsView(LockinView):
    def get(self, request):
        query = parse(t.GroupListQuery, request.query_params)
        found = groups.group_list(actor=request.user).filter(my_role__isnull=False).order_by("-created_at", "-id")
        if query.get("status"):
            found = found.filter(status=query["status"])
        return Response([t.group_item_json(group) for group in found])

    def post(self, request):
        data = parse(t.GroupCreateInput, request.data)
        zone = data.get("timezone") or request.user.timezone
        group = group_create(
            actor=request.user,
            name=data["name"],
            description=data.get("description") or "",
            goal_minutes=data["period_target_minutes"],
            period=t.PERIODS_IN[data["period"]],
            timezone_name=zone,
            ends_on=t.ends_on(data["end_at"], zone) if data.get("end_at") else None,
        )
        return Response(self.group_read(self.group(group.uuid)), status=status.HTTP_201_CREATED)


class GroupView(LockinView):
    def get(self, request, id):
        return Response(self.group_read(self.group(id)))


class GroupCloneView(LockinView):
    def post(self, request, id):
        source = self.group(id)
        copy = group_clone(actor=request.user, group=source, name=source.name)
        return Response(self.group_read(self.group(copy.uuid)), status=status.HTTP_201_CREATED)


class GroupInviteView(LockinView):
    """`{user_id}` (the app) or `?recipient_id=` (the seed)."""

    def post(self, request, id):
        data = parse(t.InviteInput, request.data)
        user_id = data.get("user_id") or request.query_params.get("recipient_id")
        if not user_id:
            raise ValidationFailed("user_id is required.", fields={"user_id": ["Required."]})
        invite_create(actor=request.user, group=self.group(id), user_id=user_id)
        return Response({"status": "invited"}, status=status.HTTP_202_ACCEPTED)


class GroupMembersView(LockinView):
    def get(self, request, id):
        return Response(self.members(self.group(id)))

    def post(self, request, id):
        group = self.group(id)
        data = parse(t.MemberAddInput, request.data)
        membership = membership_add(actor=request.user, group=group, user_id=data["user_id"], role=data["role"])
        return Response(t.member_json(membership, group, self.profile(membership.user)), status=status.HTTP_201_CREATED)


class GroupMemberView(LockinView):
    """A member by the id LockIN knows it by (derived from group and user)."""

    def membership(self, group, membership_id):
        for membership in groups.group_members(group=group):
            if t.derived_id(group.uuid, membership.user) == str(membership_id):
                return membership
        raise NotFound("Membership not found")

    def patch(self, request, id, membership_id):
        group = self.group(id)
        data = parse(t.MemberUpdateInput, request.data)
        changes = {"role": data["role"]} if "role" in data else {}
        if "override_period_target_minutes" in data:
            changes["goal_minutes"] = data["override_period_target_minutes"]
        membership = membership_update(
            actor=request.user, membership=self.membership(group, membership_id), changes=changes
        )
        return Response(t.member_json(membership, group, self.profile(membership.user)))

    def delete(self, request, id, membership_id):
        group = self.group(id)
        membership_remove(actor=request.user, membership=self.membership(group, membership_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupProgressView(LockinView):
    """One row per member, most time first. An archived group has no current period: `[]`, as
    LockIN's backend answered."""

    def get(self, request, id):
        group = self.group(id)
        if group.is_archived:
            return Response([])
        return Response(t.progress_json(group, groups.group_progress_current(group=group)))


class ArchiveExpiredView(LockinView):
    """ADMIN only, as on the canonical API (LockIN's backend let anyone run it)."""

    permission_classes = [IsAuthenticated, IsAdminRole]

    def post(self, request):
        return Response({"archived": len(groups_archive_expired().archived)})


# --- sessions -------------------------------------------------------------------------------


class SessionsView(LockinView):
    """`{group_id}` creates a group session (members only); without it a personal one. Both are
    planned: `scheduled_start` is not stored (a session starts when its first lap does)."""

    def post(self, request):
        data = parse(t.SessionCreateInput, request.data)
        if data.get("group_id"):
            session = group_session_create_by_id(actor=request.user, group_id=data["group_id"])
        else:
            session = sessions.session_create(actor=request.user)
        return self.session_response(session, status.HTTP_201_CREATED)


class SessionView(LockinView):
    def get(self, request, id):
        return self.session_response(self.session(id))


class SessionStatusView(LockinView):
    """`running` starts (or resumes) the session, which opens the owner's lap: the time counts
    from then, at the server's clock (`timestamp` is not used); `paused` pauses; `ended` stops
    and closes the lap. Asking for the status it already has changes nothing."""

    def post(self, request, id):
        session = self.session(id)
        target = parse(t.StatusInput, request.data)["status"]
        current = session.status
        if target == "running" and current == SessionStatus.PLANNED:
            session = sessions.session_start(actor=request.user, session=session)
        elif target == "running" and current == SessionStatus.PAUSED:
            session = sessions.session_resume(actor=request.user, session=session)
        elif target == "paused" and current == SessionStatus.RUNNING:
            session = sessions.session_pause(actor=request.user, session=session)
        elif target == "ended" and current != SessionStatus.STOPPED:
            session = sessions.session_stop(actor=request.user, session=session)
        elif target in {"scheduled", "cancelled"} or t.SESSION_STATUS[current] != target:
            message = f"A {t.SESSION_STATUS[current]} session cannot become {target}."
            raise Conflict(message, code="invalid_transition")
        return self.session_response(session)

    def translate_error(self, exc, response):
        if response.status_code == 403:
            response.data = {"detail": "Only host can modify session"}
        super().translate_error(exc, response)


COMMANDS = {
    "start": (sessions.session_start, "Session started"),
    "pause": (sessions.session_pause, "Session paused"),
    "resume": (sessions.session_resume, "Session resumed"),
    "stop": (sessions.session_stop, "Session stopped"),
}


class SessionCommandView(LockinView):
    """The seed's `:start`, `:pause`, `:resume`, `:stop`."""

    def post(self, request, id, command):
        service, message = COMMANDS[command]
        service(actor=request.user, session=self.session(id))
        return Response({"message": message})


class SessionParticipantsView(LockinView):
    def get(self, request, id):
        return Response(self.session_read(self.session_with_people(id), None)["participants"])

    def session_with_people(self, id):
        found = tracking.session_list(actor=self.request.user).prefetch_related("participants__user__avatar")
        session = found.filter(uuid=id).first()
        if session is None:
            raise NotFound("Session not found")
        return session

    def post(self, request, id):
        """Join (idempotent): a group session through its group's membership, another session
        as the owner or an ADMIN allows."""
        session = self.session(id)
        if self.group_id_of(session):
            participant = group_session_join(actor=request.user, session=session)
        else:
            participant = participants.session_participant_join(actor=request.user, session=session, user=request.user)
        return Response(
            t.participant_json(participant, session, self.profile(participant.user)), status=status.HTTP_201_CREATED
        )


class SessionLogsView(LockinView):
    """Your time in the session. After `:status running` and `ended`, the session's lap already
    holds that time: the log of the same interval is refused by the overlap rule, which here
    means "already logged" (201), so the time counts once. A log of other time is a new lap."""

    def post(self, request, id):
        session = self.session(id)
        data = parse(t.LogInput, request.data)
        if data.get("user_id") and str(data["user_id"]) != str(request.user.uuid):
            raise ValidationFailed("You can only log your own time.", fields={"user_id": ["Not you."]})
        try:
            laps.session_log_add(actor=request.user, session=session, start=data["started_at"], end=data["ended_at"])
        except Conflict as exc:
            if exc.code != "overlap" or not self.already_in(session, exc.extra.get("conflicting_entry")):
                raise
        return Response({"status": "logged"}, status=status.HTTP_201_CREATED)

    def already_in(self, session, entry_id) -> bool:
        fresh = self.session(session.uuid)
        return any(str(lap.uuid) == entry_id and lap.user_id == self.request.user.pk for lap in fresh.laps.all())


# --- notifications and invites --------------------------------------------------------------


class NotificationsBase(LockinView):
    def notification(self, id):
        found = notification_list(actor=self.request.user).filter(uuid=id).select_related("user").first()
        if found is None:
            raise NotFound("Notification not found")
        return found

    def rows(self, notifications) -> list[dict]:
        """Each notification with its invite and group: two queries for any number."""
        payloads = [n.payload or {} for n in notifications]
        invite_ids = [
            p["invite"]
            for n, p in zip(notifications, payloads, strict=True)
            if n.kind == t.INVITE_KIND and p.get("invite")
        ]
        invites = {
            str(i.uuid): i
            for i in groups.invite_list(actor=self.request.user)
            .filter(uuid__in=invite_ids)
            .select_related("group__owner")
        }
        group_ids = [p["group"] for p in payloads if p.get("group")]
        visible = {str(g.uuid): g for g in groups.group_list(actor=self.request.user).filter(uuid__in=group_ids)}
        rows = []
        for notification, payload in zip(notifications, payloads, strict=True):
            invite = invites.get(payload.get("invite", "")) if notification.kind == t.INVITE_KIND else None
            group = invite.group if invite is not None else visible.get(payload.get("group", ""))
            rows.append(t.notification_json(notification, invite, t.group_item_json(group) if group else None))
        return rows

    def invite_of(self, notification):
        if notification.kind != t.INVITE_KIND:
            raise ValidationFailed("Not an invite notification", code="not_an_invite")
        invite_id = (notification.payload or {}).get("invite")
        invite = groups.invite_list(actor=self.request.user).filter(uuid=invite_id).first() if invite_id else None
        if invite is None:
            raise ValidationFailed("Invite missing group context", code="not_an_invite")
        return invite


class NotificationsView(NotificationsBase):
    def get(self, request):
        query = parse(t.NotificationQuery, request.query_params)
        found = notification_list(actor=request.user, unread=query["unread"] or None).select_related("user")
        return Response(self.rows(list(found.order_by("-created_at", "-id")[: query["limit"]])))


class NotificationView(NotificationsBase):
    def get(self, request, id):
        return Response(self.rows([self.notification(id)])[0])


class NotificationReadView(NotificationsBase):
    def post(self, request, id):
        notification = notification_mark_read(actor=request.user, notification=self.notification(id))
        return Response(self.rows([notification])[0])


ANSWERS = {"accept": invite_accept, "decline": invite_decline}


class NotificationAnswerView(NotificationsBase):
    """Accept or decline the invite a `group_invite` notification carries."""

    def post(self, request, id, answer):
        notification = self.notification(id)
        ANSWERS[answer](actor=request.user, invite=self.invite_of(notification))
        return Response(self.rows([notification])[0])


class InviteAnswerView(NotificationsBase):
    """The seed's `/api/invites/{notification id}:accept|:decline`."""

    def post(self, request, id, answer):
        ANSWERS[answer](actor=request.user, invite=self.invite_of(self.notification(id)))
        return Response({"message": f"Invite {answer}ed" if answer == "accept" else "Invite declined"})
