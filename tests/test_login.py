"""Log-in in Vietnamese, lockout after repeated failures, TOTP two-factor."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.roles import Role

PASSWORD = "mat-khau-dung-2021"


@pytest.fixture
def inspector(people):
    person = people[Role.INSPECTOR]
    person.set_password(PASSWORD)
    person.save()
    return person


@pytest.fixture
def district(people):
    """Someone whose role does not need two-factor (OTP_REQUIRED_ROLES): a password is enough."""
    person = people[Role.DISTRICT_CULTURE]
    person.set_password(PASSWORD)
    person.save()
    return person


def log_in(client, person):
    """The log-in page with the password, nothing more: a password-only session."""
    return client.post(reverse("core:login"), {"username": person.username, "password": PASSWORD})


def code_for(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def test_the_login_page_is_vietnamese_and_the_root_is_the_public_portal(client):
    response = client.get(reverse("core:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="vi">' in body
    assert "Đăng nhập" in body and "Mật khẩu" in body
    root = client.get("/").content.decode()  # visitors land on the public portal, with the staff's way in
    assert 'name="password"' not in root and reverse("core:login") in root


def test_vietnamese_even_for_an_english_browser(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in body


def test_english_is_available(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("core:login")).content.decode()
    assert '<html lang="en">' in body and "Log in to Tin Cậy" in body


def test_login_and_logout(client, district):
    response = log_in(client, district)
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert district.full_name in client.get("/").content.decode()
    client.post(reverse("core:logout"))
    assert b'name="password"' not in client.get("/").content  # the public portal again
    assert b'name="password"' in client.get(reverse("core:login")).content


def test_wrong_password_message_is_vietnamese(client, inspector):
    response = client.post(reverse("core:login"), {"username": inspector.username, "password": "sai"})
    assert response.status_code == 200
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.content.decode()


def test_next_must_stay_on_site(client, district):
    response = client.post(
        reverse("core:login"),
        {"username": district.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("core:home")


def test_lockout_after_repeated_failures(client, inspector, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("core:login"), {"username": inspector.username, "password": "sai"})
    response = client.post(reverse("core:login"), {"username": inspector.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "tạm khóa" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_two_factor_setup_then_login_asks_for_the_code(client, inspector):
    log_in(client, inspector)
    page = client.get(reverse("core:totp_setup"))
    assert page.status_code == 200 and "data:image/svg+xml" in page.content.decode()
    device = TOTPDevice.objects.get(user=inspector, confirmed=False)
    assert client.post(reverse("core:totp_setup"), {"otp_token": code_for(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    client.post(reverse("core:logout"))

    response = client.post(reverse("core:login"), {"username": inspector.username, "password": PASSWORD})
    assert response["Location"] == reverse("core:verify")
    assert "_auth_user_id" not in client.session  # not logged in before the code
    assert client.get(reverse("core:home")).status_code == 200  # the login page again
    response = client.post(reverse("core:verify"), {"otp_token": "12ab"})
    assert "6 chữ số" in response.content.decode()
    response = client.post(reverse("core:verify"), {"otp_token": code_for(device, offset=1)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(inspector.pk)


def test_wrong_setup_code_is_refused_then_throttled(client, inspector):
    log_in(client, inspector)
    client.get(reverse("core:totp_setup"))
    device = TOTPDevice.objects.get(user=inspector, confirmed=False)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    assert "Mã không đúng" in client.post(reverse("core:totp_setup"), {"otp_token": wrong}).content.decode()
    # django-otp throttles after a failure: even the right code waits, and the page says so.
    response = client.post(reverse("core:totp_setup"), {"otp_token": code_for(device)})
    assert "Bạn đã nhập sai nhiều lần" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_wrong_codes_lock_the_account(client, inspector, settings):
    device = TOTPDevice.objects.create(user=inspector, name="a", confirmed=True)
    client.post(reverse("core:login"), {"username": inspector.username, "password": PASSWORD})
    wrong = "123456" if code_for(device) != "123456" else "654321"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("core:verify"), {"otp_token": wrong})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_verify_without_pending_login_goes_back(client):
    response = client.get(reverse("core:verify"))
    assert response.status_code == 302 and response["Location"] == reverse("core:login")


def test_otp_required_sends_everybody_to_setup(client, district, settings):
    settings.OTP_REQUIRED = True
    response = log_in(client, district)
    assert response["Location"] == reverse("core:totp_setup") + "?next=%2F"
    response = client.get(reverse("core:directory"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:totp_setup") + "?next=%2Fdirectory%2F"


def test_otp_required_blocks_tokens_and_disabling_until_set_up(client, district, settings):
    from core.models import ApiToken

    settings.OTP_REQUIRED = True
    log_in(client, district)
    response = client.post(reverse("core:token_create"), {"name": "vượt rào"})
    assert response.status_code == 302 and response["Location"] == reverse("core:totp_setup")
    assert not ApiToken.objects.filter(person=district).exists()
    assert client.get(reverse("core:totp_setup")).status_code == 200


@pytest.mark.parametrize("target", ["x", "core:audit_list", "0"])
def test_next_that_is_not_a_path_goes_home(client, district, target):
    # `redirect` would take a bare word for a view name: a 500, or a page of someone's choosing.
    response = client.post(
        reverse("core:login") + f"?next={target}", {"username": district.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert client.get(reverse("core:login") + f"?next={target}").status_code == 302
