"""Shared test set-up: the demo data (Kiên Giang 2021) is loaded once per test session into the
test database; every test runs in a transaction that is rolled back, so tests see the same
named people (the demo log-ins) and cannot disturb one another."""

import tempfile

import pytest
from django.conf import settings

from core import demo
from core.models import Person
from core.roles import Role

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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        demo.load_all()


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


@pytest.fixture
def people() -> dict[str, Person]:
    return {role: Person.objects.get(username=name) for role, name in USERNAME_BY_ROLE.items()}


@pytest.fixture
def login(client):
    def do(person):
        client.force_login(person)
        return client

    return do
