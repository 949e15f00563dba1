"""The command-line contract of issue 5: import_claims and screen (kept stable for operators and
acceptance checks), on the team's rumours set."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from listening.models import Alert, Post
from misinfo.models import Case, Claim

DATA = Path(__file__).parent / "data" / "rumours-dev"


def _import(path, err=None):
    out, err = io.StringIO(), err or io.StringIO()
    call_command("import_claims", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_claims_keeps_ids_and_updates_on_reimport(tmp_path):
    # The demo desk's claims are this set's statements under the same ids: nothing to create.
    out, _err = _import(DATA / "claims.csv")
    assert "0 created" in out and Claim.objects.filter(external_id__startswith="D").count() == 15
    changed = tmp_path / "claims.csv"
    changed.write_text("id,text,verdict\nD01,Hít dầu gió xanh chữa khỏi Covid-19 sau 10 ngày.,tin sai sự thật\n"
                       "D99,Uống rượu tỏi diệt virus corona.,fake\n", encoding="utf-8")  # fmt: skip
    out, _err = _import(changed)
    assert "1 created, 1 updated" in out
    assert Claim.objects.get(external_id="D01").statement.startswith("Hít dầu gió xanh chữa khỏi")
    assert Case.objects.get(claim__external_id="D99").verdict == "fake"
    out, _err = _import(changed)
    assert "0 created, 0 updated, 2 unchanged" in out  # the same file twice changes nothing


@pytest.mark.parametrize(
    "content, words",
    [
        (b"\xff\xfei\x00d\x00", "UTF-8"),
        (b"name,body\nx,y\n", "id,text"),
        ("id,text\n,không có id\nD1,\nD2,ok dài,bogus\n".encode(), "Dòng 2"),
    ],
)
def test_import_claims_names_bad_lines(tmp_path, content, words):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    stderr = io.StringIO()
    try:
        _out, err = _import(path, stderr)
    except CommandError as e:
        err = stderr.getvalue() + str(e)  # refused: the reason is named all the same
    assert words in err


def _screen(tmp_path, lines, *extra):
    src, dst = tmp_path / "posts.jsonl", tmp_path / "results.jsonl"
    src.write_bytes(b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines) + b"\n")
    call_command("screen", "--input", str(src), "--output", str(dst), *extra, stderr=io.StringIO())
    return [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]


def test_screen_answers_in_input_order_and_changes_nothing_without_save(tmp_path):
    _import(DATA / "claims.csv")
    posts = [line for line in (DATA / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    before = (Post.objects.count(), Alert.objects.count())
    results = _screen(tmp_path, posts)
    expected = [json.loads(line) for line in posts]
    assert [r["id"] for r in results] == [p["id"] for p in expected]
    right = sum(1 for r, p in zip(results, expected, strict=True) if p["expected"] and r["match"] == p["expected"])
    wrong = sum(1 for r, p in zip(results, expected, strict=True) if not p["expected"] and r["match"])
    assert right >= 44 and wrong <= 1  # of 45 repeats and 40 other posts
    assert all(set(r) == {"id", "match", "level", "score", "candidates"} for r in results)
    assert (Post.objects.count(), Alert.objects.count()) == before


def test_screen_save_stores_posts_and_alerts_once(tmp_path):
    _import(DATA / "claims.csv")
    lines = ['{"id": "p1", "text": "que test nhanh covid co tam ethylene oxide gay ung thu do, ko nen test nhieu"}',
             '{"id": "p2", "text": "Hôm nay trời đẹp, đi câu cá ở kênh xáng."}']  # fmt: skip
    _screen(tmp_path, lines, "--save")
    _screen(tmp_path, lines, "--save")  # the same posts again
    assert Post.objects.filter(external_id__in=["p1", "p2"]).count() == 2
    alert = Alert.objects.get(post__external_id="p1")
    assert alert.claim.external_id == "D04" and not Alert.objects.filter(post__external_id="p2").exists()


def test_screen_reports_bad_lines_and_goes_on(tmp_path):
    _import(DATA / "claims.csv")
    good = b'{"id": 7, "text": "hit dau gio xanh 4 lan moi ngay sau 10 ngay khoi covid"}'
    huge = b'{"id": 6, "text": "' + b"x" * 1_000_000 + b'"}'  # 1 MB: screened (cut), not refused
    lines = [b"{not json", b'"a string"', b'{"text": "no id"}', b'{"id": 5, "text": ""}', huge, b"\xff\xfe\x00garbage"]
    results = _screen(tmp_path, [*lines, good])
    assert len(results) == 7
    assert [bool(r.get("error")) for r in results] == [True, True, True, True, False, True, False]
    assert results[-1]["match"] == "D01"


# --- API push -------------------------------------------------------------------------------


def _push(client, person, body: bytes, source="Công cụ theo dõi A"):
    from core.models import ApiToken

    key = ApiToken.issue(person, "tool")[1]
    return client.generic("POST", f"/api/v1/listening/posts?source={source}", body,
                          content_type="application/x-ndjson", headers={"Authorization": f"Bearer {key}"})  # fmt: skip


def test_a_tool_pushes_posts_once_and_alerts_are_raised(client, people):
    from core.roles import Role

    _import(DATA / "claims.csv")
    lines = [json.dumps({"id": p["id"], "text": p["text"], "reactions": 12, "shares": 3}, ensure_ascii=False)
             for p in map(json.loads, (DATA / "posts.jsonl").read_text(encoding="utf-8").splitlines())]  # fmt: skip
    body = "\n".join(lines).encode()
    first = _push(client, people[Role.INSPECTOR], body).json()
    assert first["received"] == 85 and first["stored"] == 85 and first["errors"] == []
    repeats = Alert.objects.filter(post__source__name="Công cụ theo dõi A", level__in=["auto", "suggest"]).count()
    assert 44 <= repeats <= 46  # the repeats (and at most one other post)
    assert (
        first["alerts"]
        == repeats + Alert.objects.filter(post__source__name="Công cụ theo dõi A", level="watch").count()
    )
    again = _push(client, people[Role.INSPECTOR], body).json()
    assert again["stored"] == 0 and again["duplicates"] == 85 and again["alerts"] == 0
    assert Post.objects.filter(source__name="Công cụ theo dõi A").count() == 85
    assert Post.objects.get(source__name="Công cụ theo dõi A", external_id="d0003").reach == 15


def test_a_push_keeps_good_lines_and_names_the_bad_ones(client, people):
    from core.roles import Role

    body = b"\n".join([
        b'{"id": "a", "text": "Tin tot"}', b"{broken", b'{"id": "b"}', b'{"id": "c", "text": "x", "reactions": -1}',
        b'{"id": "d", "text": "y", "published_at": "hom qua"}', b'{"id": "e", "text": "z", "url": "javascript:1"}',
        b"\xff\xfe\x00\x00", b'{"id": "a", "text": "Tin tot"}',
    ])  # fmt: skip
    result = _push(client, people[Role.INSPECTOR], body).json()
    assert result["stored"] == 1 and result["duplicates"] == 1
    assert [e["line"] for e in result["errors"]] == [2, 3, 4, 5, 6, 7]
    assert all(e["error"].startswith("Dòng") for e in result["errors"])


def test_a_push_of_more_than_10000_posts_stops_there(client, people):
    from core.roles import Role

    body = b"\n".join(b'{"id": "%d", "text": "bai %d"}' % (i, i) for i in range(10_001))
    result = _push(client, people[Role.ADMIN], body, source="Lon").json()
    assert result["stored"] == 10_000 and result["errors"][-1]["line"] == 10_001
