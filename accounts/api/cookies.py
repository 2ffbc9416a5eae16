"""The browser half of the auth: tokens as cookies, plus the readable CSRF cookie."""

from django.conf import settings

from accounts.tokens import TokenPair
from config.api.authentication import ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE

# The refresh cookie only travels to the API (which includes the auth endpoints).
REFRESH_COOKIE_PATH = "/api/"


def _common() -> dict:
    return {"domain": settings.COOKIE_DOMAIN, "secure": settings.COOKIE_SECURE, "samesite": settings.COOKIE_SAMESITE}


def set_auth_cookies(response, pair: TokenPair) -> None:
    response.set_cookie(
        ACCESS_COOKIE, pair.access, max_age=pair.access_lifetime_seconds, httponly=True, path="/", **_common()
    )
    response.set_cookie(
        REFRESH_COOKIE,
        pair.refresh,
        max_age=pair.refresh_lifetime_seconds,
        httponly=True,
        path=REFRESH_COOKIE_PATH,
        **_common(),
    )
    response.set_cookie(
        CSRF_COOKIE, pair.csrf, max_age=pair.refresh_lifetime_seconds, httponly=False, path="/", **_common()
    )


def clear_auth_cookies(response) -> None:
    common = {"domain": settings.COOKIE_DOMAIN, "samesite": settings.COOKIE_SAMESITE}
    response.delete_cookie(ACCESS_COOKIE, path="/", **common)
    response.delete_cookie(REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, **common)
    response.delete_cookie(CSRF_COOKIE, path="/", **common)
