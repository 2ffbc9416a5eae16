"""Schema post-processing: every operation documents the errors it can answer, in one place.

The views document their successful answers; what can go wrong is the same for every view of a
kind and comes from the shared machinery (authentication, throttles and rate limits, the exception
handler, the parsers, pagination), so it is added here rather than repeated on each view:

| status | when it is documented |
|---|---|
| 400 | the operation takes a body or query parameters, or writes |
| 401, 403 | the operation needs authentication (403: a role or the CSRF double submit) |
| 404 | the path, a query parameter or the body names an object by id; a list is paginated (a page past the last) |
| 409, 422 | the operation writes (a conflicting state, a business rule enforced strictly) |
| 413, 415 | the operation takes a body |
| 429, 503 | always (throttles and rate limits; a database or cache outage, with Retry-After) |

Each refers to the `Error` component, the body `config.api.errors` renders; so does an error response
a view documents itself (a 404 for a resource that may not exist yet) without a body. Pagination's `page` and
`page_size` get the bounds the paginator enforces.

A JSON body naming a field the serializer does not have is refused with 400 `unknown_field`, at any
depth (`config.api.views.parse_input`), so the objects a JSON request body refers to, and the
objects nested in them, are published with `additionalProperties: false`. Form-only bodies (the
OAuth2 password form) stay open: their extra fields are ignored."""

from __future__ import annotations

from django.conf import settings

from config.api.errors import MESSAGES

ERROR_COMPONENT = "Error"
WRITES = {"post", "put", "patch", "delete"}
METHODS = WRITES | {"get", "head", "options"}

ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error body of the API.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Machine-readable, e.g. validation_error."},
                "message": {"type": "string", "description": "For people; the first problem found."},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Per input field (or non_field_errors), the messages for it.",
                },
                "retry_after": {"type": "integer", "description": "Seconds to wait (429)."},
            },
            "required": ["code", "message", "fields"],
            "additionalProperties": True,
        }
    },
    "required": ["error"],
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}}


ERROR_CONTENT = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}


def _error_response(status: int) -> dict:
    response = {"description": MESSAGES[status], "content": ERROR_CONTENT}
    if status in {429, 503}:
        response["headers"] = RETRY_AFTER
    return response


def _has_id(schema, components: dict, seen: set[str]) -> bool:
    """Whether a request schema has a writable property holding an object's id (a UUID), at any depth."""
    if not isinstance(schema, dict) or schema.get("readOnly"):
        return False
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name in seen:
            return False
        seen.add(name)
        return _has_id(components.get(name), components, seen)
    if schema.get("format") == "uuid":
        return True
    nested = [*schema.get("properties", {}).values(), schema.get("items")]
    nested += [*schema.get("allOf", []), *schema.get("oneOf", []), *schema.get("anyOf", [])]
    return any(_has_id(item, components, seen) for item in nested)


def _names_object(path: str, operation: dict, components: dict) -> bool:
    if "{" in path:
        return True
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query" and (
            parameter["name"] == "page" or parameter.get("schema", {}).get("format") == "uuid"
        ):
            return True
    content = operation.get("requestBody", {}).get("content", {})
    return any(_has_id(media.get("schema"), components, set()) for media in content.values())


def _statuses(path: str, method: str, operation: dict, components: dict) -> set[int]:
    statuses = {429, 503}
    has_body = "requestBody" in operation
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    if has_body or has_query or method in WRITES:
        statuses.add(400)
    security = operation.get("security")
    if security and {} not in security:
        statuses |= {401, 403}
    if _names_object(path, operation, components):
        statuses.add(404)
    if method in WRITES:
        statuses |= {409, 422}
    if has_body:
        statuses |= {413, 415}
    return statuses


def _bound_pagination(operation: dict) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter.setdefault("schema", {})
        if parameter["name"] == "page_size" and schema.get("type") == "integer":
            schema.update(minimum=1, maximum=settings.API_MAX_PAGE_SIZE)
            parameter["description"] = f"Results per page, 1 to {settings.API_MAX_PAGE_SIZE}."
        elif parameter["name"] == "page" and schema.get("type") == "integer":
            schema.setdefault("minimum", 1)


def _close_object(schema: dict, components: dict, seen: set[str]) -> None:
    """Set `additionalProperties: false` on `schema` if it is an object with named properties, and
    on every object it refers to or nests (components once each). A free-form object (a JSON
    field, a mapping) says nothing of its keys and is left as it is."""
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            _close_object(components.get(name, {}), components, seen)
        return
    if "properties" in schema and "additionalProperties" not in schema:
        schema["additionalProperties"] = False
    for nested in schema.get("properties", {}).values():
        _close_object(nested, components, seen)
    for key in ("items", "not"):
        _close_object(schema.get(key), components, seen)
    for key in ("allOf", "oneOf", "anyOf"):
        for nested in schema.get(key, []):
            _close_object(nested, components, seen)


def document_errors(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOKS entry: add the error responses and pagination bounds,
    and close the objects of JSON request bodies to properties they do not name."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_COMPONENT] = ERROR_SCHEMA
    closed: set[str] = set()
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            _bound_pagination(operation)
            json_body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            _close_object(json_body.get("schema"), components, closed)
            responses = operation.setdefault("responses", {})
            for status in sorted(_statuses(path, method, operation, components)):
                responses.setdefault(str(status), _error_response(status))
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400 and "content" not in response:
                    response["content"] = ERROR_CONTENT
    return result
