"""Two-factor by role (issue 10): leaders, inspectors and administrators must set up and use an
authenticator (OTP_REQUIRED_ROLES); other staff may. The log-in itself: tests/test_login.py."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.access import _check_required_roles, two_factor_required
from core.models import ApiToken, Person
from core.roles import Role
from tests import taskqueue

PASSWORD = "mat-khau-dung-2021"
SETUP = reverse("core:totp_setup")


@pytest.fixture
def with_password(people):
    """The demo people, with a password we know."""
    for person in people.values():
        person.set_password(PASSWORD)
        person.save(update_fields=["password"])
    return people


@pytest.fixture
def leader(with_password):
    return with_password[Role.LEADER]


def log_in(client, person, next_path=""):
    """The log-in page with the password only."""
    url = reverse("core:login") + (f"?next={next_path}" if next_path else "")
    return client.post(url, {"username": person.username, "password": PASSWORD})


def code_for(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _staff_urls():
    """Every staff page (a @requires view, any method), with arguments that match its pattern:
    two-factor is asked before anything is looked up, so any object number will do."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace not in {"admin", "api"}:
                    yield from walk(p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix)
            elif isinstance(p, URLPattern) and p.name and getattr(p.callback, "tincay_permission", None):
                yield f"{prefix}{p.name}", p.pattern.converters

    guesses = ("1", "docx", "00000000-0000-0000-0000-000000000000")
    for name, converters in walk(get_resolver().url_patterns):
        if name == "core:totp_setup":
            continue
        kwargs = {
            key: next(g for g in guesses if re.fullmatch(converter.regex, g)) for key, converter in converters.items()
        }
        yield name, reverse(name, kwargs=kwargs)


# --- The setting -----------------------------------------------------------------------------


def test_leaders_inspectors_and_administrators_by_default(settings):
    assert sorted(settings.OTP_REQUIRED_ROLES) == ["admin", "inspector", "leader"]


def test_the_setting_is_a_comma_separated_list_of_roles(monkeypatch):
    from tincay.settings import env_list

    monkeypatch.setenv("OTP_REQUIRED_ROLES", " leader, police ,")
    assert env_list("OTP_REQUIRED_ROLES", "leader,inspector,admin") == ["leader", "police"]
    monkeypatch.setenv("OTP_REQUIRED_ROLES", "")  # the demo's: nobody by role
    assert env_list("OTP_REQUIRED_ROLES", "leader,inspector,admin") == []


def test_a_misspelt_role_stops_the_start(settings):
    with pytest.raises(ImproperlyConfigured, match="leaders"):
        _check_required_roles(["leaders", "inspector"])


def test_who_must_use_it(people, settings):
    must = {role for role, person in people.items() if two_factor_required(person)}
    assert must == {Role.LEADER, Role.INSPECTOR, Role.ADMIN}
    root = Person.objects.create_superuser("root", "root@example.invalid", "x-secret-1", full_name="Root")
    assert two_factor_required(root)  # may do all an administrator may
    settings.OTP_REQUIRED_ROLES = ["police"]
    assert {role for role, person in people.items() if two_factor_required(person)} == {Role.POLICE}
    settings.OTP_REQUIRED = True  # still means everybody
    assert all(two_factor_required(person) for person in people.values())


# --- A leader with only a password -----------------------------------------------------------


def test_after_the_password_a_leader_goes_to_the_setup_page(client, leader):
    response = log_in(client, leader, next_path="/reporting/")
    assert response.status_code == 302 and response["Location"] == f"{SETUP}?next=%2Freporting%2F"
    page = client.get(response["Location"]).content.decode()
    assert "bắt buộc với vai trò của bạn (Lãnh đạo Sở)" in page
    assert "data:image/svg+xml" in page  # the QR code


def test_a_leader_with_only_a_password_is_sent_to_setup_from_every_staff_page(client, leader):
    log_in(client, leader)
    urls = dict(_staff_urls())
    assert len(urls) > 100 and "core:account" in urls and "misinfo:case_approve" in urls
    for name, url in urls.items():
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, f"{name} {url}: {response.status_code}"
            assert response["Location"].startswith(SETUP), f"{name} {url}: {response['Location']}"
    assert client.get(reverse("core:totp_setup")).status_code == 200  # the one page open to them


def test_a_forced_setup_does_not_resend_a_form(client, leader):
    log_in(client, leader)
    assert client.post(reverse("core:token_create"), {"name": "vượt rào"})["Location"] == SETUP
    assert not ApiToken.objects.filter(person=leader).exists()


def test_the_admin_site_is_not_a_way_around(client, with_password):
    log_in(client, with_password[Role.ADMIN])
    assert client.get("/admin/core/person/").status_code in {302, 403}
    assert client.get("/admin/").status_code in {302, 403}


