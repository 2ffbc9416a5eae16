"""The staff console's sign-in with a second factor.

The console signs people in with Django's admin login (the site's own rate limits included), with
one change to its form: an account that has two-factor sign-in on is not signed in by its
password. Instead this view, mounted at the console's login URL, keeps the half-finished sign-in
in the session (for MFA_CHALLENGE_SECONDS, bound to the account's token version) and asks for the
authenticator's code or a recovery code on a second page. Codes are checked by the same service
as the API's (accounts.services.mfa), under the same per-account rate limit; a wrong one is
audited, a right one signs in (audited as a console sign-in, with the method used).

An account whose role requires two-factor sign-in (REQUIRE_2FA_FOR_STAFF) and that has none is
refused with a message: it sets up an authenticator through the API first."""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import login as session_login
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from accounts.models import User
from accounts.services.mfa import ENROL, VERIFY, mfa_check_code, mfa_code_failed, mfa_sign_in_step
from audit.models import Action
from audit.services import audit_record
from config.api.ratelimit import RateLimited, limit_by_account, limit_by_ip
from config.errors import ServiceUnavailable

PENDING = "console_mfa_pending"
# Wrong codes one half-finished sign-in may try before it starts over with the password.
MAX_TRIES = 5


class ConsolePasswordForm(AdminAuthenticationForm):
    """The admin's sign-in form, which lets no account with two-factor sign-in through on its
    password alone: it names the account in `mfa_user` and refuses, and the view asks for the code."""

    mfa_user: User | None = None

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        step = mfa_sign_in_step(user)
        if step == ENROL:
            raise forms.ValidationError(
                "Two-factor sign-in is required for staff accounts. Set up an authenticator app through the "
                "API first (POST /api/v1/auth/login/ answers with a set-up challenge), then sign in here.",
                code="mfa_enrolment_required",
            )
        if step == VERIFY:
            self.mfa_user = user
            raise forms.ValidationError("Enter the code from your authenticator app.", code="mfa_required")


def _context(request, **extra) -> dict:
    return {**admin.site.each_context(request), "title": "Two-factor sign-in", **extra}


def _code_page(request, *, error: str | None = None, status: int = 200) -> TemplateResponse:
    pending = request.session.get(PENDING, {})
    context = _context(request, error=error, next=pending.get("next", ""), username=pending.get("email", ""))
    return TemplateResponse(request, "admin/mfa_verify.html", context, status=status)


def _refused(request, exc) -> TemplateResponse:
    context = _context(request, title="Sign-in paused", message=exc.message)
    response = TemplateResponse(request, "admin/login_refused.html", context, status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def _start_over(request, message: str):
    request.session.pop(PENDING, None)
    messages.warning(request, message)
    return redirect("admin:login")


def _pending_user(request) -> User | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > settings.MFA_CHALLENGE_SECONDS:
        return None
    user = User.objects.filter(uuid=pending.get("user"), is_active=True, is_staff=True).first()
    if user is None or user.token_version != pending.get("ver"):
        return None
    return user


def _safe_next(request, target: str) -> str:
    hosts = {request.get_host()}
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts=hosts, require_https=request.is_secure())
    return target if target and allowed else ""


def _code_step(request):
    user = _pending_user(request)
    if user is None:
        return _start_over(request, "That sign-in has expired. Enter your password again.")
    try:
        limit_by_ip(request, group="mfa", rate=settings.RATE_LIMIT_MFA_IP)
        limit_by_account(request, group="mfa", rate=settings.RATE_LIMIT_MFA_ACCOUNT, account=str(user.uuid))
    except (RateLimited, ServiceUnavailable) as exc:
        return _refused(request, exc)
    with transaction.atomic():
        method = mfa_check_code(user=user, code=request.POST.get("code", "")[:40])
    if method is None:
        mfa_code_failed(user=user, via="admin")
        pending = request.session[PENDING]
        pending["tries"] = pending.get("tries", 0) + 1
        request.session[PENDING] = pending
        if pending["tries"] >= MAX_TRIES:
            return _start_over(request, "Too many wrong codes. Enter your password again.")
        return _code_page(request, error="That code is neither current nor an unused recovery code.")
    target = _safe_next(request, request.session[PENDING].get("next", ""))
    del request.session[PENDING]
    request.console_mfa_method = method  # read by the sign-in audit receiver (accounts.signals)
    session_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(target or "admin:index")


@sensitive_post_parameters()
@csrf_protect
@never_cache
def console_login(request):
    """/admin/login/: the password (Django's admin login), then the code when one is due."""
    if request.method == "POST" and request.POST.get("step") == "code":
        return _code_step(request)
    response = admin.site.login(request)
    form = (getattr(response, "context_data", None) or {}).get("form")
    user = getattr(form, "mfa_user", None)
    if user is None:
        return response
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": str(user.uuid),
        "email": user.email,
        "ver": user.token_version,
        "at": time.time(),
        "next": target,
        "tries": 0,
    }
    audit_record(actor=user, action=Action.AUTH_MFA_CHALLENGE, target=user, changes={"step": VERIFY, "via": "admin"})
    return _code_page(request)
