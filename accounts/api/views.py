from functools import partial

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema, inline_serializer
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
from accounts.services.auth import (
    auth_logout,
    auth_mfa_enrol_confirm,
    auth_mfa_enrol_start,
    auth_mfa_verify,
    auth_revoke_all,
    auth_sign_in,
    token_refresh,
    user_register,
)
from accounts.services.avatars import avatar_confirm, avatar_remove, avatar_upload, avatar_upload_start
from accounts.services.mfa import (
    VERIFY,
    Challenge,
    challenge_claims,
    mfa_status,
    mfa_totp_confirm,
    mfa_totp_disable,
    mfa_totp_start,
)
from accounts.services.notifications import notification_mark_all_read, notification_mark_read
from accounts.services.recovery import password_reset_confirm, password_reset_request
from accounts.services.settings import user_settings_get, user_settings_update
from accounts.services.users import user_update_by_admin, user_update_profile
from accounts.services.verification import email_verification_request, email_verify
from accounts.tokens import TokenPair
from config.api.authentication import REFRESH_COOKIE, JWTCookieOrBearerAuthentication, check_double_submit
from config.api.client_ip import client_ip
from config.api.parsers import JSONParser
from config.api.ratelimit import limit_by_account, limit_by_ip
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


# Verification, password reset and two-factor sign-in, listed after signing in and the account.
SECURITY_TAG = "account security"
# An error the shared schema hook does not add by itself (sign-in endpoints take no credentials,
# yet a wrong password, challenge or code is a 401).
ERROR_401 = OpenApiResponse(
    response={"$ref": "#/components/schemas/Error"},
    description="Not signed in: wrong credentials, or an invalid challenge or code.",
)
LOGIN_OUTPUT = PolymorphicProxySerializer(
    component_name="LoginOutput",
    serializers=[s.TokenOutput, s.MfaChallengeOutput],
    resource_type_field_name=None,
)


def challenge_body(challenge: Challenge) -> dict:
    methods = ["totp", "recovery_code"] if challenge.step == VERIFY else ["totp"]
    return s.MfaChallengeOutput(
        {
            "mfa_required": True,
            "challenge": challenge.token,
            "step": challenge.step,
            "methods": methods,
            "expires_in": challenge.expires_in,
        }
    ).data


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
        responses={200: LOGIN_OUTPUT, 401: ERROR_401},
        description="JSON `{email, password}` or the OAuth2 password grant (form-encoded `username`, `password`). "
        "An account with two-factor sign-in answers `{mfa_required: true, challenge, ...}` and no tokens: "
        "complete it at auth/mfa/verify/ (or, for step `enrol`, set up an authenticator first).",
    )
    def post(self, request):
        limit_by_ip(request, group="login", rate=settings.RATE_LIMIT_LOGIN_IP)
        data = parse_input(s.LoginInput, request.data)
        limit_by_account(request, group="login", rate=settings.RATE_LIMIT_LOGIN_ACCOUNT, account=data["email"])
        signed_in = auth_sign_in(**data)
        if signed_in.challenge is not None:
            return Response(challenge_body(signed_in.challenge))
        return token_response(signed_in.user, signed_in.pair)


class LoginJsonView(LoginView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["auth"],
        operation_id="auth_login_json",
        request=s.LoginInput,
        responses={200: LOGIN_OUTPUT, 401: ERROR_401},
    )
    def post(self, request):
        return super().post(request)


