from functools import partial

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts.api import serializers as s
from accounts.api.cookies import clear_auth_cookies, set_auth_cookies
from accounts.api.filters import NotificationFilter, UserFilter
from accounts.models import Notification, User
from accounts.permissions import IsAdminRole, IsStaffOrAdmin
from accounts.selectors import notification_list, user_by_id, user_list
from accounts.services.auth import auth_login, auth_logout, auth_revoke_all, token_refresh, user_register
from accounts.services.avatars import avatar_confirm, avatar_remove, avatar_upload, avatar_upload_start
from accounts.services.notifications import notification_mark_all_read, notification_mark_read
from accounts.services.settings import user_settings_get, user_settings_update
from accounts.services.users import user_update_by_admin, user_update_profile
from accounts.tokens import TokenPair
from config.api.authentication import REFRESH_COOKIE, JWTCookieOrBearerAuthentication, check_double_submit
from config.api.parsers import JSONParser
from config.api.ratelimit import limit_by_account, limit_by_ip
from config.api.renderers import represent
from config.api.views import ApiView, ScopedViewSet, parse_input
from config.errors import AuthenticationRequired
from media.services import upload_body_check


def token_body(user: User, pair: TokenPair) -> dict:
    return s.TokenOutput(
        {
            "access_token": pair.access,
            "refresh_token": pair.refresh,
            "token_type": "bearer",
            "expires_in": pair.access_lifetime_seconds,
            "refresh_expires_in": pair.refresh_lifetime_seconds,
            "csrf_token": pair.csrf,
            "user": user,
        }
    ).data


def token_response(user: User, pair: TokenPair, status_code: int = status.HTTP_200_OK) -> Response:
    response = Response(token_body(user, pair), status=status_code)
    set_auth_cookies(response, pair)
    return response


def refresh_token_from(request, data: dict) -> tuple[str | None, bool]:
    """The refresh token from the body, else from the cookie; and whether it came by cookie."""
    raw = data.get("refresh_token") or data.get("refresh")
    if raw:
        return raw, False
    return request.COOKIES.get(REFRESH_COOKIE) or None, True


def access_token_of(request):
    """The access token the request is authenticated with (header, or cookie with its CSRF
    header), or None when it carries none that is valid."""
    try:
        found = JWTCookieOrBearerAuthentication().authenticate(request)
    except (exceptions.AuthenticationFailed, exceptions.PermissionDenied):
        return None
    return found[1] if found else None


