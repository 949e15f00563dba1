"""The API against its own OpenAPI schema (schemathesis, issue 10): every operation is called with
generated input, valid and hostile (huge strings, NUL bytes, wrong types, out-of-range numbers,
missing fields, malformed bodies), as a person whose role may use it, in-process through WSGI on
the test database (demo data, rolled back after each operation). Each answer must be no server
error, a status code and content type the schema declares, a body of the declared shape, and
for invalid input a 4xx that says what is wrong."""

import json
from importlib import import_module

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from ninja.responses import NinjaJSONEncoder
from schemathesis.config import SchemathesisConfig

from api.urls import api
from core.access import can, visible_to
from core.models import ApiToken, Person
from core.roles import Role

from .conftest import USERNAME_BY_ROLE

PREFIX = "/api/v1/"

# Who calls an operation: the first of these roles that holds its permission (core.access), so
# each operation runs as the narrowest role the API is written for.
ROLES = (
    Role.HEALTH_DATA,
    Role.CARRIER,
    Role.POLICE,
    Role.DISTRICT_BROADCAST,
    Role.DISTRICT_CULTURE,
    Role.FOCAL_POINT,
    Role.INSPECTOR,
    Role.LEADER,
    Role.ADMIN,
)

# Schema-valid input may still break a rule the schema cannot say (an unknown district, a date in
# the future): for valid input 422 is an acceptable answer too, with its message.
POSITIVE_STATUSES = ["2xx", "401", "403", "404", "409", "422"]

config = SchemathesisConfig.from_dict(
    {
        "base-url": "http://testserver",
        "generation": {
            # At most 40 examples an operation, the same ones on every run (no example database).
            "max-examples": 40,
            "deterministic": True,
            "database": "none",
            # The token is the test's (below), not generated; unknown query parameters are
            # ignored, as web APIs do (a cache-busting `?_=1`), so none is sent as invalid input.
            "with-security-parameters": False,
            "allow-extra-parameters": False,
        },
        "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_STATUSES}},
    }
)
# The listening tools push JSON lines: sent as the generated text.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix=PREFIX), config=config)
schema.app = WSGIHandler()  # in-process: Django's own WSGI app, on the test database


def _permission(operation_id: str) -> str | None:
    """The permission the operation's view requires (api.urls.requires), None when public."""
    module = import_module("api.urls")
    view = getattr(module, operation_id.removeprefix("api_urls_"))
    return view.tincay_permission


def _caller(permission: str | None) -> Person:
    people = [Person.objects.get(username=USERNAME_BY_ROLE[role]) for role in ROLES]
    if permission is None:
        return people[0]
    return next(p for p in people if can(p, permission))


@pytest.fixture
def in_test_transaction():
    """Requests through WSGI must not close the database connection when they end, as Django
    does after each request: it holds the test's transaction (demo data, rolled back after)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _objects_of(person: Person) -> dict[str, int | None]:
    """For each id in a path, an object the person may act on (their own section, a referral,
    their carrier's letter), or None."""
    from api.urls import _carrier_lines
    from misinfo.models import CaseAction
    from outreach.models import Script
    from reporting.actions import may_edit
    from reporting.models import ReportCycle, Submission

    cycle = visible_to(person, ReportCycle.objects.order_by("-pk")).first()
    sections = visible_to(person, Submission.objects.select_related("cycle").order_by("-cycle_id", "pk"))
    referral = CaseAction.objects.filter(kind=CaseAction.Kind.REFERRAL).exclude(state=CaseAction.State.PLANNED).first()
    line = _carrier_lines(person).first()
    script = Script.objects.first()
    return {
        "cycle_id": cycle and cycle.pk,
        "section_id": next((s.pk for s in sections if may_edit(person, s)), None),
        "action_id": referral and referral.pk,
        "line_id": line and line.pk,
        "script_id": script and script.pk,
    }


def _aim_at_real_objects(case, objects: dict[str, int | None]) -> None:
    """Random ids mostly answer 404 before any other check: in about half of the valid cases (an
    even id), the path names a real object instead, so the generated input reaches the
    endpoint's own checks and actions."""
    if case.meta is None or case.meta.generation.mode.is_negative:
        return
    for name, value in (case.path_parameters or {}).items():
        if objects.get(name) is not None and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = objects[name]


@pytest.fixture
def caller_of():
    """The token and the objects of the person who calls an operation, made once per test."""
    made = {}

    def caller(operation_id: str) -> tuple[str, dict]:
        person = _caller(_permission(operation_id))
        if person.pk not in made:
            _token, key = ApiToken.issue(person, "schemathesis")
            made[person.pk] = key, _objects_of(person)
        return made[person.pk]

    return caller


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_as_its_schema_says(case, in_test_transaction, caller_of):
    key, objects = caller_of(case.operation.definition.raw["operationId"])
    _aim_at_real_objects(case, objects)
    response = case.call_and_validate(headers={"Authorization": f"Bearer {key}"})
    declared = case.operation.definition.raw["responses"]
    if response.status_code >= 400 and str(response.status_code) in declared:  # what is wrong, in words
        assert response.json()["detail"], response.text


def test_the_served_schema_is_the_one_tested(client, people):
    client.force_login(people[Role.LEADER])
    response = client.get(f"{PREFIX}openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(api.get_openapi_schema(path_prefix=PREFIX), cls=NinjaJSONEncoder))