class RefreshView(AuthEndpoint):
    @extend_schema(
        tags=["auth"],
        operation_id="auth_refresh",
        request=s.RefreshInput,
        responses={200: s.TokenOutput, 401: ERROR_401},
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


class PasswordResetView(AuthEndpoint):
    @extend_schema(
        tags=[SECURITY_TAG],
        operation_id="auth_password_reset",
        request=s.PasswordResetInput,
        responses={202: s.DetailOutput},
        description="E-mails a reset link ({FRONTEND_URL}/reset-password?token=...) to the account with this "
        "address, if there is an active one. The answer is 202 whatever the address.",
    )
    def post(self, request):
        limit_by_ip(request, group="password-reset", rate=settings.RATE_LIMIT_PASSWORD_RESET_IP)
        data = parse_input(s.PasswordResetInput, request.data)
        limit_by_account(
            request, group="password-reset", rate=settings.RATE_LIMIT_PASSWORD_RESET_ACCOUNT, account=data["email"]
        )
        password_reset_request(email=data["email"], requested_from=client_ip(request))
        detail = "If an account has this address, a link to reset its password is on its way."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(AuthEndpoint):
    @extend_schema(
        tags=[SECURITY_TAG],
        operation_id="auth_password_reset_confirm",
        request=s.PasswordResetConfirmInput,
        responses={204: OpenApiResponse(description="Password set; every session of the account ended.")},
        description="Sets a new password with the token from a reset link (once; it expires after "
        "PASSWORD_RESET_TOKEN_SECONDS). Ends every session of the account, like a password change, and marks "
        "its address verified. 400 `token_invalid` for an expired, used or forged token.",
    )
    def post(self, request):
        limit_by_ip(request, group="password-reset-confirm", rate=settings.RATE_LIMIT_PASSWORD_RESET_IP)
        password_reset_confirm(**parse_input(s.PasswordResetConfirmInput, request.data))
        response = Response(status=status.HTTP_204_NO_CONTENT)
        clear_auth_cookies(response)
        return response


class VerifyEmailView(AuthEndpoint):
    @extend_schema(
        tags=[SECURITY_TAG],
        operation_id="auth_verify_email",
        request=s.VerifyEmailInput,
        responses={200: s.VerifyEmailOutput},
        description="Uses the token from a verification link ({FRONTEND_URL}/verify-email?token=...): the address "
        "is verified, or a pending new address becomes the account's (the old one is told). Needs no sign-in.",
    )
    def post(self, request):
        limit_by_ip(request, group="verify-email", rate=settings.RATE_LIMIT_VERIFY_EMAIL_IP)
        user = email_verify(**parse_input(s.VerifyEmailInput, request.data))
        return Response(s.VerifyEmailOutput(user).data)


class VerifyEmailResendView(ApiView):
    @extend_schema(
        tags=[SECURITY_TAG],
        operation_id="auth_verify_email_resend",
        request=None,
        responses={202: s.VerificationSentOutput},
        description="Sends the verification link again: to the pending new address, else to the unverified "
        "current one. 409 `email_already_verified` when nothing waits for verification.",
    )
    def post(self, request):
        limit_by_ip(request, group="verify-email", rate=settings.RATE_LIMIT_VERIFY_EMAIL_IP)
        limit_verification_emails(request)
        address = email_verification_request(actor=request.user)
        return Response({"email": address}, status=status.HTTP_202_ACCEPTED)


def limit_verification_emails(request) -> None:
    """Verification links a signed-in account has sent (resends and address changes together)."""
    account = str(request.user.uuid)
    limit_by_account(request, group="verify-email", rate=settings.RATE_LIMIT_VERIFY_EMAIL_ACCOUNT, account=account)


def limit_mfa(request, account: str | None) -> None:
    """Second-factor codes: per IP, and per account over API and console together."""
    limit_by_ip(request, group="mfa", rate=settings.RATE_LIMIT_MFA_IP)
    limit_by_account(request, group="mfa", rate=settings.RATE_LIMIT_MFA_ACCOUNT, account=account)


def challenge_account(challenge: str) -> str | None:
    claims = challenge_claims(challenge)
    return str(claims["u"]) if claims else None


class MfaVerifyView(AuthEndpoint):
    @extend_schema(
        tags=[SECURITY_TAG],
        operation_id="auth_mfa_verify",
        request=s.MfaVerifyInput,
        responses={200: s.TokenOutput, 401: ERROR_401},
        description="Completes a sign-in that answered `mfa_required` (step `verify`) with the authenticator's "
        "current code or an unused recovery code: the usual token response. 401 `challenge_invalid` (sign in "
        "again) or `invalid_code`.",
    )
    def post(self, request):
        data = parse_input(s.MfaVerifyInput, request.data)
        limit_mfa(request, challenge_account(data["challenge"]))
        user, pair = auth_mfa_verify(**data)
        return token_response(user, pair)


class MfaTotpView(ApiView):
    """The caller's authenticator. Setting one up also works with an `enrol` challenge instead of
    being signed in (an account whose role requires two-factor sign-in and that has none yet)."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=[SECURITY_TAG], operation_id="auth_mfa_status", responses={200: s.MfaStatusOutput, 401: ERROR_401}
    )
    def get(self, request):
        return Response(s.MfaStatusOutput(mfa_status(user=signed_in(request))).data)

    @extend_schema(
        tags=[SECURITY_TAG],
        operation_id="auth_mfa_totp_start",
        request=s.MfaTotpStartInput,
        responses={200: s.MfaTotpSetupOutput, 401: ERROR_401},
        description="Starts setting up an authenticator app: a new secret and its otpauth:// URI (show it as a "
        "QR code). Confirm with the app's first code at auth/mfa/totp/confirm/. With two-factor sign-in already "
        "on, the new app replaces the old one once confirmed.",
    )
    def post(self, request):
        data = parse_input(s.MfaTotpStartInput, request.data)
        if data.get("challenge"):
            limit_mfa(request, challenge_account(data["challenge"]))
            setup = auth_mfa_enrol_start(challenge=data["challenge"])
        else:
            user = signed_in(request)
            limit_mfa(request, str(user.uuid))
            setup = mfa_totp_start(actor=user)
        return Response(s.MfaTotpSetupOutput(setup).data)

    @extend_schema(
        tags=[SECURITY_TAG],
        operation_id="auth_mfa_totp_delete",
        request=None,
        responses={204: OpenApiResponse(description="Two-factor sign-in is off."), 401: ERROR_401},
        description='Turns two-factor sign-in off. Send `{"code": ...}` in the JSON body: a current code or a '
        "recovery code. 409 `mfa_required` when the account's role requires it.",
    )
    def delete(self, request):
        user = signed_in(request)
        data = parse_input(s.MfaCodeInput, request.data)
        limit_mfa(request, str(user.uuid))
        mfa_totp_disable(actor=user, code=data["code"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MfaTotpConfirmView(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[SECURITY_TAG],
        operation_id="auth_mfa_totp_confirm",
        request=s.MfaTotpConfirmInput,
        responses={200: s.MfaTotpConfirmOutput, 401: ERROR_401},
        description="Confirms the authenticator being set up with its current code: two-factor sign-in is on, "
        "and ten recovery codes are returned (shown this once; they replace earlier ones). With an `enrol` "
        "challenge the answer also carries the tokens of the completed sign-in (also set as cookies).",
    )
    def post(self, request):
        data = parse_input(s.MfaTotpConfirmInput, request.data)
        if data.get("challenge"):
            limit_mfa(request, challenge_account(data["challenge"]))
            user, codes, pair = auth_mfa_enrol_confirm(challenge=data["challenge"], code=data["code"])
            response = Response({"recovery_codes": codes, "tokens": token_body(user, pair)})
            set_auth_cookies(response, pair)
            return response
        user = signed_in(request)
        limit_mfa(request, str(user.uuid))
        return Response({"recovery_codes": mfa_totp_confirm(actor=user, code=data["code"]), "tokens": None})


def signed_in(request) -> User:
    if not request.user.is_authenticated:
        raise AuthenticationRequired("Authentication credentials were not provided.")
    return request.user


class MeView(ApiView):
    @extend_schema(tags=["users"], operation_id="me_retrieve", responses=s.UserOutput)
    def get(self, request):
        return Response(s.user_output(request.user))

    @extend_schema(
        tags=["users"],
        operation_id="me_update",
        request=s.MeUpdateInput,
        responses=s.MeUpdateOutput,
        description="Changing email or password needs current_password. A new email is pending until the link "
        "e-mailed to it is used (auth/verify-email/); the old address is then told. A password change ends "
        "every other session and returns fresh tokens (also set as cookies).",
    )
    def patch(self, request):
        changes = dict(parse_input(s.MeUpdateInput, request.data))
        if changes.get("email") is not None:  # each new address is sent a link
            limit_verification_emails(request)
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
        responses={200: s.UserOutput, 404: OpenApiResponse(description="No pending upload of yours has this key.")},
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
