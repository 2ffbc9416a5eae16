"""Logger's calls. Sign-in sets Timekeep's own cookies (the names Logger uses too); writes are
cookie-authenticated and need `X-CSRF-Token` equal to the `csrf_token` cookie, as on the
canonical API. Only the silent refresh differs (see RefreshView)."""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.services.auth import auth_login, auth_logout, token_refresh, user_register
from compat.base import CompatView, PublicView, error_code, parse
from compat.logger import translators as t
from config.api.authentication import (
    ACCESS_COOKIE,
    CSRF_COOKIE,
    REFRESH_COOKIE,
    JWTCookieOrBearerAuthentication,
    check_double_submit,
)
from config.api.ratelimit import limit_by_account, limit_by_ip, limit_refresh
from config.errors import AuthenticationRequired, NotFound, ValidationFailed
from tracking import selectors
from tracking.services import entries

# The refresh cookie travels only to this mount's auth calls (the canonical one is scoped to /api/).
REFRESH_PATH = "/compat/logger/api/auth/"


def _cookie_options() -> dict:
    return {"domain": settings.COOKIE_DOMAIN, "secure": settings.COOKIE_SECURE, "samesite": settings.COOKIE_SAMESITE}


def set_cookies(response, pair) -> None:
    """The three cookies Logger's SPA relies on; `csrf_token` on `/` so `document.cookie` of the
    SPA's page can read it (its value is URL-safe: no percent-encoding needed)."""
    options = _cookie_options()
    response.set_cookie(ACCESS_COOKIE, pair.access, max_age=pair.access_lifetime_seconds, httponly=True, **options)
    response.set_cookie(
        REFRESH_COOKIE,
        pair.refresh,
        max_age=pair.refresh_lifetime_seconds,
        httponly=True,
        path=REFRESH_PATH,
        **options,
    )
    response.set_cookie(CSRF_COOKIE, pair.csrf, max_age=pair.refresh_lifetime_seconds, httponly=False, **options)


def clear_cookies(response) -> None:
    options = {"domain": settings.COOKIE_DOMAIN, "samesite": settings.COOKIE_SAMESITE}
    response.delete_cookie(ACCESS_COOKIE, **options)
    response.delete_cookie(REFRESH_COOKIE, path=REFRESH_PATH, **options)
    response.delete_cookie(CSRF_COOKIE, **options)


class RegisterView(PublicView):
    def post(self, request):
        limit_by_ip(request, group="register", rate=settings.RATE_LIMIT_REGISTER_IP)
        data = parse(t.RegisterInput, request.data)
        user, pair = user_register(email=data["email"], password=data["password"], display_name=data["name"])
        response = Response(t.user_json(user), status=status.HTTP_201_CREATED)
        set_cookies(response, pair)
        return response

    def translate_error(self, exc, response):
        if error_code(exc) == "email_taken":
            response.data = {"detail": "Email already registered"}
        elif error_code(exc) == "validation_error":
            response.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY  # the password rules


class LoginView(PublicView):
    def post(self, request):
        limit_by_ip(request, group="login", rate=settings.RATE_LIMIT_LOGIN_IP)
        data = parse(t.LoginInput, request.data)
        limit_by_account(request, group="login", rate=settings.RATE_LIMIT_LOGIN_ACCOUNT, account=data["email"])
        user, pair = auth_login(email=data["email"], password=data["password"])
        response = Response(t.user_json(user))
        set_cookies(response, pair)
        return response

    def translate_error(self, exc, response):
        if error_code(exc) == "invalid_credentials":
            response.data = {"detail": "Invalid credentials"}


class RefreshView(PublicView):
    """The silent refresh: Logger sends only the `refresh_token` cookie, never `X-CSRF-Token`.

    Here, and only here, the double-submit check is skipped while the cookies are `SameSite=Lax`
    or `Strict`: a browser then sends the cookie only with requests from the same site, so no
    other site can make this request with it. The answer carries the user, not a token, and CORS
    lets only the allow-listed origins read it. With `SameSite=None` the check applies as on the
    canonical API. The CSRF value stays the same across the refresh, because Logger retries the
    failed write with the header it captured before refreshing."""

    def post(self, request):
        limit_account = limit_refresh(request)
        raw = request.COOKIES.get(REFRESH_COOKIE)
        if not raw:
            raise AuthenticationRequired("No refresh_token cookie.")

        def check(claims):
            if settings.COOKIE_SAMESITE == "None":
                check_double_submit(request, claims)
            limit_account(claims)

        refreshed = token_refresh(raw_refresh=raw, check_claims=check, keep_csrf=request.COOKIES.get(CSRF_COOKIE))
        response = Response(t.user_json(refreshed.user))
        set_cookies(response, refreshed.pair)
        return response


