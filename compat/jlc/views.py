"""Just Like Clockwork's calls. Every success answers JSON (the client treats an empty body as a
failure), creates answer 200 as the original did, and sessions are the caller's own."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.services.auth import access_token_issue, auth_login, auth_logout, user_register
from accounts.services.preferences import client_preferences_get, client_preferences_update
from compat.base import CompatView, PublicView, error_code, parse
from compat.jlc import translators as t
from config.api.ratelimit import limit_by_account, limit_by_ip, limit_refresh
from config.errors import NotFound, ValidationFailed
from media.selectors import image_list, image_url
from media.services import image_delete, upload_body_check
from tracking import selectors
from tracking.models import SessionStatus
from tracking.services import entries, lap_images, laps, sessions

CLIENT = "jlc"


def tokens(pair, message: str) -> dict:
    return {"accessToken": pair.access, "refreshToken": pair.refresh, "message": message}


class SignupView(PublicView):
    """`username` is the account's e-mail address: Timekeep accounts sign in by e-mail."""

    def post(self, request):
        limit_by_ip(request, group="register", rate=settings.RATE_LIMIT_REGISTER_IP)
        data = parse(t.UsernameInput, request.data)
        email = data["username"].strip()
        try:
            validate_email(email)
        except DjangoValidationError as exc:
            message = "Use your e-mail address as the username: Timekeep accounts sign in by e-mail."
            raise ValidationFailed(message, fields={"username": [message]}) from exc
        _, pair = user_register(email=email, password=data["password"], client=CLIENT)
        return Response(tokens(pair, "User created successfully"))

    def translate_error(self, exc, response):
        if error_code(exc) == "email_taken":
            response.status_code, response.data = 400, {"detail": "Username already exists"}


class LoginView(PublicView):
    def post(self, request):
        limit_by_ip(request, group="login", rate=settings.RATE_LIMIT_LOGIN_IP)
        data = parse(t.UsernameInput, request.data)
        limit_by_account(request, group="login", rate=settings.RATE_LIMIT_LOGIN_ACCOUNT, account=data["username"])
        _, pair = auth_login(email=data["username"].strip(), password=data["password"], client=CLIENT)
        return Response(tokens(pair, "Login successful"))

    def translate_error(self, exc, response):
        if error_code(exc) == "invalid_credentials":
            response.data = {"detail": "Invalid username or password"}


class RefreshView(PublicView):
    """A new access token for the refresh token JLC keeps (see access_token_issue: only tokens
    handed out by this mount, which do not rotate)."""

    def post(self, request):
        check = limit_refresh(request)
        raw = parse(t.RefreshInput, request.data)["refreshToken"]

        issued = access_token_issue(raw_refresh=raw, client=CLIENT, check_claims=check)
        return Response({"accessToken": issued.access, "message": "Token refreshed"})

    def translate_error(self, exc, response):
        if response.status_code == 401:
            response.data = {"detail": "Invalid or expired refresh token"}


class LogoutView(PublicView):
    """`{refreshToken}` without an Authorization header: the refresh token is blacklisted."""

    def post(self, request):
        auth_logout(raw_refresh=request.data.get("refreshToken") if isinstance(request.data, dict) else None)
        return Response({"success": True, "message": "Logged out"})


class JlcView(CompatView):
    permission_classes = [IsAuthenticated]

    def session(self, request, id):
        found = selectors.session_list(actor=request.user).filter(owner=request.user, uuid=id).first()
        if found is None:
            raise NotFound("Session not found")
        return found

    def lap(self, request, session, lap_id):
        for lap in session.laps.all():
            if str(lap.uuid) == str(lap_id) and lap.user_id == request.user.pk:
                return lap
        raise NotFound("Lap not found")

    def zone(self, request) -> str:
        return request.user.timezone

    def images(self, request, lap) -> list[dict]:
        return [self.image(request, link) for link in lap.images.all()]

    def image(self, request, link) -> dict:
        return t.image_json(link, self.absolute(request, image_url(image=link.image).url))

    @staticmethod
    def absolute(request, url: str) -> str:
        """`<img src>` on the SPA's own origin needs an absolute URL."""
        return request.build_absolute_uri(url) if url.startswith("/") else url

    def session_detail(self, request, session) -> dict:
        fresh = self.session(request, session.uuid)
        now = timezone.now()
        rows = sorted(fresh.laps.all(), key=lambda lap: (lap.start, lap.pk))
        laps_json = [t.lap_json(lap, number, self.images(request, lap), now) for number, lap in enumerate(rows, 1)]
        return t.session_json(fresh, laps=laps_json, now=now)


class SessionListView(JlcView):
    def get(self, request):
        query = parse(t.SessionListQuery, request.query_params)
        found = selectors.session_list(actor=request.user).filter(owner=request.user).order_by("-created_at", "-id")
        page = found[query["offset"] : query["offset"] + query["limit"]]
        now = timezone.now()
        return Response([t.session_json(session, now=now) for session in page])

    def post(self, request):
        data = parse(t.SessionCreateInput, request.data)
        session = sessions.session_create(actor=request.user, title=data["sessionName"], notes=data["description"])
        return Response(t.session_json(self.session(request, session.uuid)))


