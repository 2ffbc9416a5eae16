from django.conf import settings


def client_ip(request) -> str | None:
    """The caller's address. With TRUSTED_PROXY_COUNT=N, the N-th address from the right of
    X-Forwarded-For (the one our outermost proxy saw); a client cannot forge its way past it."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
