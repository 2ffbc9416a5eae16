from django import forms
from django.http import Http404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from accounts.permissions import IsStaffOrAdmin
from config.api.filters import AwareDateTimeFormField
from config.api.pagination import PageNumberPagination
from config.api.renderers import represent
from config.api.views import ApiView, ScopedViewSet, parse_input
from config.errors import NotFound
from media.services import upload_body_check
from tracking import selectors
from tracking.api import serializers as s
from tracking.api.filters import ProjectFilter, SessionFilter, TaskFilter, TimeEntryFilter
from tracking.compliance import compliance_violations
from tracking.hooks import session_create_in_group
from tracking.models import Project, Session, Task, TimeEntry
from tracking.services import entries, lap_images, laps, participants, projects, sessions

MANAGE_ACTIONS = {"create", "partial_update", "archive", "unarchive"}


class ManagedByStaff:
    """Everyone signed in reads; STAFF and ADMIN write."""

    def get_permissions(self):
        if self.action in MANAGE_ACTIONS:
            return [IsAuthenticated(), IsStaffOrAdmin()]
        return super().get_permissions()


@extend_schema(tags=["projects"])
class ProjectViewSet(ManagedByStaff, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Projects: everyone reads active ones; STAFF/ADMIN also see archived ones and manage them."""

    serializer_class = s.ProjectOutput
    filterset_class = ProjectFilter
    ordering_fields = ["code", "name", "created_at"]
    ordering = ["code"]
    queryset = Project.objects.none()

    def scope_queryset(self, request):
        return selectors.project_list(actor=request.user)

    @extend_schema(request=s.ProjectCreateInput, responses={201: s.ProjectOutput})
    def create(self, request):
        project = projects.project_create(actor=request.user, **parse_input(s.ProjectCreateInput, request.data))
        return Response(s.ProjectOutput(project).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ProjectUpdateInput, responses=s.ProjectOutput)
    def partial_update(self, request, id=None):
        project = self.get_object()
        changes = parse_input(s.ProjectUpdateInput, request.data)
        project = projects.project_update(actor=request.user, project=project, changes=changes)
        return Response(s.ProjectOutput(project).data)

    @extend_schema(request=None, responses=s.ProjectOutput, description="No new entries; hidden from USER lists.")
    @action(detail=True, methods=["post"])
    def archive(self, request, id=None):
        project = projects.project_set_archived(actor=request.user, project=self.get_object(), archived=True)
        return Response(s.ProjectOutput(project).data)

    @extend_schema(request=None, responses=s.ProjectOutput)
    @action(detail=True, methods=["post"])
    def unarchive(self, request, id=None):
        project = projects.project_set_archived(actor=request.user, project=self.get_object(), archived=False)
        return Response(s.ProjectOutput(project).data)


@extend_schema(tags=["projects"])
class TaskViewSet(ManagedByStaff, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Tasks of projects (filter with `project` or `project_code`)."""

    serializer_class = s.TaskOutput
    filterset_class = TaskFilter
    ordering_fields = ["name", "created_at"]
    queryset = Task.objects.none()

    def scope_queryset(self, request):
        return selectors.task_list(actor=request.user)

    @extend_schema(request=s.TaskCreateInput, responses={201: s.TaskOutput})
    def create(self, request):
        data = parse_input(s.TaskCreateInput, request.data)
        task = projects.task_create(actor=request.user, project_id=data["project"], name=data["name"])
        return Response(s.TaskOutput(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TaskUpdateInput, responses=s.TaskOutput)
    def partial_update(self, request, id=None):
        task = self.get_object()
        changes = parse_input(s.TaskUpdateInput, request.data, partial=True)
        return Response(s.TaskOutput(projects.task_update(actor=request.user, task=task, changes=changes)).data)

    @extend_schema(request=None, responses=s.TaskOutput)
    @action(detail=True, methods=["post"])
    def archive(self, request, id=None):
        task = projects.task_set_archived(actor=request.user, task=self.get_object(), archived=True)
        return Response(s.TaskOutput(task).data)

    @extend_schema(request=None, responses=s.TaskOutput)
    @action(detail=True, methods=["post"])
    def unarchive(self, request, id=None):
        task = projects.task_set_archived(actor=request.user, task=self.get_object(), archived=False)
        return Response(s.TaskOutput(task).data)


def entry_fields(data: dict) -> dict:
    """API field names to service keyword names."""
    names = {"start_utc": "start", "end_utc": "end", "project": "project_id", "task": "task_id", "user": "owner_id"}
    return {names.get(key, key): value for key, value in data.items()}


# A listing with only these query parameters takes the row path (TimeEntryViewSet.list).
ROW_LIST_PARAMS = frozenset({"from", "to", "page", "page_size"})


def written(entry, warnings, status_code=status.HTTP_200_OK) -> Response:
    """TimeEntryWriteOutput's answer: the entry written out as the listing writes its rows, and
    the warnings from a serializer whose fields were built once (`represent`). Building a
    serializer's fields cost more than the write's own Python."""
    data = s.entry_output(entry, timezone.now())
    data["warnings"] = [represent(s.ComplianceWarningOutput, warning) for warning in warnings]
    return Response(data, status=status_code)


@extend_schema(tags=["time entries"])
class TimeEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Time entries. USER: own; STAFF: own and their reports' (read only); ADMIN: everyone's.
    `from`/`to` return entries overlapping the window. Writes answer with `warnings` about
    working-time limits (422 instead when WORKING_TIME_ENFORCE is on)."""

    serializer_class = s.TimeEntryOutput
    filter_backends = [DjangoFilterBackend]
    filterset_class = TimeEntryFilter
    queryset = TimeEntry.objects.none()

    def scope_queryset(self, request):
        return selectors.time_entry_list(actor=request.user, lean=self.action == "list")

    def list(self, request, *args, **kwargs):
        # (A comment, not a docstring: the schema takes a method's docstring as its description.)
        # The common listing (a `from`/`to` window and a page, nothing else) reads its page as
        # rows, counted in the same query (selectors.time_entry_rows), and shapes them without a
        # serializer. Anything else, and any value that does not parse, takes DRF's generic path,
        # which answers exactly as before (errors included).
        return self._row_list(request) or super().list(request, *args, **kwargs)

    def _row_list(self, request) -> Response | None:
        params = request.query_params
        if not params.keys() <= ROW_LIST_PARAMS:
            return None
        window = AwareDateTimeFormField(required=False)
        try:
            start, end = window.clean(params.get("from")), window.clean(params.get("to"))
        except forms.ValidationError:
            return None
        if start is not None and end is not None and end <= start:
            return None
        page_size = self.paginator.get_page_size(request)
        raw_page = params.get("page") or "1"
        if not (raw_page.isascii() and raw_page.isdigit()) or int(raw_page) < 1:
            return None
        page = int(raw_page)
        found = selectors.time_entry_rows(
            actor=request.user, start=start, end=end, offset=(page - 1) * page_size, limit=page_size
        )
        if found is None:
            return None
        pages = max(1, -(-found.count // page_size))
        url = request.build_absolute_uri() if pages > 1 else ""
        now = timezone.now()
        return Response(
            {
                "count": found.count,
                "next": replace_query_param(url, "page", page + 1) if page < pages else None,
                "previous": None
                if page == 1
                else remove_query_param(url, "page")
                if page == 2
                else replace_query_param(url, "page", page - 1),
                "results": [s.entry_row_output(row, now) for row in found.rows],
            }
        )

    @extend_schema(request=s.TimeEntryCreateInput, responses={201: s.TimeEntryWriteOutput})
    def create(self, request):
        data = entry_fields(parse_input(s.TimeEntryCreateInput, request.data))
        return written(*entries.time_entry_create(actor=request.user, **data), status.HTTP_201_CREATED)

    @extend_schema(request=s.TimeEntryUpdateInput, responses=s.TimeEntryWriteOutput)
    def partial_update(self, request, id=None):
        entry = self.get_object()
        changes = entry_fields(parse_input(s.TimeEntryUpdateInput, request.data, partial=True))
        return written(*entries.time_entry_update(actor=request.user, entry=entry, changes=changes))

    def perform_destroy(self, instance):
        entries.time_entry_delete(actor=self.request.user, entry=instance)

    @extend_schema(request=s.TimerStartInput, responses={201: s.TimeEntryWriteOutput})
    @action(detail=False, methods=["post"])
    def start(self, request):
        data = entry_fields(parse_input(s.TimerStartInput, request.data))
        return written(*entries.timer_start(actor=request.user, **data), status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.TimeEntryWriteOutput)
    @action(detail=True, methods=["post"])
    def stop(self, request, id=None):
        return written(*entries.timer_stop(actor=request.user, entry=self.get_object()))

    @extend_schema(
        request=None,
        responses={200: s.TimeEntryOutput, 204: OpenApiResponse(description="No timer is running.")},
    )
    @action(detail=False, methods=["get"])
    def current(self, request):
        entry = selectors.time_entry_running(user=request.user)
        if entry is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(s.TimeEntryOutput(entry).data)


def lap_specs(laps: list[dict]) -> list[sessions.LapSpec]:
    return [sessions.LapSpec(**entry_fields(lap)) for lap in laps]


@extend_schema(tags=["sessions"])
class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Work sessions with laps. Commands (start, pause, resume, lap, stop) return the session;
    a command the current status does not allow is a 409 naming the status."""

    serializer_class = s.SessionOutput
    filterset_class = SessionFilter
    ordering_fields = ["created_at", "started_at"]
    queryset = Session.objects.none()

    def scope_queryset(self, request):
        return selectors.session_list(actor=request.user)

    def _session(self, session) -> Response:
        return Response(s.SessionOutput(selectors.session_list(actor=self.request.user).get(pk=session.pk)).data)

    def _addressed(self, request):
        """The session the URL names, as `get_object` finds it for a request without query
        parameters (which could filter it out), but without its laps: (session, owner's id)."""
        found = selectors.session_addressed(actor=request.user, uuid=self.kwargs[self.lookup_url_kwarg])
        if found is None:
            raise Http404
        self.check_object_permissions(request, found[0])
        return found

    def _shown(self, session, owner_uuid) -> Response:
        """`session` as it is now in hand (fresh from a command, or just read), with the laps the
        requester may see read in one query: what `_session` answers, one query instead of three."""
        rows = selectors.session_lap_rows(actor=self.request.user, session=session)
        return Response(s.session_output(session, owner_uuid, rows, timezone.now()))

    def retrieve(self, request, *args, **kwargs):
        # Query parameters (filters) take DRF's generic path, which applies them.
        if request.query_params:
            return super().retrieve(request, *args, **kwargs)
        return self._shown(*self._addressed(request))

    @extend_schema(request=s.SessionCreateInput, responses={201: s.SessionOutput})
    def create(self, request):
        data = parse_input(s.SessionCreateInput, request.data)
        if data.get("group"):
            session = session_create_in_group(
                actor=request.user, group_id=data["group"], title=data["title"], notes=data["notes"]
            )
        else:
            session = sessions.session_create(
                actor=request.user, title=data["title"], notes=data["notes"], laps=lap_specs(data.get("laps", []))
            )
        response = self._session(session)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=s.SessionUpdateInput, responses=s.SessionOutput)
    def update(self, request, id=None):
        return self._update(request, partial=False)

    @extend_schema(request=s.SessionUpdateInput, responses=s.SessionOutput)
    def partial_update(self, request, id=None):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool) -> Response:
        session = self.get_object()
        data = dict(parse_input(s.SessionUpdateInput, request.data, partial=partial))
        if "laps" in data:
            laps = parse_input(s.SessionLapsInput, {"laps": request.data["laps"]})["laps"] if partial else data["laps"]
            data["laps"] = lap_specs(laps)
        return self._session(sessions.session_update(actor=request.user, session=session, changes=data))

    def perform_destroy(self, instance):
        sessions.session_delete(actor=self.request.user, session=instance)

    @extend_schema(
        request=None,
        responses={200: s.SessionOutput, 404: OpenApiResponse(description="You have no sessions yet.")},
        description="Your own most recent session (404 if none).",
    )
    @action(detail=False, methods=["get"])
    def latest(self, request):
        session = selectors.session_latest(actor=request.user)
        if session is None:
            raise NotFound("You have no sessions yet.")
        return Response(s.SessionOutput(session).data)

    @extend_schema(parameters=[s.SessionWindowQueryInput], responses=s.SessionOutput(many=True))
    @action(detail=False, methods=["get"], url_path="by-date")
    def by_date(self, request):
        window = parse_input(s.SessionWindowQueryInput, request.query_params)
        found = selectors.session_overlapping(
            self.filter_queryset(self.get_queryset()), start=window["from"], end=window["to"]
        )
        page = self.paginate_queryset(found)
        return self.get_paginated_response(s.SessionOutput(page, many=True).data)

    def _command(self, service, request) -> Response:
        if request.query_params:
            return self._session(service(actor=request.user, session=self.get_object()))
        # The service locks and re-reads the session; the answer is what it holds afterwards.
        session = service(actor=request.user, session=self._addressed(request)[0])
        return self._shown(session, session.owner.uuid)

    @extend_schema(request=None, responses=s.SessionOutput, description="planned → running; opens the first lap.")
    @action(detail=True, methods=["post"])
    def start(self, request, id=None):
        return self._command(sessions.session_start, request)

    @extend_schema(request=None, responses=s.SessionOutput, description="running → paused; closes the open lap.")
    @action(detail=True, methods=["post"])
    def pause(self, request, id=None):
        return self._command(sessions.session_pause, request)

    @extend_schema(request=None, responses=s.SessionOutput, description="paused → running; opens a new lap.")
    @action(detail=True, methods=["post"])
    def resume(self, request, id=None):
        return self._command(sessions.session_resume, request)

    @extend_schema(request=None, responses=s.SessionOutput, description="Closes the running lap and opens the next.")
    @action(detail=True, methods=["post"])
    def lap(self, request, id=None):
        return self._command(sessions.session_lap, request)

    @extend_schema(request=None, responses=s.SessionOutput, description="planned, running or paused → stopped.")
    @action(detail=True, methods=["post"])
    def stop(self, request, id=None):
        return self._command(sessions.session_stop, request)

    @extend_schema(
        request=None,
        responses={201: s.SessionOutput},
        description="Open a lap of your own (your running timer) in a session you own or take part in. "
        "409 `timer_running` if another timer runs, `session_stopped` once stopped. For the owner: start/resume.",
    )
    @action(detail=True, methods=["post"], url_path="clock-in")
    def clock_in(self, request, id=None):
        response = self._command(participants.session_clock_in, request)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        request=None,
        responses=s.SessionOutput,
        description="Close your running lap in this session (409 `not_clocked_in` without one). For the owner: pause.",
    )
    @action(detail=True, methods=["post"], url_path="clock-out")
    def clock_out(self, request, id=None):
        return self._command(participants.session_clock_out, request)

    @extend_schema(
        request=s.SessionLogInput,
        responses={201: s.LapOutput},
        description="Log a finished lap: `start_utc` plus `end_utc`, or plus `duration` in seconds.",
    )
    @action(detail=True, methods=["post"])
    def logs(self, request, id=None):
        session = self.get_object()
        data = entry_fields(parse_input(s.SessionLogInput, request.data))
        lap = laps.session_log_add(actor=request.user, session=session, **data)
        return Response(s.LapOutput(lap).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.SessionParticipantOutput(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def participants(self, request, id=None):
        page = self.paginate_queryset(selectors.session_participants(actor=request.user, session=self.get_object()))
        return self.get_paginated_response(s.SessionParticipantOutput(page, many=True).data)


@extend_schema(tags=["compliance"])
class ComplianceView(ApiView):
    @extend_schema(
        operation_id="compliance_list",
        parameters=[s.ComplianceQueryInput],
        responses=s.ComplianceViolationPageOutput,
        description="Working-time violations whose period overlaps the window: yours; STAFF also their "
        "reports'; ADMIN everyone's. Days and weeks are each user's local ones.",
    )
    def get(self, request):
        query = parse_input(s.ComplianceQueryInput, request.query_params)
        found = compliance_violations(
            actor=request.user, start=query["from"], end=query["to"], user_id=query.get("user")
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(s.ComplianceViolationOutput(page, many=True).data)


@extend_schema(tags=["images"])
class LapImageUploadView(ApiView):
    """Just Like Clockwork's lap image upload: multipart `lap` + `file`."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="lap_image_upload",
        request={"multipart/form-data": s.LapImageUploadInput},
        responses={201: s.LapImageOutput},
    )
    def post(self, request):
        upload_body_check(content_length=request.META.get("CONTENT_LENGTH"))
        data = parse_input(s.LapImageUploadInput, request.data)
        link = lap_images.lap_image_upload(actor=request.user, lap_id=data["lap"], file=data["file"])
        return Response(s.LapImageOutput(s.signed_lap_images([link])[0]).data, status=status.HTTP_201_CREATED)
