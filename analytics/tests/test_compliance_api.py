"""Team compliance over HTTP: tracking's rules, arranged per person of the requester's scope."""

import pytest
from django.urls import reverse

from accounts.tests.factories import AdminFactory
from tracking.compliance import MAX_DAILY, MAX_WEEKLY, MIN_REST, compliance_violations
from tracking.tests.factories import TimeEntryFactory, at

pytestmark = pytest.mark.django_db

URL = reverse("analytics:report-compliance")
WEEK = {"from": "2025-09-15T00:00:00Z", "to": "2025-09-22T00:00:00Z"}


def people(body):
    return {person["user"]["name"]: person for person in body["users"]}


@pytest.fixture
def breaches(team):
    """Ada works 11 h on Monday (daily maximum); Ben ends Monday at 23:00 and starts Tuesday at
    06:00 (7 h of rest), and works six 9-hour days (54 h: weekly maximum); the outsider breaks
    the daily maximum too."""
    ada, ben = team["reports"]
    TimeEntryFactory(user=ada, start=at(0, 7), end=at(0, 18))
    for day in range(6):
        TimeEntryFactory(user=ben, start=at(day, 6 if day else 14), end=at(day, 15 if day else 23))
    TimeEntryFactory(user=team["outsider"], start=at(2, 6), end=at(2, 18))
    return team


def test_a_staff_member_sees_each_of_their_people_with_the_rules_they_broke(client_for, breaches):
    body = client_for(breaches["manager"]).get(URL, WEEK).json()
    found = people(body)
    assert set(found) == {"Mona Manager", "Ada", "Ben"}
    assert found["Mona Manager"]["violations"] == [] and found["Mona Manager"]["count"] == 0
    assert [(v["rule"], v["date"], v["hours"]) for v in found["Ada"]["violations"]] == [(MAX_DAILY, "2025-09-15", 11.0)]
    assert sorted((v["rule"], v["date"]) for v in found["Ben"]["violations"]) == [
        (MAX_WEEKLY, "2025-09-15"),
        (MIN_REST, "2025-09-16"),
    ]
    assert body["violation_count"] == 3
    assert body["limits"] == {"weekly_hours": 48.0, "daily_hours": 10.0, "rest_hours": 11.0}


def test_the_report_is_trackings_answer_arranged_per_person(client_for, breaches):
    admin = AdminFactory()
    body = client_for(admin).get(URL, WEEK).json()
    ours = sorted((p["user"]["id"], v["rule"], v["date"]) for p in body["users"] for v in p["violations"])
    start, end = at(0, 0), at(7, 0)
    violations = compliance_violations(actor=admin, start=start, end=end)
    theirs = sorted((str(v.user_id), v.rule, v.date.isoformat()) for v in violations)
    assert ours == theirs and len(ours) == 4


def test_users_narrows_the_report_and_refuses_anyone_outside_the_scope(client_for, breaches):
    client = client_for(breaches["manager"])
    ada = breaches["reports"][0]
    body = client.get(URL, {**WEEK, "users": str(ada.uuid)}).json()
    assert list(people(body)) == ["Ada"]
    refused = client.get(URL, {**WEEK, "users": str(breaches["outsider"].uuid)})
    assert refused.status_code == 404


def test_a_user_sees_only_themself(client_for, breaches):
    ada = breaches["reports"][0]
    body = client_for(ada).get(URL, WEEK).json()
    assert list(people(body)) == ["Ada"]
    assert people(body)["Ada"]["count"] == 1


def test_the_window_is_checked(client_for, user):
    response = client_for(user).get(URL, {"from": "2025-09-22T00:00:00Z", "to": "2025-09-15T00:00:00Z"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"to": ["Must be after `from`."]}