class LoggerView(CompatView):
    """Signed in by the `access_token` cookie (writes need `X-CSRF-Token`) or a Bearer token."""

    authentication_classes = [JWTCookieOrBearerAuthentication]
    permission_classes = [IsAuthenticated]

    def translate_error(self, exc, response):
        code = error_code(exc) or getattr(exc, "default_code", None)
        codes = exc.get_codes() if hasattr(exc, "get_codes") else None
        if code == "overlap":
            response.data = {"detail": "Overlapping time entry for user"}
        elif code == "timer_running":
            response.data = {"detail": "A timer is already running"}
        elif codes == "csrf_failed":
            response.data = {"detail": "CSRF validation failed"}


class LogoutView(PublicView):
    """Blacklists the refresh cookie and ends the access cookie (with the CSRF header), and
    always clears the three cookies, as Logger expects whatever the outcome."""

    def post(self, request):
        auth_logout(
            raw_refresh=request.COOKIES.get(REFRESH_COOKIE),
            access=_access_token_of(request),
            check_claims=lambda claims: check_double_submit(request, claims),
        )
        response = Response({"ok": True})
        clear_cookies(response)
        return response

    def translate_error(self, exc, response):
        clear_cookies(response)


def _access_token_of(request):
    try:
        found = JWTCookieOrBearerAuthentication().authenticate(request)
    except (exceptions.AuthenticationFailed, exceptions.PermissionDenied):
        return None  # an expired or refused access token: nothing to end
    return found[1] if found else None


class MeView(LoggerView):
    def get(self, request):
        return Response(t.user_json(request.user))


def _is_project_code(user, code: str) -> bool:
    return bool(code) and selectors.project_list(actor=user).filter(code=code.strip().upper()).exists()


def _booking(user, code: str, activity: str) -> dict:
    """Service keywords for a lane title and an activity (see translators)."""
    if _is_project_code(user, code):
        return {"project_code": code, "activity": activity}
    text = t.lane_activity(code, activity)
    if len(text) > t.MAX_ACTIVITY:
        message = f"project_code and activity together must fit in {t.MAX_ACTIVITY - 3} characters."
        raise ValidationFailed(message, fields={"activity": [message]})
    return {"project_id": None, "activity": text}


class EntryListView(LoggerView):
    def get(self, request):
        query = parse(t.WindowInput, request.query_params)
        found = selectors.time_entry_list(actor=request.user).filter(user=request.user)
        if query.get("from"):
            found = found.filter(start__gte=query["from"])
        if query.get("to"):
            found = found.filter(start__lt=query["to"])
        page = found.order_by("-start", "-id")[query["skip"] : query["skip"] + query["limit"]]
        return Response([t.entry_json(entry) for entry in page])

    def post(self, request):
        data = parse(t.EntryInput, request.data)
        booking = _booking(request.user, (data.get("project_code") or "").strip(), data.get("activity") or "")
        booking.pop("project_id", None)
        entry, _ = entries.time_entry_create(
            actor=request.user,
            start=data["start_utc"],
            end=data.get("end_utc"),
            notes=data.get("notes") or "",
            **booking,
        )
        return Response(t.entry_json(entry), status=status.HTTP_201_CREATED)


class EntryDetailView(LoggerView):
    def _entry(self, request, id):
        entry = selectors.time_entry_list(actor=request.user).filter(user=request.user, uuid=id).first()
        if entry is None:
            raise NotFound("Time entry not found")
        return entry

    def get(self, request, id):
        return Response(t.entry_json(self._entry(request, id)))

    def patch(self, request, id):
        entry = self._entry(request, id)
        data = parse(t.EntryPatchInput, request.data, partial=True)
        changes: dict = {}
        if "start_utc" in data:
            changes["start"] = data["start_utc"]
        if "end_utc" in data:
            changes["end"] = data["end_utc"]
        if "notes" in data:
            changes["notes"] = data["notes"] or ""
        if "project_code" in data or "activity" in data:
            code, activity = t.split_activity(entry)
            if "project_code" in data:
                code = (data["project_code"] or "").strip()
            if "activity" in data:
                activity = data["activity"] or ""
            if "project_code" in data or entry.project_id is None:
                changes.update(_booking(request.user, code, activity))
            else:
                changes["activity"] = activity
        entry, _ = entries.time_entry_update(actor=request.user, entry=entry, changes=changes)
        return Response(t.entry_json(entry))

    def delete(self, request, id):
        entries.time_entry_delete(actor=request.user, entry=self._entry(request, id))
        return Response(status=status.HTTP_204_NO_CONTENT)
