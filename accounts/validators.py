import re
import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError

from config.errors import ValidationFailed


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in _timezones():
        raise ValidationError(f"'{value}' is not an IANA time zone (e.g. Europe/Berlin).", code="invalid_timezone")


def validate_country(value: str) -> None:
    if value and not re.fullmatch(r"[A-Z]{2}", value):
        raise ValidationError("Use an ISO 3166-1 alpha-2 code in capitals, e.g. DE.", code="invalid_country")


def supported_subdivisions(country: str) -> tuple[str, ...] | None:
    """Subdivisions the public-holiday calendar knows for `country`; None if it has no calendar."""
    # Imported here: the holidays package takes about 2 MB, and only location changes need it.
    from holidays import list_supported_countries

    supported = list_supported_countries()
    if country not in supported:
        return None
    return tuple(supported[country])


def validate_subdivision(country: str, subdivision: str) -> None:
    if not subdivision:
        return
    if not country:
        raise ValidationError("Set a country before a subdivision.", code="subdivision_without_country")
    known = supported_subdivisions(country)
    if known is not None and subdivision not in known:
        raise ValidationError(
            f"'{subdivision}' is not a subdivision of {country}; known: {', '.join(known) or 'none'}.",
            code="invalid_subdivision",
        )


def check_location(country: str, subdivision: str) -> None:
    """Services' form of validate_subdivision: raise the API's validation error."""
    try:
        validate_subdivision(country, subdivision)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages[0], fields={"subdivision": exc.messages}) from exc