def test_a_leader_sets_up_the_authenticator_and_gets_in(client, leader):
    asked = reverse("reporting:cycle_list")
    log_in(client, leader, next_path=asked)
    setup = f"{SETUP}?next={asked}"
    client.get(setup)
    device = TOTPDevice.objects.get(user=leader, confirmed=False)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    assert "Mã không đúng" in client.post(setup, {"otp_token": wrong}).content.decode()
    device.throttle_reset()  # django-otp makes the next try wait after a wrong code
    response = client.post(setup, {"otp_token": code_for(device)})
    assert response.status_code == 302 and response["Location"] == asked  # the page asked for
    assert client.get(asked).status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    # The next log-in asks for the code before anything else.
    client.post(reverse("core:logout"))
    assert log_in(client, leader)["Location"] == reverse("core:verify")
    assert "_auth_user_id" not in client.session


def test_a_leader_cannot_turn_it_off(client, leader, login):
    login(leader)  # with a code
    device = TOTPDevice.objects.get(user=leader, confirmed=True)
    response = client.post(reverse("core:totp_disable"), follow=True)
    body = response.content.decode()
    assert "Không thể tắt xác thực hai lớp" in body
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()
    page = client.get(reverse("core:account")).content.decode()
    assert "bắt buộc với vai trò của bạn (Lãnh đạo Sở)" in page
    assert reverse("core:totp_disable") not in page  # no button to turn it off
    assert SETUP in page  # but a way to move it to a new phone


def test_moving_to_a_new_phone_replaces_the_old_one(client, leader, login):
    login(leader)
    old = TOTPDevice.objects.get(user=leader, confirmed=True)
    client.get(SETUP)
    new = TOTPDevice.objects.get(user=leader, confirmed=False)
    assert client.post(SETUP, {"otp_token": code_for(new)})["Location"] == reverse("core:account")
    assert list(TOTPDevice.objects.filter(user=leader)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_wrong_codes_of_a_leader_lock_the_account(client, leader, settings):
    device = TOTPDevice.objects.create(user=leader, name="phone", confirmed=True)
    log_in(client, leader)
    wrong = "123456" if code_for(device) != "123456" else "654321"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("core:verify"), {"otp_token": wrong})
    assert response.status_code == 429
    # Locked: even the right password then the right code do not let them in.
    log_in(client, leader)
    assert "_auth_user_id" not in client.session


# --- Everyone else -----------------------------------------------------------------------------


def test_a_district_user_is_not_forced(client, with_password, two_factor):
    district = with_password[Role.DISTRICT_CULTURE]
    response = log_in(client, district)
    assert response["Location"] == reverse("core:home")
    assert client.get(reverse("reporting:cycle_list")).status_code == 200
    page = client.get(reverse("core:account")).content.decode()
    assert "bắt buộc" not in page
    # They may turn it on, and off again.
    two_factor(client, district)
    response = client.post(reverse("core:totp_disable"))
    assert response.status_code == 302 and not TOTPDevice.objects.filter(user=district).exists()


def test_an_empty_setting_forces_nobody(client, leader, settings):
    settings.OTP_REQUIRED_ROLES = []  # the demo's
    assert log_in(client, leader)["Location"] == reverse("core:home")
    assert client.get(reverse("misinfo:inbox")).status_code == 200


def test_api_tokens_are_not_affected(client, leader):
    """The API reads a token, never the session: a leader's token works without a code (and
    making a token needs a session that passed two-factor, see above)."""
    _token, key = ApiToken.issue(leader, "máy chủ báo cáo")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.json()["username"] == leader.username
    log_in(client, leader)  # a password-only session is no key to the API
    assert client.get("/api/v1/me").status_code == 401


def test_an_administrator_removes_a_lost_phones_authenticator_and_the_leader_sets_up_a_new_one(
    client, people, django_capture_on_commit_callbacks, mailoutbox
):
    """The way back in for someone who may not turn two-factor off: the administrator removes the
    authenticator (audited, the person's sessions end, they are told), the next log-in sets up anew."""
    from core.models import AuditEvent

    leader, admin = people[Role.LEADER], people[Role.ADMIN]
    TOTPDevice.objects.create(user=leader, name="old phone", confirmed=True)
    leaders_browser = Client()
    leaders_browser.force_login(leader)
    client.force_login(admin)
    page = client.get(reverse("core:person_detail", args=[leader.pk])).content.decode()
    assert reverse("core:person_totp_reset", args=[leader.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:person_totp_reset", args=[leader.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=leader).exists()
    assert AuditEvent.objects.filter(action="totp.reset", object_id=str(leader.pk)).exists()
    assert leaders_browser.get(reverse("core:account")).status_code == 302  # the open session ended
    assert leader.email in taskqueue.latest("send_email").args[0]
    # Nobody else may: a leader cannot reset someone's, an administrator not their own here.
    other = Client()
    other.force_login(leader)
    assert other.post(reverse("core:person_totp_reset", args=[admin.pk])).status_code in (403, 404)
    assert client.post(reverse("core:person_totp_reset", args=[admin.pk])).status_code == 403


def test_the_api_schema_page_needs_the_second_factor_where_it_is_due(client, people):
    client.force_login(people[Role.ADMIN])
    assert client.get("/api/v1/openapi.json").status_code == 200
    session = client.session
    session.pop("otp_device_id", None)  # the same person with the password alone
    session.save()
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 302 and reverse("core:login") in response["Location"]
