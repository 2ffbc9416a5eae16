"""Audit sign-ins to the admin console.

The admin signs people in through Django's own login view, which no service of ours wraps, so
its auth signals are the place to hook in. API logins are audited by accounts.services.auth."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from audit.models import Action
from audit.services import audit_record


def _is_admin(request) -> bool:
    return request is not None and request.path.startswith("/admin/")


@receiver(user_logged_in, dispatch_uid="accounts.audit_admin_login")
def audit_admin_login(sender, request, user, **kwargs):
    if _is_admin(request):
        changes = {"via": "admin"}
        method = getattr(request, "console_mfa_method", None)  # set by accounts.console_login
        if method:
            changes["mfa"] = method
        audit_record(actor=user, action=Action.AUTH_LOGIN, target=user, changes=changes)


@receiver(user_login_failed, dispatch_uid="accounts.audit_admin_login_failed")
def audit_admin_login_failed(sender, credentials, request=None, **kwargs):
    if _is_admin(request):
        email = str(credentials.get("username") or credentials.get("email") or "")[:254]
        audit_record(actor=None, action=Action.AUTH_LOGIN_FAILED, actor_email=email, changes={"via": "admin"})
