"""The staff console: Django's admin with Timekeep's name and a rate-limited sign-in."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.template.response import TemplateResponse

from config.api.ratelimit import RateLimited, limit_by_account, limit_by_ip
from config.errors import ServiceUnavailable


class TimekeepAdminSite(admin.AdminSite):
    site_header = "Timekeep staff console"
    site_title = "Timekeep"
    index_title = "Approvals, people and records"

    def login(self, request, extra_context=None):
        if request.method == "POST":
            try:
                limit_by_ip(request, group="admin-login", rate=settings.RATE_LIMIT_LOGIN_IP)
                limit_by_account(
                    request,
                    group="admin-login",
                    rate=settings.RATE_LIMIT_LOGIN_ACCOUNT,
                    account=request.POST.get("username"),
                )
            except (RateLimited, ServiceUnavailable) as exc:
                response = TemplateResponse(
                    request,
                    "admin/login_refused.html",
                    {**self.each_context(request), "title": "Sign-in paused", "message": exc.message},
                    status=exc.status,
                )
                for name, value in exc.headers.items():
                    response[name] = value
                return response
        return super().login(request, extra_context)


class TimekeepAdminConfig(AdminConfig):
    default_site = "config.admin_site.TimekeepAdminSite"
