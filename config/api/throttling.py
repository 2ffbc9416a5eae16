"""General API throttles. Unlike the auth rate limits these fail open: an unreachable cache
must not take every read down with it."""

import logging

from rest_framework import throttling

from config.errors import is_unavailable

logger = logging.getLogger("timekeep.api")


class _FailOpen:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            logger.warning("throttle cache unavailable, allowing request: %s", exc)
            return True


class AnonThrottle(_FailOpen, throttling.AnonRateThrottle):
    scope = "anon"


class UserThrottle(_FailOpen, throttling.UserRateThrottle):
    scope = "user"
