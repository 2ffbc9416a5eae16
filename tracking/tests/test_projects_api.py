"""Projects and tasks over HTTP, and the default-project settings validator."""

import pytest

from accounts.tests.factories import AdminFactory, StaffFactory, UserFactory
from audit.models import AuditEvent
from tracking.models import Project, Task
from tracking.tests.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

PROJECTS = "/api/v1/projects/"
TASKS = "/api/v1/tasks/"


def test_everyone_reads_active_projects_staff_also_archived(client_for, user, staff):
    active = ProjectFactory(code="LIVE")
    archived = ProjectFactory(code="GONE", archived=True)
    assert [p["code"] for p in client_for(user).get(PROJECTS).json()["results"]] == ["LIVE"]
    assert client_for(user).get(f"{PROJECTS}{archived.uuid}/").status_code == 404
    assert {p["code"] for p in client_for(staff).get(PROJECTS).json()["results"]} == {"LIVE", "GONE"}
    assert [p["id"] for p in client_for(staff).get(f"{PROJECTS}?archived=true").json()["results"]] == [
        str(archived.uuid)
    ]
    assert client_for(user).get(f"{PROJECTS}?search=liv").json()["results"][0]["id"] == str(active.uuid)


def test_staff_creates_updates_and_archives_a_project(client_for, staff, user):
    client = client_for(staff)
    created = client.post(PROJECTS, {"code": "acme-1", "name": "Acme", "color": "#a1b2c3"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["code"], body["color"], body["billable"], body["archived"]) == ("ACME-1", "#A1B2C3", True, False)
    url = f"{PROJECTS}{body['id']}/"
    assert client.patch(url, {"name": "Acme Corp", "billable": False}).json()["billable"] is False
    assert client.post(f"{url}archive/").json()["archived"] is True
    assert client.post(f"{url}archive/").status_code == 200  # idempotent
    assert client_for(user).get(url).status_code == 404
    assert client.post(f"{url}unarchive/").json()["archived"] is False
    actions = list(AuditEvent.objects.order_by("created_at", "id").values_list("action", flat=True))
    assert actions == ["project.create", "project.update", "project.archive", "project.unarchive"]


def test_project_codes_are_unique_whatever_the_case(client_for, staff):
    ProjectFactory(code="ACME")
    other = ProjectFactory(code="OTHER")
    client = client_for(staff)
    taken = client.post(PROJECTS, {"code": "acme", "name": "Again"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "code_taken"
    assert client.patch(f"{PROJECTS}{other.uuid}/", {"code": "Acme"}).status_code == 409
    assert Project.objects.get(pk=other.pk).code == "OTHER"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "", "name": "x"}, "code"),
        ({"code": "has space", "name": "x"}, "code"),
        ({"code": "X" * 33, "name": "x"}, "code"),
        ({"code": "OK"}, "name"),
        ({"code": "OK", "name": "x", "color": "red"}, "color"),
        ({"code": "OK", "name": "x", "billable": "often"}, "billable"),
        ({"code": ["OK"], "name": "x"}, "code"),
    ],
)
def test_bad_projects_are_400(client_for, staff, payload, field):
    response = client_for(staff).post(PROJECTS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [("user", 200, 403), ("staff", 200, 200), ("admin", 200, 200), ("anonymous", 401, 401)],
)
def test_project_permission_matrix(api_client, client_for, who, read, write):
    project = ProjectFactory()
    actors = {"user": UserFactory(), "staff": StaffFactory(), "admin": AdminFactory()}
    client = api_client if who == "anonymous" else client_for(actors[who])
    url = f"{PROJECTS}{project.uuid}/"
    assert client.get(url).status_code == read
    created = 201 if write == 200 else write
    assert client.patch(url, {"name": "Renamed"}).status_code == write
    assert client.post(TASKS, {"project": str(project.uuid), "name": "T"}).status_code == created
    assert client.post(f"{url}archive/").status_code == write
    assert client.post(PROJECTS, {"code": f"N{who[:3]}", "name": "New"}).status_code == created
    project.refresh_from_db()
    assert (project.name == "Renamed") is (write == 200)


def test_tasks_by_project_and_code(client_for, user, staff):
    web, ops = ProjectFactory(code="WEB"), ProjectFactory(code="OPS")
    client = client_for(staff)
    design = client.post(TASKS, {"project": str(web.uuid), "name": "Design"})
    assert design.status_code == 201 and design.json()["project_code"] == "WEB"
    client.post(TASKS, {"project": str(ops.uuid), "name": "Support"})
    assert client.post(TASKS, {"project": str(web.uuid), "name": "Design"}).status_code == 409
    unknown = client.post(TASKS, {"project": "6f1c1f7e-3b1a-4f0e-9a55-0d4c3d2b1a00", "name": "X"})
    assert unknown.status_code == 400 and "project" in unknown.json()["error"]["fields"]

    reader = client_for(user)
    assert [t["name"] for t in reader.get(f"{TASKS}?project={web.uuid}").json()["results"]] == ["Design"]
    assert [t["name"] for t in reader.get(f"{TASKS}?project_code=ops").json()["results"]] == ["Support"]
    task_url = f"{TASKS}{design.json()['id']}/"
    assert client.patch(task_url, {"name": "UX"}).json()["name"] == "UX"
    assert client.post(f"{task_url}archive/").json()["archived"] is True
    assert reader.get(task_url).status_code == 404
    assert reader.patch(task_url, {"name": "Mine"}).status_code == 403  # the role gate comes first


def test_archived_projects_take_no_new_tasks(client_for, staff):
    project = ProjectFactory(archived=True)
    response = client_for(staff).post(TASKS, {"project": str(project.uuid), "name": "Late"})
    assert response.status_code == 409
    assert not Task.objects.exists()


def test_project_and_task_lists_follow_the_page_size(client_for, user):
    for project in ProjectFactory.create_batch(12):
        TaskFactory(project=project)
    client = client_for(user)
    for url in (PROJECTS, TASKS):
        small = client.get(f"{url}?page_size=3")
        large = client.get(f"{url}?page_size=30")
        assert len(small.json()["results"]) == 3
        assert len(large.json()["results"]) == 12


def test_default_project_setting_must_name_an_active_project(client_for, user):
    active, archived = ProjectFactory(), ProjectFactory(archived=True)
    client = client_for(user)
    unknown = client.patch("/api/v1/settings/", {"default_project": "6f1c1f7e-3b1a-4f0e-9a55-0d4c3d2b1a00"})
    assert unknown.status_code == 400 and "default_project" in unknown.json()["error"]["fields"]
    assert client.patch("/api/v1/settings/", {"default_project": str(archived.uuid)}).status_code == 400
    accepted = client.patch("/api/v1/settings/", {"default_project": str(active.uuid)})
    assert accepted.status_code == 200 and accepted.json()["default_project"] == str(active.uuid)
    assert client.patch("/api/v1/settings/", {"default_project": None}, format="json").status_code == 200
