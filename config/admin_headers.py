"""The staff console's Content-Security-Policy.

The console is Django's admin: its pages load scripts, styles and images from this host's static
files only (the JSON blobs some pages embed are data, not scripts). So the policy lets the browser
run and load nothing from anywhere else, like the API documentation pages' (config/api/docs.py):
an injected script or a redirected form has nowhere to go. ADMIN_CSP in settings holds the value."""

from __future__ import annotations

from django.conf import settings

ADMIN_PREFIX = "/admin/"


class AdminContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(ADMIN_PREFIX) and settings.ADMIN_CSP:
            response.setdefault("Content-Security-Policy", settings.ADMIN_CSP)
        return response
