from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.permissions import IsAdminRole
from config.api.views import UUID_PATTERN, ApiView, ScopedViewSet, parse_input
from config.errors import NotFound
from groups import selectors
from groups.api import serializers as s
from groups.api.filters import GroupFilter, InviteFilter
from groups.models import Group, Invite
from groups.services.groups import group_clone, group_create, group_update, groups_archive_expired
from groups.services.invites import invite_accept, invite_create, invite_decline
from groups.services.members import membership_add, membership_remove, membership_update
from groups.services.sessions import group_session_create, group_session_join, group_session_leave
from tracking.models import Session


@extend_schema(tags=["groups"])
class GroupViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Focus groups. Members read their groups (an ADMIN reads all of them); owners and admins
    manage. Everything of a group you cannot see is a 404; a member's try at a manager's action
    is a 403; any write to an archived group is a 409 `group_archived`."""

    serializer_class = s.GroupOutput
    filterset_class = GroupFilter
    ordering_fields = ["name", "created_at"]
    queryset = Group.objects.none()

    def scope_queryset(self, request):
        return selectors.group_list(actor=request.user)

    def _group(self, group, status_code=status.HTTP_200_OK) -> Response:
        fresh = selectors.group_list(actor=self.request.user).get(pk=group.pk)
        return Response(s.GroupOutput(fresh).data, status=status_code)

    def _member(self, group, user_id):
        membership = selectors.group_member(group=group, user_id=user_id)
        if membership is None:
            raise NotFound("This user is not a member of the group.")
        return membership

    @extend_schema(request=s.GroupCreateInput, responses={201: s.GroupOutput})
    def create(self, request):
        data = parse_input(s.GroupCreateInput, request.data)
        data["timezone_name"] = data.pop("timezone", None)
        return self._group(group_create(actor=request.user, **data), status.HTTP_201_CREATED)

    @extend_schema(request=s.GroupUpdateInput, responses=s.GroupOutput, description="Owners and admins.")
    def partial_update(self, request, id=None):
        group = self.get_object()
        changes = parse_input(s.GroupUpdateInput, request.data, partial=True)
        return self._group(group_update(actor=request.user, group=group, changes=changes))

    @extend_schema(
        request=s.GroupCloneInput,
        responses={201: s.GroupOutput},
        description="A new active group with the same settings and members, without sessions; you own it. "
        "Owners and admins; an archived group can be cloned.",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def clone(self, request, id=None):
        group = self.get_object()
        data = parse_input(s.GroupCloneInput, request.data)
        return self._group(group_clone(actor=request.user, group=group, **data), status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.MembershipOutput(many=True), description="Oldest member first.")
    @action(detail=True, methods=["get"], filter_backends=[])
    def members(self, request, id=None):
        page = self.paginate_queryset(selectors.group_members(group=self.get_object()))
        return self.get_paginated_response(s.MembershipOutput(page, many=True).data)

    @extend_schema(request=s.MembershipAddInput, responses={201: s.MembershipOutput}, description="Owners and admins.")
    @members.mapping.post
    def add_member(self, request, id=None):
        group = self.get_object()
        data = parse_input(s.MembershipAddInput, request.data)
        membership = membership_add(actor=request.user, group=group, user_id=data["user"], role=data["role"])
        return Response(s.MembershipOutput(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.MembershipUpdateInput,
        responses=s.MembershipOutput,
        description="Role (owners and admins, see the README), personal goal (the member or a manager), "
        "muted (the member only).",
    )
    @action(detail=True, methods=["patch"], url_path=f"members/(?P<user_id>{UUID_PATTERN})", filter_backends=[])
    def member(self, request, id=None, user_id=None):
        membership = self._member(self.get_object(), user_id)
        changes = parse_input(s.MembershipUpdateInput, request.data, partial=True)
        membership = membership_update(actor=request.user, membership=membership, changes=changes)
        return Response(s.MembershipOutput(membership).data)

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Removed (or left, for yourself).")},
        description="Remove a member, or leave when it is you. 409 `last_owner` for the last owner.",
    )
    @member.mapping.delete
    def remove_member(self, request, id=None, user_id=None):
        membership_remove(actor=request.user, membership=self._member(self.get_object(), user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=s.InviteCreateInput,
        responses={201: s.InviteOutput},
        description="Invite an account (`user`) or an address (`email`). Owners and admins.",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def invite(self, request, id=None):
        group = self.get_object()
        data = parse_input(s.InviteCreateInput, request.data)
        invite = invite_create(actor=request.user, group=group, user_id=data.get("user"), email=data.get("email"))
        return Response(s.InviteOutput(invite).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses=s.GroupProgressOutput,
        description="Each member's minutes in the group's sessions this period (in the group's time zone), "
        "against their goal, ranked by minutes; see the README for rounding and ties.",
    )
    @action(detail=True, methods=["get"], url_path="progress/current", filter_backends=[])
    def progress_current(self, request, id=None):
        progress = selectors.group_progress_current(group=self.get_object())
        return Response(s.GroupProgressOutput(progress).data)

    @extend_schema(request=None, responses=s.GroupSessionOutput(many=True), description="Newest first.")
    @action(detail=True, methods=["get"], filter_backends=[])
    def sessions(self, request, id=None):
        page = self.paginate_queryset(selectors.group_session_list(group=self.get_object()))
        return self.get_paginated_response(s.GroupSessionOutput(page, many=True).data)

    @extend_schema(
        request=s.GroupSessionCreateInput,
        responses={201: s.GroupSessionOutput},
        description="Any member starts a group session (planned); you own it and take part in it.",
    )
    @sessions.mapping.post
    def create_session(self, request, id=None):
        group = self.get_object()
        data = parse_input(s.GroupSessionCreateInput, request.data)
        session = group_session_create(actor=request.user, group=group, **data)
        created = selectors.group_session_list(group=group).get(pk=session.pk)
        return Response(s.GroupSessionOutput(created).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["groups"])
class InviteViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Invites addressed to you and those of the groups you own or administer; pending first."""

    serializer_class = s.InviteOutput
    filter_backends = [DjangoFilterBackend]
    filterset_class = InviteFilter
    queryset = Invite.objects.none()

    def scope_queryset(self, request):
        return selectors.invite_list(actor=request.user)

    @extend_schema(request=None, responses=s.InviteOutput, description="You join the group as a member.")
    @action(detail=True, methods=["post"], filter_backends=[])
    def accept(self, request, id=None):
        return Response(s.InviteOutput(invite_accept(actor=request.user, invite=self.get_object())).data)

    @extend_schema(
        request=None,
        responses=s.InviteOutput,
        description="The person invited declines; one of the group's owners or admins revokes the invite.",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def decline(self, request, id=None):
        return Response(s.InviteOutput(invite_decline(actor=request.user, invite=self.get_object())).data)


@extend_schema(tags=["groups"])
class GroupSessionViewSet(ScopedViewSet):
    """Joining and leaving a group's session. The session itself lives at `/sessions/{id}/`
    (laps, logs, clock-in and clock-out, participants)."""

    queryset = Session.objects.none()
    filter_backends: list = []

    def scope_queryset(self, request):
        return selectors.group_session_scope(actor=request.user)

    @extend_schema(request=None, responses=s.GroupSessionParticipantOutput, description="Members of its group.")
    @action(detail=True, methods=["post"])
    def join(self, request, id=None):
        participant = group_session_join(actor=request.user, session=self.get_object())
        return Response(s.GroupSessionParticipantOutput(participant).data)

    @extend_schema(
        request=None,
        responses=s.GroupSessionParticipantOutput,
        description="Stop taking part; your running lap here is closed. The session's owner cannot leave (409).",
    )
    @action(detail=True, methods=["post"])
    def leave(self, request, id=None):
        participant = group_session_leave(actor=request.user, session=self.get_object())
        return Response(s.GroupSessionParticipantOutput(participant).data)


@extend_schema(tags=["groups"])
class ArchiveExpiredGroupsView(ApiView):
    permission_classes = [IsAuthenticated, IsAdminRole]

    @extend_schema(
        operation_id="maintenance_archive_expired_groups",
        request=None,
        responses=s.ArchiveExpiredOutput,
        description="ADMIN only. Archives groups whose end date has passed and expires overdue invites; "
        "what the daily task does. A second run changes nothing.",
    )
    def post(self, request):
        report = groups_archive_expired()
        return Response(
            s.ArchiveExpiredOutput(
                {
                    "archived_groups": len(report.archived),
                    "groups": [group.uuid for group in report.archived],
                    "expired_invites": report.invites_expired,
                }
            ).data
        )
