"""Shared test set-up: the demo data (Kiên Giang 2021) is loaded once per test session into the
test database; every test runs in a transaction that is rolled back, so tests see the same
named people (the demo log-ins) and cannot disturb one another."""

import tempfile
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone
from pytest_django.plugin import blocking_manager_key

from core import demo
from core.models import Person
from core.roles import Role
from tests import taskqueue

# Tests log in many times: a fast hasher (not a weaker product, only a faster test).
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files are not collected for unit tests (the browser test collects them for gunicorn).
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploaded files (evidence) of the test run go to a throw-away folder, not var/.
settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="tincay-test-media-")

# One demo user per role (the district roles from Rạch Giá).
USERNAME_BY_ROLE = {
    Role.LEADER: "lanhdao",
    Role.FOCAL_POINT: "daumoi",
    Role.INSPECTOR: "thanhtra",
    Role.TELECOM_IT: "vienthong",
    Role.IT_CENTRE: "cntt",
    Role.OFFICE: "vanphong",
    Role.DISTRICT_CULTURE: "vhtt.rachgia",
    Role.DISTRICT_BROADCAST: "truyenthanh.rachgia",
    Role.DISTRICT_STEERING: "bcd.rachgia",
    Role.POLICE: "congan",
    Role.HEALTH_DATA: "yte",
    Role.PRESS: "baochi",
    Role.CARRIER: "nhamang",
    Role.ADMIN: "quantri",
}


# The day (Vietnam time) the demo data was loaded for, and the database as the migrations left it.
_demo = {"day": None, "migrated": None}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _demo["migrated"] = connection.creation.serialize_db_to_string()
        demo.load_all()
    _demo["day"] = timezone.localdate()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """The demo data is "as of today" (today's draft bulletin, this week's reports, this
    month's rosters), and so are the tests. A run that crosses midnight in Vietnam (17:00 UTC)
    would compare yesterday's data with today's date: load the demo again for the new day,
    from the database as the migrations left it (their data rows included), before the next
    test opens its transaction."""
    if _demo["day"] is None or _demo["day"] == timezone.localdate():
        return
    # SQLite empties tables with DELETE, which the audit log's triggers refuse: lift them meanwhile
    # (PostgreSQL's TRUNCATE is not a row operation).
    triggers = import_module("core.migrations.0002_audit_append_only")
    with item.config.stash[blocking_manager_key].unblock(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in triggers.SQLITE_UNDO:
                cursor.execute(sql)
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        if connection.vendor == "sqlite":
            for sql in triggers.SQLITE:
                cursor.execute(sql)
        connection.creation.deserialize_db_from_string(_demo["migrated"])
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)  # the rows came with their ids: sequences follow
        demo.load_all()
    _demo["day"] = timezone.localdate()


def pytest_collection_modifyitems(items):
    """Every test gets the test database (in a rolled-back transaction); browser tests talk to
    their own gunicorn and its own database instead. The mark (not a fixture) is what tells
    pytest-django to create the test database at all."""
    for item in items:
        if item.get_closest_marker("browser") is None and item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(autouse=True)
def _vietnamese_and_fresh_cache(settings):
    settings.LANGUAGE_CODE = "vi"
    from django.core.cache import cache, caches

    cache.clear()
    caches["portal"].clear()  # pages of another test's (rolled back) data
    taskqueue.empty()  # on Redis Queue, another test's tasks (the queue is outside the transaction)


@pytest.fixture
def people() -> dict[str, Person]:
    return {role: Person.objects.get(username=name) for role, name in USERNAME_BY_ROLE.items()}


@pytest.fixture
def login(client, two_factor):
    """Log a person in as the log-in page would: with the code of their authenticator when one is
    due (core.access.two_factor_required: leaders, inspectors, administrators by default)."""

    def do(person):
        from core.access import two_factor_required

        client.force_login(person)
        if two_factor_required(person):
            two_factor(client, person)
        return client

    return do


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch, two_factor):
    """Many tests call client.force_login directly for "logged in": let it stand for the whole
    log-in, the second factor included where due, like the `login` fixture. Someone who already
    has an authenticator keeps a password-only session: a test that made one checks just that.
    (Tests of the log-in itself go through the log-in page.)"""
    from django.test import Client

    from core.access import has_authenticator, two_factor_required

    force_login = Client.force_login

    def force_login_with_two_factor(self, user, backend=None):
        force_login(self, user, backend)
        if two_factor_required(user) and not has_authenticator(user):
            two_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login_with_two_factor)


@pytest.fixture
def two_factor():
    """Give a logged-in client's session a passed second factor: the person's confirmed
    authenticator (made if they have none) is the session's device, as django_otp.login does."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def do(client, person):
        device = TOTPDevice.objects.filter(user=person, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=person, name="test phone", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return device

    return do
