"""The API documentation pages (Swagger UI, ReDoc), served only from this host.

Their JavaScript comes from drf-spectacular-sidecar. ReDoc's bundle still links a logo on a
CDN, so the pages carry a Content-Security-Policy that lets the browser load nothing from
anywhere else, and the template hides that link."""

from functools import wraps

from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' blob:; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def local_only(view):
    # Pages, not API operations: only GET (drf-spectacular's views fail on OPTIONS).
    @require_safe
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CSP
        return response

    return wrapped


swagger_ui = local_only(SpectacularSwaggerView.as_view(url_name="schema"))
redoc = local_only(SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"))
