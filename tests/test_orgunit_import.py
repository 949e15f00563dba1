"""`manage.py import_orgunits`: idempotent, dry run, and bad files rejected whole with the line."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.demo import ORGUNITS_CSV
from core.models import AuditEvent, OrgUnit
from core.roles import Role

GOOD = """code,name,level,parent_code
T1,Tỉnh Thử,province,
T1A,Huyện Một,district,T1
T1A1,Xã An,commune,T1A
T1A2,Xã Bình,commune,T1A
"""


def write(tmp_path, text, name="units.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def run(path, *args):
    call_command("import_orgunits", str(path), *args)


def test_it_imports_a_tree_with_paths(tmp_path):
    run(write(tmp_path, GOOD))
    commune = OrgUnit.objects.get(code="T1A2")
    assert commune.name == "Xã Bình"
    assert commune.path == "/T1/T1A/T1A2/"
    assert commune.depth == 2
    assert [u.code for u in commune.ancestors()] == ["T1", "T1A"]
    assert OrgUnit.objects.get(code="T1").subtree().count() == 4


def test_reimport_changes_nothing_and_updates_in_place(tmp_path, capsys):
    path = write(tmp_path, GOOD)
    run(path)
    count, events = OrgUnit.objects.count(), AuditEvent.objects.count()
    run(path)
    assert OrgUnit.objects.count() == count
    # Only the summary event: nothing was created or changed.
    assert AuditEvent.objects.count() == events + 1
    assert "0 tạo mới, 0 cập nhật, 4 không đổi" in capsys.readouterr().out
    run(write(tmp_path, GOOD.replace("Xã Bình", "Xã Bình Mới")))
    assert OrgUnit.objects.get(code="T1A2").name == "Xã Bình Mới"
    assert OrgUnit.objects.count() == count
    event = AuditEvent.objects.filter(action="orgunit.update").latest("id")
    assert event.before["name"] == "Xã Bình" and event.after["name"] == "Xã Bình Mới"


def test_moving_a_district_moves_its_communes(tmp_path):
    run(write(tmp_path, GOOD + "T1B,Huyện Hai,district,T1\n"))
    run(write(tmp_path, "code,name,level,parent_code\nT1A,Huyện Một,district,T1B\n"))
    assert OrgUnit.objects.get(code="T1A1").path == "/T1/T1B/T1A/T1A1/"


def test_dry_run_changes_nothing(tmp_path):
    before = OrgUnit.objects.count()
    run(write(tmp_path, GOOD), "--dry-run")
    assert OrgUnit.objects.count() == before


def test_two_level_tree_is_fine(tmp_path):
    run(write(tmp_path, "code,name,level,parent_code\nP2,Tỉnh Hai Cấp,province,\nP2X,Phường Một,commune,P2\n"))
    assert OrgUnit.objects.get(code="P2X").depth == 1


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (GOOD + "T1A3,Xã Cô,commune,ZZ9\n", 6, "ZZ9"),  # unknown parent
        (GOOD + "T1A1,Xã Trùng,commune,T1A\n", 6, "dòng 4"),  # duplicate code names the first line
        ("code,name,level,parent_code\nC1,Một,district,C2\nC2,Hai,district,C1\n", 2, "C1"),  # cycle
        (GOOD + "T1A4,,commune,T1A\n", 6, ""),  # empty name
        (GOOD + "T1A5,Xã Năm,hamlet-ish,T1A\n", 6, "hamlet-ish"),  # unknown level
        (GOOD + "T1 A6,Xã Sáu,commune,T1A\n", 6, "T1 A6"),  # bad code
        (GOOD + "T1A7,Xã Bảy,commune\n", 6, "4"),  # missing column
        (GOOD + "T1A8,Xã Tám,commune,T1A8\n", 6, "T1A8"),  # own parent
    ],
)
def test_bad_file_names_the_line_and_imports_nothing(tmp_path, capsys, text, line, words):
    before = OrgUnit.objects.count()
    with pytest.raises(CommandError):
        run(write(tmp_path, text))
    err = capsys.readouterr().err
    assert f"Dòng {line}:" in err, err
    assert words in err
    assert OrgUnit.objects.count() == before


def test_wrong_encoding_names_the_line(tmp_path, capsys):
    before = OrgUnit.objects.count()
    with pytest.raises(CommandError):
        # "Xã" saved by an old spreadsheet as windows-1252 on line 2.
        run(write(tmp_path, b"code,name,level,parent_code\nT1,X" + "ã".encode("cp1252") + b" Thu,province,\n"))
    err = capsys.readouterr().err
    assert "UTF-8" in err and "Dòng 2:" in err
    assert OrgUnit.objects.count() == before


def test_wrong_header_and_empty_file(tmp_path, capsys):
    with pytest.raises(CommandError):
        run(write(tmp_path, "ma,ten\n1,2\n"))
    assert "parent_code" in capsys.readouterr().err
    with pytest.raises(CommandError):
        run(write(tmp_path, ""))
    with pytest.raises(CommandError):
        run(write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00binary"))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"missing\.csv"):
        run(tmp_path / "missing.csv")


def test_bom_and_vietnamese_level_words_are_accepted(tmp_path):
    text = "\ufeffcode,name,level,parent_code\nV1,Tỉnh Vê,Tỉnh,\nV1A,Huyện Vê,huyện,V1\nV1A1,Xã Vê,Xã,V1A\n"
    run(write(tmp_path, text))
    assert OrgUnit.objects.get(code="V1A1").level == "commune"


def test_shipped_kien_giang_tree():
    assert ORGUNITS_CSV.exists()
    province = OrgUnit.objects.get(code="91")
    districts = province.children.filter(level="district")
    assert districts.count() == 15
    assert {"Thành phố Rạch Giá", "Thành phố Phú Quốc", "Huyện Kiên Hải"} <= set(
        districts.values_list("name", flat=True)
    )
    assert OrgUnit.objects.filter(level="commune", path__startswith=province.path).count() > 100
    for d in districts:
        assert d.children.exists(), d


def test_admin_imports_through_the_page_with_dry_run(client, people):
    client.force_login(people[Role.ADMIN])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("u.csv", GOOD.encode(), content_type="text/csv")
    response = client.post(reverse("core:orgunit_import"), {"file": upload, "check": "1"})
    assert response.status_code == 200
    assert "4 mục sẽ tạo mới, 0 mục sẽ cập nhật" in response.content.decode()
    assert not OrgUnit.objects.filter(code="T1").exists()
    upload = SimpleUploadedFile("u.csv", GOOD.encode(), content_type="text/csv")
    response = client.post(reverse("core:orgunit_import"), {"file": upload, "apply": "1"})
    assert response.status_code == 302
    assert OrgUnit.objects.filter(code="T1A2").exists()


def test_page_shows_problems_and_imports_nothing(client, people):
    client.force_login(people[Role.ADMIN])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("u.csv", (GOOD + "X9,Xã Lạc,commune,NOPE\n").encode(), content_type="text/csv")
    response = client.post(reverse("core:orgunit_import"), {"file": upload, "apply": "1"})
    assert response.status_code == 200
    assert "Dòng 6:" in response.content.decode()
    assert not OrgUnit.objects.filter(code="T1").exists()


def test_moving_a_unit_in_the_admin_moves_its_subtree_and_scopes(client, people):
    from core.access import visible_to

    rach_gia_person = people[Role.DISTRICT_CULTURE]
    before = visible_to(rach_gia_person, OrgUnit.objects.all()).count()
    client.force_login(people[Role.ADMIN])
    unit = OrgUnit.objects.get(code="899")
    data = {"name": unit.name, "level": unit.level, "parent": OrgUnit.objects.get(code="911").pk, "is_active": "on"}
    assert client.post(f"/admin/core/orgunit/{unit.pk}/change/", data).status_code == 302
    commune = OrgUnit.objects.filter(parent__code="899").first()
    assert commune.path == f"/91/911/899/{commune.code}/"
    rach_gia_person.refresh_from_db()
    assert visible_to(rach_gia_person, OrgUnit.objects.all()).count() == before
    # Back under its own commune would be a cycle: refused with a message, nothing changed.
    data["parent"] = commune.pk
    response = client.post(f"/admin/core/orgunit/{unit.pk}/change/", data)
    assert response.status_code == 200
    assert OrgUnit.objects.get(code="899").parent.code == "911"
