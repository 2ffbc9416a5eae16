from audit import context
from config.api.client_ip import client_ip


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.set_current(
            context.RequestContext(
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