class AuthEndpoint(ApiView):
    """Sign-in endpoints read no access token (an expired cookie must not block a new login)
    and have their own per-IP and per-account rate limits instead of the general throttle."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []


class RegisterView(AuthEndpoint):
    @extend_schema(tags=["auth"], operation_id="auth_register", request=s.RegisterInput, responses={201: s.TokenOutput})
    def post(self, request):
        limit_by_ip(request, group="register", rate=settings.RATE_LIMIT_REGISTER_IP)
        user, pair = user_register(**parse_input(s.RegisterInput, request.data))
        return token_response(user, pair, status.HTTP_201_CREATED)


class LoginView(AuthEndpoint):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        tags=["auth"],
        operation_id="auth_login",
        request={"application/json": s.LoginInput, "application/x-www-form-urlencoded": s.OAuth2PasswordForm},
        responses={200: s.TokenOutput},
        description="JSON `{email, password}` or the OAuth2 password grant (form-encoded `username`, `password`).",
    )
    def post(self, request):
        limit_by_ip(request, group="login", rate=settings.RATE_LIMIT_LOGIN_IP)
        data = parse_input(s.LoginInput, request.data)
        limit_by_account(request, group="login", rate=settings.RATE_LIMIT_LOGIN_ACCOUNT, account=data["email"])
        user, pair = auth_login(**data)
        return token_response(user, pair)


class LoginJsonView(LoginView):
    parser_classes = [JSONParser]

    @extend_schema(tags=["auth"], operation_id="auth_login_json", request=s.LoginInput, responses={200: s.TokenOutput})
    def post(self, request):
        return super().post(request)


class RefreshView(AuthEndpoint):
    @extend_schema(
        tags=["auth"],
        operation_id="auth_refresh",
        request=s.RefreshInput,
        responses={200: s.TokenOutput},
        description="Rotates the refresh token: the one sent is blacklisted. By cookie, send X-CSRF-Token too.",
    )
    def post(self, request):
        limit_by_ip(request, group="refresh", rate=settings.RATE_LIMIT_REFRESH_IP)
        raw, by_cookie = refresh_token_from(request, parse_input(s.RefreshInput, request.data))
        if not raw:
            raise AuthenticationRequired("Send refresh_token in the body or the refresh_token cookie.")

        def check(claims):
            if by_cookie:
                check_double_submit(request, claims)
            limit_by_account(
                request, group="refresh", rate=settings.RATE_LIMIT_REFRESH_ACCOUNT, account=claims.get("sub")
            )

        refreshed = token_refresh(raw_refresh=raw, check_claims=check)
        return token_response(refreshed.user, refreshed.pair)


class LogoutView(AuthEndpoint):
    @extend_schema(
        tags=["auth"],
        operation_id="auth_logout",
        request=s.RefreshInput,
        responses={204: OpenApiResponse(description="Logged out; auth cookies cleared.")},
        description="Blacklists the refresh token (body or cookie; without one: 400) and ends the access "
        "token the request carries, if any.",
    )
    def post(self, request):
        raw, by_cookie = refresh_token_from(request, parse_input(s.RefreshInput, request.data))
        check = partial(check_double_submit, request) if by_cookie else None
        auth_logout(raw_refresh=raw, access=access_token_of(request), check_claims=check)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        clear_auth_cookies(response)
        return response


class RevokeAllView(ApiView):
    @extend_schema(
        tags=["auth"],
        operation_id="auth_revoke_all",
        request=None,
        responses={200: inline_serializer("RevokeAllOutput", {"refresh_tokens_revoked": serializers.IntegerField()})},
        description="Ends every session of the current user, including outstanding access tokens.",
    )
    def post(self, request):
        revoked = auth_revoke_all(actor=request.user)
        response = Response({"refresh_tokens_revoked": revoked})
        clear_auth_cookies(response)
        return response


class MeView(ApiView):
    @extend_schema(tags=["users"], operation_id="me_retrieve", responses=s.UserOutput)
    def get(self, request):
        return Response(represent(s.UserOutput, request.user))

    @extend_schema(
        tags=["users"],
        operation_id="me_update",
        request=s.MeUpdateInput,
        responses=s.MeUpdateOutput,
        description="Changing email or password needs current_password. A password change ends "
        "every other session and returns fresh tokens (also set as cookies).",
    )
    def patch(self, request):
        changes = dict(parse_input(s.MeUpdateInput, request.data))
        current_password = changes.pop("current_password", None)
        user, pair = user_update_profile(actor=request.user, changes=changes, current_password=current_password)
        response = Response({"user": s.UserOutput(user).data, "tokens": token_body(user, pair) if pair else None})
        if pair:
            set_auth_cookies(response, pair)
        return response


class AvatarView(ApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=["users"],
        operation_id="avatar_upload",
        request={"multipart/form-data": s.AvatarUploadInput},
        responses=s.UserOutput,
        description="Upload a profile picture in one request (multipart field `file`). It is checked, "
        "re-encoded without metadata and replaces the previous one. 413 over MAX_UPLOAD_BYTES or the quota.",
    )
    def post(self, request):
        upload_body_check(content_length=request.META.get("CONTENT_LENGTH"))
        data = parse_input(s.AvatarUploadInput, request.data)
        return Response(s.UserOutput(avatar_upload(actor=request.user, file=data["file"])).data)

    @extend_schema(
        tags=["users"],
        operation_id="avatar_delete",
        request=None,
        responses={204: OpenApiResponse(description="No profile picture any more (also when there was none).")},
    )
    def delete(self, request):
        avatar_remove(actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AvatarUploadUrlView(ApiView):
    @extend_schema(
        tags=["users"],
        operation_id="avatar_upload_url",
        request=s.AvatarUploadUrlInput,
        responses={201: s.AvatarUploadUrlOutput},
        description="A presigned PUT URL for uploading a profile picture straight to storage. PUT exactly "
        "`byte_size` bytes with the returned headers before `expires_at`, then call avatar/confirm with `key`.",
    )
    def post(self, request):
        ticket = avatar_upload_start(actor=request.user, **parse_input(s.AvatarUploadUrlInput, request.data))
        return Response(s.AvatarUploadUrlOutput(ticket).data, status=status.HTTP_201_CREATED)


class AvatarConfirmView(ApiView):
    @extend_schema(
        tags=["users"],
        operation_id="avatar_confirm",
        request=s.AvatarConfirmInput,
        responses=s.UserOutput,
        description="Checks the uploaded file, re-encodes it and makes it the profile picture. A refused "
        "file is deleted; 409 `upload_missing` when nothing was uploaded yet.",
    )
    def post(self, request):
        user = avatar_confirm(actor=request.user, **parse_input(s.AvatarConfirmInput, request.data))
        return Response(s.UserOutput(user).data)


class SettingsView(ApiView):
    @extend_schema(tags=["settings"], operation_id="settings_retrieve", responses=s.UserSettingsOutput)
    def get(self, request):
        return Response(s.UserSettingsOutput(user_settings_get(user=request.user)).data)

    @extend_schema(
        tags=["settings"], operation_id="settings_update", request=s.UserSettingsInput, responses=s.UserSettingsOutput
    )
    def put(self, request):
        return self._update(request, partial=False)

    @extend_schema(
        tags=["settings"],
        operation_id="settings_partial_update",
        request=s.UserSettingsInput(partial=True),
        responses=s.UserSettingsOutput,
    )
    def patch(self, request):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool):
        changes = parse_input(s.UserSettingsInput, request.data, partial=partial)
        return Response(s.UserSettingsOutput(user_settings_update(actor=request.user, changes=changes)).data)


@extend_schema(tags=["users"])
class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Accounts: STAFF see their direct reports, ADMIN everyone; only ADMIN changes them."""

    serializer_class = s.UserOutput
    permission_classes = [IsAuthenticated, IsStaffOrAdmin]
    filterset_class = UserFilter
    ordering_fields = ["email", "date_joined", "display_name"]
    ordering = ["email"]
    queryset = User.objects.none()

    def scope_queryset(self, request):
        return user_list(actor=request.user)

    def get_permissions(self):
        if self.action == "partial_update":
            return [IsAuthenticated(), IsAdminRole()]
        return super().get_permissions()

    @extend_schema(request=s.UserAdminUpdateInput, responses=s.UserOutput)
    def partial_update(self, request, id=None):
        user = self.get_object()
        changes = dict(parse_input(s.UserAdminUpdateInput, request.data))
        if changes.get("manager") is not None:
            changes["manager"] = user_by_id(id=changes["manager"], field="manager")
        return Response(s.UserOutput(user_update_by_admin(actor=request.user, user=user, changes=changes)).data)


@extend_schema(tags=["notifications"])
class NotificationViewSet(mixins.ListModelMixin, ScopedViewSet):
    serializer_class = s.NotificationOutput
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]
    queryset = Notification.objects.none()

    def scope_queryset(self, request):
        return notification_list(actor=request.user)

    @extend_schema(request=None, responses=s.NotificationOutput)
    @action(detail=True, methods=["post"])
    def read(self, request, id=None):
        notification = notification_mark_read(actor=request.user, notification=self.get_object())
        return Response(s.NotificationOutput(notification).data)

    @extend_schema(request=None, responses=s.CountOutput)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"updated": notification_mark_all_read(actor=request.user)})
