"""C3PO's auth calls. Every call comes from its SvelteKit server, authenticated by the Bearer
header or the refresh token in the body; cookies it forwards are its own and are not read."""

from __future__ import annotations

from django.conf import settings
from rest_framework import status
from rest_framework.parsers import FormParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.services.auth import auth_login, auth_logout_access, token_refresh, user_register
from compat.base import CompatView, PublicView, error_code, parse
from compat.c3po import translators as t
from config.api.parsers import JSONParser
from config.api.ratelimit import limit_by_account, limit_by_ip, limit_refresh


class RegisterView(PublicView):
    def post(self, request):
        limit_by_ip(request, group="register", rate=settings.RATE_LIMIT_REGISTER_IP)
        data = parse(t.RegisterInput, request.data)
        user, _ = user_register(
            email=data["email"], password=data["password"], display_name=f"{data['first_name']} {data['last_name']}"
        )
        return Response(t.user_json(user), status=status.HTTP_201_CREATED)

    def translate_error(self, exc, response):
        if error_code(exc) == "email_taken":
            response.status_code, response.data = 400, {"detail": "Email already registered"}


class LoginJsonView(PublicView):
    """JSON `{email, password}`."""

    serializer = t.LoginJsonInput
    email_field = "email"

    def post(self, request):
        limit_by_ip(request, group="login", rate=settings.RATE_LIMIT_LOGIN_IP)
        data = parse(self.serializer, request.data)
        email = data[self.email_field]
        limit_by_account(request, group="login", rate=settings.RATE_LIMIT_LOGIN_ACCOUNT, account=email)
        _, pair = auth_login(email=email, password=data["password"])
        return Response(t.token_json(pair))

    def translate_error(self, exc, response):
        if error_code(exc) == "invalid_credentials":
            response.data = {"detail": "Incorrect email or password"}


class LoginFormView(LoginJsonView):
    """The OAuth2 password form (`username` is the e-mail)."""

    serializer = t.LoginFormInput
    email_field = "username"
    parser_classes = [FormParser, JSONParser]


class RefreshView(PublicView):
    def post(self, request):
        check = limit_refresh(request)
        raw = parse(t.RefreshInput, request.data)["refresh_token"]

        return Response(t.token_json(token_refresh(raw_refresh=raw, check_claims=check).pair))

    def translate_error(self, exc, response):
        if response.status_code == 401:
            response.data = {"detail": "Invalid refresh token"}


class LogoutView(CompatView):
    """Ends the access token it is called with, as C3PO's backend did (its refresh token is not
    sent, so it stays valid until used or expired)."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        auth_logout_access(actor=request.user, access=request.auth)
        return Response({"message": "Successfully logged out"})


class MeView(CompatView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response(t.user_json(request.user))