class SessionDetailView(JlcView):
    def get(self, request, id):
        return Response(self.session_detail(request, self.session(request, id)))

    def put(self, request, id):
        """Name and description; `isCompleted: true` stops the session. Its end and total come
        from its laps, so `endedAt` and `totalDuration` are not stored."""
        session = self.session(request, id)
        data = parse(t.SessionUpdateInput, request.data)
        names = {"sessionName": "title", "description": "notes"}
        changes = {names[key]: value for key, value in data.items() if key in names}
        if changes:
            session = sessions.session_update(actor=request.user, session=session, changes=changes)
        if data.get("isCompleted") and session.status != SessionStatus.STOPPED:
            session = sessions.session_stop(actor=request.user, session=session)
        return Response(self.session_detail(request, session))

    def delete(self, request, id):
        sessions.session_delete(actor=request.user, session=self.session(request, id))
        return Response({"success": True, "message": "Session deleted"})


class LapListView(JlcView):
    def get(self, request, id):
        return Response(self.session_detail(request, self.session(request, id))["laps"])

    def post(self, request, id):
        """A finished lap (a time entry of the session). `isBreakLap` is kept as billable=false;
        `hourlyAmount` is not stored (Timekeep keeps no rates)."""
        session = self.session(request, id)
        data = parse(t.LapInput, request.data)
        start = t.client_time(data["startedAt"], zone_name=self.zone(request), field="startedAt")
        ended = data.get("endedAt")
        end = t.client_time(ended, zone_name=self.zone(request), field="endedAt") if ended else None
        lap = laps.session_log_add(
            actor=request.user,
            session=session,
            start=start,
            end=t.lap_end(start=start, ended=end, duration=data.get("duration")),
            activity=data.get("lapName") or "",
            billable=not data["isBreakLap"],
        )
        detail = self.session_detail(request, session)
        return Response(next(row for row in detail["laps"] if row["id"] == str(lap.uuid)))


class LapDetailView(JlcView):
    def put(self, request, id, lap_id):
        session = self.session(request, id)
        lap = self.lap(request, session, lap_id)
        data = parse(t.LapUpdateInput, request.data)
        changes: dict = {}
        if "lapName" in data:
            changes["activity"] = data["lapName"] or ""
        if "isBreakLap" in data:
            changes["billable"] = not data["isBreakLap"]
        if data.get("endedAt"):
            changes["end"] = t.client_time(data["endedAt"], zone_name=self.zone(request), field="endedAt")
        elif data.get("duration"):
            changes["end"] = t.lap_end(start=lap.start, ended=None, duration=data["duration"])
        entries.time_entry_update(actor=request.user, entry=lap, changes=changes)
        detail = self.session_detail(request, session)
        return Response(next(row for row in detail["laps"] if row["id"] == str(lap.uuid)))

    def delete(self, request, id, lap_id):
        session = self.session(request, id)
        entries.time_entry_delete(actor=request.user, entry=self.lap(request, session, lap_id))
        return Response({"success": True, "message": "Lap deleted"})


class LapImageUploadView(JlcView):
    parser_classes = [MultiPartParser]

    def post(self, request, id, lap_id):
        upload_body_check(content_length=request.META.get("CONTENT_LENGTH"))
        lap = self.lap(request, self.session(request, id), lap_id)
        data = parse(t.UploadInput, request.data)
        link = lap_images.lap_image_upload(actor=request.user, lap_id=lap.uuid, file=data["file"])
        return Response(self.image(request, link))


class LapImageListView(JlcView):
    def get(self, request, id, lap_id):
        return Response(self.images(request, self.lap(request, self.session(request, id), lap_id)))


class SessionImageListView(JlcView):
    def get(self, request, id):
        session = self.session(request, id)
        return Response([image for lap in session.laps.all() for image in self.images(request, lap)])


class ImageDeleteView(JlcView):
    def delete(self, request, image_id):
        image = image_list(actor=request.user).filter(uuid=image_id).first()
        if image is None:
            raise NotFound("Image not found")
        image_delete(actor=request.user, image=image)
        return Response({"success": True, "message": "Image deleted"})


class SettingsView(JlcView):
    """JLC's eight display settings, kept for the account by accounts (client preferences of
    `jlc`). GET answers all eight, the original's defaults for any never set; PUT changes the
    fields it names (absent or null: unchanged) and answers all eight."""

    def get(self, request):
        return Response(t.settings_json(client_preferences_get(user=request.user, client=CLIENT)))

    def put(self, request):
        data = parse(t.SettingsInput, request.data)
        changes = {name: value for name, value in data.items() if value is not None}
        if changes:
            stored = client_preferences_update(actor=request.user, client=CLIENT, changes=changes)
        else:
            stored = client_preferences_get(user=request.user, client=CLIENT)
        return Response(t.settings_json(stored))
