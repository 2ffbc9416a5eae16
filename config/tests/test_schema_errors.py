"""The published schema documents every error an operation can answer, with the one error body,
and the page bounds the paginator enforces (what the schemathesis gate holds the API to)."""

import jsonschema
import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_its_errors(schema):
    missing = []
    for path, method, operation in operations(schema):
        documented = set(operation["responses"])
        expected = {"429", "503"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"400", "413", "415"}
        if operation.get("security") and {} not in operation["security"]:
            expected |= {"401", "403"}
        if expected - documented:
            missing.append(f"{method.upper()} {path}: {sorted(expected - documented)}")
    assert not missing


def test_error_responses_refer_to_the_error_component(schema):
    response = schema["paths"]["/api/v1/time-entries/"]["post"]["responses"]["400"]
    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "Retry-After" in schema["paths"]["/api/v1/time-entries/"]["get"]["responses"]["503"]["headers"]


def test_page_size_is_bounded(schema):
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/time-entries/"]["get"]["parameters"]}
    assert parameters["page_size"]["minimum"] == 1
    assert parameters["page_size"]["maximum"] == settings.API_MAX_PAGE_SIZE
    assert parameters["page"]["minimum"] == 1


def test_a_real_error_body_matches_the_component(schema, client_for, user):
    body = client_for(user).post("/api/v1/time-entries/", {"start_utc": "nope"}, format="json").json()
    resolver_schema = {**schema["components"]["schemas"]["Error"], "components": schema["components"]}
    jsonschema.validate(body, resolver_schema)


def test_json_request_bodies_refuse_properties_they_do_not_name(schema):
    """The API answers 400 `unknown_field` to a JSON body naming a field it does not know, so the
    schema closes the objects of JSON bodies, nested ones included; form-only bodies stay open."""
    components = schema["components"]["schemas"]
    open_bodies = []
    for path, method, operation in operations(schema):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body and components[body["schema"]["$ref"].rsplit("/", 1)[1]].get("additionalProperties") is not False:
            open_bodies.append(f"{method.upper()} {path}")
    assert not open_bodies
    assert components["TimeEntryCreateInputRequest"]["additionalProperties"] is False
    assert components["WorkPatternInputRequest"]["additionalProperties"] is False
    assert "additionalProperties" not in components["OAuth2PasswordFormRequest"]
    assert "additionalProperties" not in components["TimeEntryOutput"]


def test_a_user_without_a_pending_address_matches_the_user_component(schema, client_for, user):
    """pending_email is "" without a pending change: the schema must not promise an e-mail format."""
    body = client_for(user).get("/api/v1/auth/me/").json()
    assert body["pending_email"] == ""
    published = schema["components"]["schemas"]["UserOutput"]["properties"]["pending_email"]
    jsonschema.Draft7Validator(published, format_checker=jsonschema.FormatChecker()).validate(body["pending_email"])


def test_404_is_documented_where_an_id_or_a_page_is_named(schema, client_for, user):
    """A page past the last, a query filter or a body field naming someone else's object: 404."""
    paths = schema["paths"]
    assert "404" in paths["/api/v1/sessions/"]["get"]["responses"]  # ?page=
    assert "404" in paths["/api/v1/work-pattern/"]["get"]["responses"]  # ?user=
    assert "404" in paths["/api/v1/sessions/"]["post"]["responses"]  # {"group": ...}
    assert "404" in paths["/api/v1/sessions/latest/"]["get"]["responses"]  # documented by the view
    assert paths["/api/v1/sessions/latest/"]["get"]["responses"]["404"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
    }
    assert "404" not in paths["/api/v1/auth/register/"]["post"]["responses"]
    assert client_for(user).get("/api/v1/sessions/?page=9").status_code == 404
