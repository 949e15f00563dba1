"""The demo data loads again without duplicates; tasks are enqueued only after commit and a
real database worker runs them."""

from django.core import mail
from django.core.management import call_command
from django.db import transaction

from core import actions, demo
from core.models import Contact, Organisation, OrgUnit, Person
from core.roles import Role
from core.tasks import send_email
from tests import taskqueue


def test_demo_is_idempotent():
    counts = (OrgUnit.objects.count(), Organisation.objects.count(), Person.objects.count(), Contact.objects.count())
    demo.load()
    assert counts == (
        OrgUnit.objects.count(),
        Organisation.objects.count(),
        Person.objects.count(),
        Contact.objects.count(),
    )


def test_demo_has_one_person_per_role_and_both_units_in_two_districts():
    roles = set(Person.objects.exclude(role="").values_list("role", flat=True))
    assert roles == set(Role.values)
    for district in ("899", "911"):
        kinds = set(
            Person.objects.filter(organisation__org_unit__code=district).values_list("organisation__kind", flat=True)
        )
        assert {"culture_office", "broadcast_centre"} <= kinds
    assert Organisation.objects.filter(kind="culture_office").count() == 15
    assert Organisation.objects.filter(kind="broadcast_centre").count() == 15


def test_demo_people_can_log_in(client):
    response = client.post("/login/", {"username": "thanhtra", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(Person.objects.get(username="thanhtra").pk)


def test_load_demo_prints_the_logins(capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert demo.DEMO_PASSWORD in out and "thanhtra" in out and "Trịnh Tú Long" in out


def test_role_change_email_is_enqueued_on_commit_and_sent_by_the_worker(
    people, django_capture_on_commit_callbacks, monkeypatch
):
    person = people[Role.DISTRICT_STEERING]
    before = taskqueue.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.change_role(people[Role.ADMIN], person, Role.DISTRICT_CULTURE, person.organisation)
        assert taskqueue.count() == before  # nothing is enqueued before the commit
    assert len(callbacks) == 1
    assert taskqueue.count() == before + 1
    taskqueue.run(monkeypatch)  # the backend's real worker loop, in this test's transaction
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [person.email]
    assert "Vai trò của bạn trong Tin Cậy nay là" in mail.outbox[0].body
    assert taskqueue.latest().status == "SUCCESSFUL"


def test_rolled_back_change_enqueues_nothing(people, django_capture_on_commit_callbacks):
    person = people[Role.DISTRICT_STEERING]
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                actions.change_role(people[Role.ADMIN], person, Role.DISTRICT_CULTURE, person.organisation)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == []


def test_send_email_task_skips_empty_recipients():
    assert send_email.call([], "x", "y") == 0
