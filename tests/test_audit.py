"""The audit log is append-only: no ORM call, raw SQL, page, admin or API route changes it."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from core import actions, audit
from core.models import AuditEvent, AuditLogIsAppendOnly, Contact, OrgUnit
from core.roles import Role


@pytest.fixture
def event():
    return audit.record(None, "test.event", OrgUnit.objects.get(code="91"), before={"a": 1}, after={"a": 2})


def test_saving_again_is_refused(event):
    event.action = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()


def test_deleting_is_refused(event):
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")


def test_raw_sql_is_refused_by_the_database(event):
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    for sql in (f"UPDATE {table} SET action = 'x' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_no_page_edits_the_log(client, people, event):
    client.force_login(people[Role.ADMIN])
    assert client.post(reverse("core:audit_detail", args=[event.pk])).status_code == 200  # read only
    assert client.post(f"/admin/core/auditevent/{event.pk}/change/", {"action": "x"}).status_code == 403
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_api_has_no_write_route_for_the_log(client, people, event):
    from core.models import ApiToken

    _t, key = ApiToken.issue(people[Role.ADMIN], "t")
    headers = {"Authorization": f"Bearer {key}"}
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.generic(method, "/api/v1/audit", headers=headers).status_code == 405


def test_an_action_records_who_what_before_and_after(people):
    admin = people[Role.ADMIN]
    contact = Contact.objects.filter(kind="hotline").first()
    old_phone = contact.phone
    contact.phone = "0297 3999 999"
    actions.save_contact(admin, contact)
    event = AuditEvent.objects.filter(action="contact.update").latest("id")
    assert event.actor == admin and admin.username in event.actor_label
    assert event.before["phone"] == old_phone and event.after["phone"] == "0297 3999 999"
    assert ("phone", old_phone, "0297 3999 999") in event.changes()
    assert event.org_unit.code == "91"


def test_login_and_failed_login_are_recorded(client, people):
    leader = people[Role.LEADER]
    client.post(reverse("core:login"), {"username": leader.username, "password": "wrong"})
    assert AuditEvent.objects.filter(action="auth.failed", actor_label=leader.username).exists()
    leader.set_password("right-password-1")
    leader.save()
    client.post(reverse("core:login"), {"username": leader.username, "password": "right-password-1"})
    assert AuditEvent.objects.filter(action="auth.login", actor=leader).exists()


def test_leader_filters_the_log(client, people):
    leader = people[Role.LEADER]
    client.force_login(leader)
    audit.record(leader, "contact.update", Contact.objects.first(), note="lọc thử")
    response = client.get(reverse("core:audit_list"), {"action": "contact.update"})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.object_list and all(e.action == "contact.update" for e in page.object_list)
    response = client.get(reverse("core:audit_list"), {"date_from": "2021-07-20", "date_to": "2021-07-01"})
    assert "Ngày kết thúc trước ngày bắt đầu" in response.content.decode()
    response = client.get(reverse("core:audit_list"), {"action": "no.such.action"})
    assert response.status_code == 200 and "lựa chọn hợp lệ" in response.content.decode()
    response = client.get(reverse("core:audit_list"), {"date_from": "not-a-date", "action": "<script>"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_audit_list_query_count_does_not_grow_with_rows(client, people, django_assert_max_num_queries):
    client.force_login(people[Role.LEADER])
    for i in range(60):
        audit.record(people[Role.LEADER], "test.bulk", note=str(i))
    with django_assert_max_num_queries(12):
        client.get(reverse("core:audit_list"))


def test_every_action_the_code_records_has_a_label():
    """New actions must be named for people (core.audit.ACTION_LABELS)."""
    import re
    from pathlib import Path

    from core.audit import ACTION_LABELS

    root = Path(__file__).resolve().parent.parent
    recorded = set()
    for path in root.glob("*/*.py"):
        if path.parts[-2] in {"tests", "scripts", ".venv"}:
            continue
        recorded |= set(re.findall(r'audit\.record\(\s*[^,]+,\s*"([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert recorded, "the scan found nothing; fix the pattern"
    assert recorded <= set(ACTION_LABELS), sorted(recorded - set(ACTION_LABELS))
