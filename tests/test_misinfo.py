"""The misinformation desk: intake on every channel, matching to known claims, protection of who
reported, the case workflow, the public form (honeypot, rate limit, hostile input)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, OrgUnit, Person
from core.roles import Role
from misinfo import actions
from misinfo.models import Case, Claim, Tip
from tests import taskqueue

RG, PQ = "899", "911"


@pytest.fixture
def claim_d04():
    return Claim.objects.get(statement__startswith="Que xét nghiệm nhanh")


def test_a_repeat_typed_without_diacritics_joins_the_known_claim(people, claim_d04):
    tip = actions.record_tip(
        people[Role.INSPECTOR],
        channel="hotline",
        text="que test nhanh covid co tam ethylene oxide gay ung thu, ko nen test nhieu nha mn",
    )
    assert tip.claim == claim_d04 and tip.match == Tip.Match.AUTO and tip.match_score >= 0.55


def test_between_the_thresholds_the_claim_is_only_suggested(people, claim_d04, settings):
    settings.MISINFO_AUTO_LINK = 0.99
    tip = actions.record_tip(
        people[Role.INSPECTOR],
        channel="hotline",
        text="Nghe nói que xét nghiệm nhanh có tẩm ethylene oxide gây ung thư, có đúng không?",
    )
    assert tip.claim is None and tip.suggested_claim == claim_d04 and tip.match == Tip.Match.SUGGESTED
    actions.link_tip(people[Role.INSPECTOR], tip, claim_d04)
    tip.refresh_from_db()
    assert tip.claim == claim_d04 and tip.match == Tip.Match.CONFIRMED


def test_true_news_is_not_matched_and_becomes_a_new_claim_only_by_hand(people):
    tip = actions.record_tip(
        people[Role.INSPECTOR],
        channel="hotline",
        text="Trung tâm Y tế huyện Kiên Hải lấy mẫu xét nghiệm cho 1.200 người dân trên đảo Hòn Tre.",
    )
    assert tip.claim is None and tip.match == Tip.Match.NONE
    claim = actions.new_claim(people[Role.INSPECTOR], tip, "Huyện Kiên Hải phong tỏa toàn bộ đảo Hòn Tre.")
    tip.refresh_from_db()
    assert tip.claim == claim and tip.match == Tip.Match.NEW


def test_who_reported_is_encrypted_at_rest_and_shown_to_inspectors_and_leaders_only(client, people):
    unit = OrgUnit.objects.get(code=RG)
    tip = actions.record_tip(
        people[Role.DISTRICT_CULTURE],
        channel="district",
        org_unit=unit,
        reporter_name="Trần Thị Bích",
        reporter_contact="0912 345 678",
        text="Có tin nhắn Zalo nói phường Vĩnh Thanh bị phong tỏa từ tối nay.",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_name_sealed, reporter_contact_sealed FROM misinfo_tip WHERE id = %s", [tip.pk])
        stored = " ".join(cursor.fetchone())
    assert "Bích" not in stored and "0912" not in stored and stored.startswith("gAAAA")
    assert Tip.objects.get(pk=tip.pk).reporter_name == "Trần Thị Bích"
    assert "Bích" not in " ".join(AuditEvent.objects.filter(object_id=str(tip.pk)).values_list("note", flat=True))
    url = reverse("misinfo:tip_detail", args=[tip.pk])
    for role, sees in (
        (Role.INSPECTOR, True),
        (Role.LEADER, True),
        (Role.DISTRICT_CULTURE, False),
        (Role.FOCAL_POINT, False),
    ):
        client.force_login(people[role])
        page = client.get(url)
        assert page.status_code == 200 and ("Trần Thị Bích" in page.text) == sees, role


def test_a_district_reports_for_its_own_area_and_sees_only_its_tips(client, people):
    culture = people[Role.DISTRICT_CULTURE]
    with pytest.raises(PermissionDenied):
        actions.record_tip(
            culture,
            channel="district",
            org_unit=OrgUnit.objects.get(code=PQ),
            text="Tin đồn ở Phú Quốc về việc đóng cửa sân bay.",
        )
    client.force_login(culture)
    page = client.get(reverse("misinfo:inbox") + "?show=all")
    shown = {t.org_unit.code if t.org_unit else None for t in page.context["page"].object_list}
    assert shown and shown <= {RG}
    pq_tip = Tip.objects.filter(org_unit__code=PQ).first()
    assert client.get(reverse("misinfo:tip_detail", args=[pq_tip.pk])).status_code == 404


def test_the_case_workflow_follows_its_map_and_keeps_a_log(people, claim_d04):
    inspector = people[Role.INSPECTOR]
    claim = actions.new_claim(
        inspector,
        actions.record_tip(inspector, channel="hotline", text="Uống nước lá xông mỗi tối là miễn nhiễm Covid-19."),
        "Uống nước lá xông mỗi tối là miễn nhiễm Covid-19.",
    )
    case = actions.open_case(inspector, claim)
    assert actions.open_case(inspector, claim) == case  # one case per claim
    with pytest.raises(actions.Rejected):
        actions.change_state(inspector, case, Case.State.ACTIONS)  # new -> actions is not a step
    with pytest.raises(actions.Rejected):
        actions.record_verdict(inspector, case, "false", "ngắn")  # and not before verifying
    actions.change_state(inspector, case, Case.State.VERIFYING, "Hỏi ý kiến Sở Y tế")
    with pytest.raises(actions.Rejected) as e:
        actions.record_verdict(inspector, case, "nonsense", "")
    assert set(e.value.errors) == {"verdict", "explanation"}
    case = actions.record_verdict(inspector, case, "false", "Sở Y tế khẳng định xông lá không phòng được Covid-19.")
    actions.change_state(inspector, case, Case.State.ACTIONS)
    actions.change_state(inspector, case, Case.State.CLOSED)
    assert list(case.events.values_list("to_state", flat=True)) == ["new", "verifying", "verdict", "actions", "closed"]
    with pytest.raises(PermissionDenied):
        actions.change_state(people[Role.LEADER], case, Case.State.VERIFYING)


def test_the_inspector_works_a_tip_through_the_pages(client, people):
    client.force_login(people[Role.INSPECTOR])
    response = client.post(
        reverse("misinfo:tip_create"),
        {
            "channel": "hotline",
            "org_unit": OrgUnit.objects.get(code=PQ).pk,
            "url": "https://facebook.com/post/1",
            "text": "Người gọi nói có tin trên Facebook: hít dầu gió xanh bốn lần mỗi ngày, mười ngày là khỏi Covid.",
            "reporter_name": "",
            "reporter_contact": "",
        },
    )
    assert response.status_code == 302
    tip = Tip.objects.latest("pk")
    assert tip.claim is not None and "dầu gió" in tip.claim.statement
    page = client.get(reverse("misinfo:claim_detail", args=[tip.claim_id]))
    assert page.status_code == 200 and "hít dầu gió xanh bốn lần" in page.text
    bad = client.post(
        reverse("misinfo:tip_create"), {"channel": "hotline", "text": "ngắn", "url": "javascript:alert(1)"}
    )
    assert bad.status_code == 400 and "http://" in bad.text and "10" in bad.text


# --- The public form ----------------------------------------------------------------------


def test_a_citizen_reports_and_gets_a_reference(client):
    before = Tip.objects.count()
    response = client.post(
        reverse("public:report"),
        {
            "text": "Nhóm Zalo của xóm chia sẻ: đại học Queensland chứng minh ăn chuối chín mỗi ngày giúp phòng Covid.",
            "url": "",
            "org_unit": "",
            "reporter_name": "",
            "reporter_contact": "ban@example.com",
            "website": "",
        },
    )
    assert response.status_code == 200 and "TG-" in response.text
    tip = Tip.objects.latest("pk")
    assert Tip.objects.count() == before + 1 and tip.channel == "web" and tip.submitted_by is None
    assert tip.reporter_contact == "ban@example.com"
    assert "chuối" in (tip.claim or tip.suggested_claim).statement  # the banana rumour, linked or suggested


def test_the_honeypot_keeps_robots_out_silently(client):
    before = Tip.objects.count()
    response = client.post(
        reverse("public:report"), {"text": "Mua thuốc giá rẻ tại đây " * 3, "website": "spam.example"}
    )
    assert response.status_code == 200 and Tip.objects.count() == before


def test_the_public_form_is_rate_limited_per_address(client, settings):
    settings.PUBLIC_TIPS_PER_HOUR = 2
    data = {"text": "Nghe nói ngày mai cả tỉnh bị phong tỏa hoàn toàn, không ai được ra đường.", "website": ""}
    statuses = [client.post(reverse("public:report"), data).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert "Quá nhiều" in client.post(reverse("public:report"), data).text


HOSTILE = [
    ({"text": ""}, "text"),
    ({"text": "x" * 4001}, "text"),
    ({"text": "nul\x00byte in a long enough text"}, "text"),
    ({"text": "Tin đồn đủ dài để gửi đi", "url": "javascript:alert(document.cookie)"}, "url"),
    ({"text": "Tin đồn đủ dài để gửi đi", "url": "file:///etc/passwd"}, "url"),
    ({"text": "Tin đồn đủ dài để gửi đi", "url": "http://" + "a" * 1200}, "url"),
    ({"text": "Tin đồn đủ dài để gửi đi", "org_unit": "1 OR 1=1"}, "org_unit"),
    ({"text": "Tin đồn đủ dài để gửi đi", "org_unit": "../../etc/passwd"}, "org_unit"),
    ({"text": "Tin đồn đủ dài để gửi đi", "reporter_name": "x" * 151}, "reporter_name"),
    ({"text": "Tin đồn đủ dài để gửi đi", "reporter_contact": "a\x07b"}, "reporter_contact"),
]


@pytest.mark.parametrize("data, field", HOSTILE)
def test_hostile_input_on_the_public_form_is_refused_and_nothing_stored(client, data, field):
    before = Tip.objects.count()
    response = client.post(reverse("public:report"), {"website": "", **data})
    assert response.status_code == 400, field
    assert Tip.objects.count() == before
    assert "errorlist" in response.text or "problems" in response.text


def test_markup_in_a_tip_is_kept_as_text_and_never_runs(client, people):
    text = "<script>alert('x')</script> Tin đồn: <img src=x onerror=alert(1)> uống rượu diệt virus; ' OR 1=1 --"
    tip = actions.record_tip(None, channel="web", text=text)
    assert Tip.objects.get(pk=tip.pk).text == text
    client.force_login(people[Role.INSPECTOR])
    page = client.get(reverse("misinfo:tip_detail", args=[tip.pk]))
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text and "<img src=x" not in page.text


def test_the_public_form_shows_no_one_s_data(client):
    page = client.get(reverse("public:report"))
    assert page.status_code == 200
    for person in Person.objects.all():
        assert person.username not in page.text
    assert "TG-" not in page.text


def _rach_gia_report_with_a_repeat_this_week(client, people):
    """Rạch Giá's weekly report page, as its culture office sees it, after a tip this week that
    repeats the dầu gió claim (a Rạch Giá claim with a verdict)."""
    from reporting.models import ReportCycle

    cycle = ReportCycle.objects.filter(kind="weekly").order_by("-due_at").first()
    tip = actions.record_tip(
        people[Role.INSPECTOR],
        channel="hotline",
        org_unit=OrgUnit.objects.get(code=RG),
        text="hit dau gio xanh 4 lan moi ngay, sau 10 ngay la khoi covid nha mn",
    )
    Tip.objects.filter(pk=tip.pk).update(received_at=timezone.now())
    client.force_login(people[Role.DISTRICT_CULTURE])
    return client.get(reverse("reporting:district_report", args=[cycle.pk, RG]))


def test_the_districts_weekly_report_shows_its_false_information_of_the_period(client, people):

    page = _rach_gia_report_with_a_repeat_this_week(client, people)
    assert "Hít dầu gió xanh 4 lần mỗi ngày" in page.text
    assert "Tin sai sự thật" in page.text  # the case's verdict


def test_a_match_to_another_districts_claim_shows_nothing_of_it(client, people):
    """A Rạch Giá tip that repeats a Hòn Đất claim joins it, but Rạch Giá sees neither the claim
    nor its case: not in the inbox, the tip page, the API answer or the weekly report."""
    from reporting.models import ReportCycle

    other = Claim.objects.get(statement__startswith="Que xét nghiệm nhanh")
    assert other.org_unit.code != RG
    culture = people[Role.DISTRICT_CULTURE]
    tip = actions.record_tip(
        culture,
        channel="district",
        org_unit=OrgUnit.objects.get(code=RG),
        text="que test nhanh covid co tam ethylene oxide gay ung thu, ko nen test nhieu nha mn",
    )
    assert tip.claim == other  # the desk sees one claim
    Tip.objects.filter(pk=tip.pk).update(received_at=timezone.now())
    client.force_login(culture)
    cycle = ReportCycle.objects.filter(kind="weekly").order_by("-due_at").first()
    for url in (
        reverse("misinfo:inbox") + "?show=all",
        reverse("misinfo:tip_detail", args=[tip.pk]),
        reverse("reporting:district_report", args=[cycle.pk, RG]),
    ):
        assert "ethylene oxide gây ung thư" not in client.get(url).text, url
    answer = client.post(
        "/api/v1/misinfo/tips",
        {"channel": "district", "org_unit_code": RG, "text": "que test nhanh tam ethylene oxide gay ung thu do mn"},
        content_type="application/json",
        headers=_token(culture),
    )
    assert answer.status_code == 201 and answer.json()["claim_id"] is None


def _verdict_case(people, text="Xông hơi bằng sả chanh mỗi ngày diệt sạch virus corona trong phổi."):
    inspector = people[Role.INSPECTOR]
    tip = actions.record_tip(None, channel="web", text=text, reporter_contact="nguoidan@example.com")
    claim = actions.new_claim(inspector, tip, text)
    case = actions.open_case(inspector, claim)
    actions.change_state(inspector, case, Case.State.VERIFYING)
    return actions.record_verdict(
        inspector, case, "false", "Bộ Y tế khẳng định xông hơi không diệt được virus trong phổi."
    )


def test_publication_needs_a_leader_who_did_not_write_the_verdict(people, django_capture_on_commit_callbacks):
    case = _verdict_case(people)
    with pytest.raises(PermissionDenied):
        actions.approve_verdict(people[Role.INSPECTOR], case)
    leader = people[Role.LEADER]
    Case.objects.filter(pk=case.pk).update(verdict_by=leader)  # the leader wrote it: someone else must approve
    with pytest.raises(actions.Rejected):
        actions.approve_verdict(leader, Case.objects.get(pk=case.pk))
    Case.objects.filter(pk=case.pk).update(verdict_by=people[Role.INSPECTOR])
    before = taskqueue.count()
    with django_capture_on_commit_callbacks(execute=True):
        case = actions.approve_verdict(leader, Case.objects.get(pk=case.pk))
    assert case.published_at and case.approved_by == leader
    assert taskqueue.count() == before + 1  # the reporter who left an email is told
    with pytest.raises(actions.Rejected):
        actions.approve_verdict(leader, case)


def test_the_public_verdict_page_carries_a_valid_claim_review(client, people):
    import json
    import re

    case = _verdict_case(people, "Uống nước chanh nóng </script><script>alert(1)</script> chữa khỏi Covid-19.")
    assert client.get(reverse("public:verdict", args=[case.pk])).status_code == 404  # not yet approved
    actions.approve_verdict(people[Role.LEADER], case)
    page = client.get(reverse("public:verdict", args=[case.pk]))
    assert page.status_code == 200 and "Tin sai sự thật" in page.text
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    assert data["@type"] == "ClaimReview" and data["reviewRating"]["ratingValue"] == 1
    assert data["claimReviewed"].startswith("Uống nước chanh nóng </script>")  # escaped in the page, intact in data
    assert "<script>alert(1)" not in page.text
    listing = client.get(reverse("public:verdict_list") + "?q=nuoc chanh")
    assert "Uống nước chanh nóng" in listing.text


# --- Actions after the verdict -------------------------------------------------------------


@pytest.mark.parametrize(
    "subject, fine, ok",
    [
        ("individual", 5_000_000, True),
        ("individual", 10_000_000, True),
        ("individual", 12_000_000, False),
        ("individual", 4_999_999, False),
        ("organisation", 20_000_000, True),
        ("organisation", 9_000_000, False),
        ("", 7_000_000, False),
    ],
)
def test_sanctions_follow_decree_15_article_101(people, subject, fine, ok):
    case = _verdict_case(people)
    call = lambda: actions.add_action(  # noqa: E731
        people[Role.INSPECTOR],
        case,
        "sanction",
        subject_kind=subject,
        subject_name="Tài khoản Facebook X",
        fine_vnd=fine,
        forced_removal=True,
    )
    if ok:
        assert call().fine_vnd == fine
    else:
        with pytest.raises(actions.Rejected) as e:
            call()
        assert {"fine_vnd", "subject_kind"} & set(e.value.errors)


def test_referral_to_the_police_from_letter_to_outcome(client, people):
    import datetime

    inspector, police = people[Role.INSPECTOR], people[Role.POLICE]
    case = _verdict_case(people)
    with pytest.raises(actions.Rejected) as e:
        actions.add_action(inspector, case, "referral", state="sent", recipient="Công an tỉnh")
    assert {"letter_number", "letter_date"} <= set(e.value.errors)
    today = datetime.date.today()
    referral = actions.add_action(
        inspector,
        case,
        "referral",
        state="sent",
        recipient="Công an tỉnh Kiên Giang",
        letter_number="501/STTTT-TTra",
        letter_date=today,
        deadline=today,
    )
    case.refresh_from_db()
    assert case.state == Case.State.ACTIONS  # the first action moves the case on
    with pytest.raises(PermissionDenied):
        actions.update_action(police, referral, "acknowledged", letter_number="x")  # only outcome and note
    client.force_login(police)
    assert "501/STTTT-TTra" in client.get(reverse("misinfo:referrals")).text
    client.post(reverse("misinfo:referral_update", args=[referral.pk]), {"state": "acknowledged", "outcome": ""})
    client.post(
        reverse("misinfo:referral_update", args=[referral.pk]),
        {"state": "done", "outcome": "Đã xử phạt hành chính đối tượng đăng tin."},
    )
    referral.refresh_from_db()
    assert referral.state == "done" and referral.acknowledged_at and "xử phạt" in referral.outcome
    assert list(referral.events.values_list("to_state", flat=True)) == ["sent", "acknowledged", "done"]
    letter = client.get(reverse("misinfo:action_letter", args=[referral.pk]))
    assert letter.status_code == 200  # the police open the letter of a referral sent to them
    client.force_login(inspector)
    letter = client.get(reverse("misinfo:action_letter", args=[referral.pk]))
    import io

    import docx

    document = docx.Document(io.BytesIO(letter.content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    text = "\n".join([p.text for p in document.paragraphs] + cells)
    assert "Kính gửi: Công an tỉnh Kiên Giang." in text and "Xông hơi bằng sả chanh" in text
    assert "V/v chuyển thông tin sai sự thật" in text


def test_a_rebuttal_is_done_only_with_its_published_address(people):
    case = _verdict_case(people)
    with pytest.raises(actions.Rejected) as e:
        actions.add_action(
            people[Role.INSPECTOR],
            case,
            "rebuttal",
            state="planned",
            recipient="Báo Kiên Giang",
            published_url="javascript:alert(1)",
        )
    assert "published_url" in e.value.errors
    action = actions.add_action(people[Role.INSPECTOR], case, "rebuttal", recipient="Báo Kiên Giang")
    with pytest.raises(actions.Rejected):
        actions.update_action(people[Role.INSPECTOR], action, "done")
    import datetime

    actions.update_action(
        people[Role.INSPECTOR], action, "sent", letter_number="9/STTTT-TTra", letter_date=datetime.date.today()
    )
    action = actions.update_action(
        people[Role.INSPECTOR], action, "done", published_url="https://baokiengiang.vn/cai-chinh"
    )
    assert action.state == "done"
    with pytest.raises(actions.Rejected):
        actions.update_action(people[Role.INSPECTOR], action, "sent")  # done is final


def test_no_action_before_the_verdict(people):
    inspector = people[Role.INSPECTOR]
    tip = actions.record_tip(inspector, channel="hotline", text="Một tin đồn mới chưa được xác minh gì cả.")
    case = actions.open_case(inspector, actions.new_claim(inspector, tip, "Một tin đồn mới chưa được xác minh."))
    with pytest.raises(actions.Rejected):
        actions.add_action(inspector, case, "referral")


# --- Evidence -----------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_evidence_is_hashed_kept_under_its_hash_and_served_only_as_a_download(client, people):
    import hashlib

    case = _verdict_case(people)
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script>Bai dang</body></html>"
    item = actions.add_evidence(
        people[Role.INSPECTOR],
        case,
        url="https://facebook.com/p/1",
        data=html,
        filename="../../etc/passwd.png",
        note="Trang lưu lại",
    )
    assert item.sha256 == hashlib.sha256(html).hexdigest() and item.content_type == "text/html"
    assert item.original_name == "passwd.png" and item.file.name == f"evidence/{item.sha256}.html"
    client.force_login(people[Role.LEADER])
    response = client.get(reverse("misinfo:evidence_download", args=[item.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment") and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == html
    assert list(item.custody.values_list("action", flat=True)) == ["captured", "downloaded"]


@pytest.mark.parametrize(
    "data, name, words",
    [
        (b"", "empty.png", "trống"),
        (b"MZ\x90\x00\x03" + b"\x00" * 100, "virus.png", "PNG, JPEG"),
        (b"\x00\x01binary", "x.txt", "PNG, JPEG"),
    ],
)
def test_evidence_files_are_checked_by_content(people, data, name, words):
    case = _verdict_case(people)
    with pytest.raises(actions.Rejected) as e:
        actions.add_evidence(people[Role.INSPECTOR], case, data=data, filename=name)
    assert words in e.value.errors["file"]
    assert not case.evidence.exists()


def test_evidence_size_is_limited(client, people, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.EVIDENCE_MAX_BYTES = 1024
    case = _verdict_case(people)
    client.force_login(people[Role.INSPECTOR])
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 2048)
    response = client.post(reverse("misinfo:evidence_add", args=[case.pk]), {"file": big, "url": "", "note": ""})
    assert response.status_code == 400 and "MB" in response.text and not case.evidence.exists()


def test_evidence_never_changes_and_is_sealed_on_referral(people):
    import datetime

    from misinfo.models import Evidence, EvidenceIsSealed

    case = _verdict_case(people)
    item = actions.add_evidence(people[Role.INSPECTOR], case, url="https://zalo.me/x", data=PNG, filename="a.png")
    with pytest.raises(EvidenceIsSealed):
        item.note = "sửa"
        item.save()
    with pytest.raises(EvidenceIsSealed):
        Evidence.objects.filter(pk=item.pk).update(note="x")
    with pytest.raises(EvidenceIsSealed):
        Evidence.objects.filter(pk=item.pk).delete()
    actions.add_action(
        people[Role.INSPECTOR],
        case,
        "referral",
        state="sent",
        recipient="Công an tỉnh",
        letter_number="7/STTTT-TTra",
        letter_date=datetime.date.today(),
    )
    item = Evidence.objects.get(pk=item.pk)
    assert item.sealed_at is not None
    assert list(item.custody.values_list("action", flat=True)) == ["captured", "sealed"]
    assert Evidence.objects.filter(pk=item.pk).update(sealed_at=None) == 0  # sealed once, for good


# --- API ----------------------------------------------------------------------------------


def _token(person):
    from core.models import ApiToken

    return {"Authorization": f"Bearer {ApiToken.issue(person, 'test')[1]}"}


def test_a_district_sends_a_tip_through_the_api(client, people):
    headers = _token(people[Role.DISTRICT_STEERING])
    ok = client.post("/api/v1/misinfo/tips", {"channel": "steering", "org_unit_code": RG,
                     "text": "que test nhanh covid co tam ethylene oxide gay ung thu do mn oi"},
                     content_type="application/json", headers=headers)  # fmt: skip
    assert ok.status_code == 201 and ok.json()["match"] == "auto" and ok.json()["reference"].startswith("TG-")
    other = client.post("/api/v1/misinfo/tips", {"channel": "steering", "org_unit_code": PQ, "text": "x" * 20},
                        content_type="application/json", headers=headers)  # fmt: skip
    assert other.status_code == 422 and "org_unit_code" in other.json()["errors"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"text": "ngắn"}, "text"),
        ({"text": "Tin đồn đủ dài để gửi", "url": "ftp://x"}, "url"),
        ({"text": "Tin đồn đủ dài để gửi", "channel": "telepathy"}, "channel"),
        ({"text": "Tin đồn đủ dài \ud800 để gửi"}, "text"),
    ],
)
def test_api_refuses_bad_tips_in_vietnamese(client, people, body, field):
    before = Tip.objects.count()
    response = client.post("/api/v1/misinfo/tips", body, content_type="application/json",
                           headers=_token(people[Role.INSPECTOR]))  # fmt: skip
    assert response.status_code == 422 and field in str(response.json()["errors"])  # the field is named
    assert Tip.objects.count() == before


def test_police_record_the_outcome_through_the_api(client, people):
    from misinfo.models import CaseAction

    referral = CaseAction.objects.get(kind="referral", case__org_unit__code=RG)
    url = f"/api/v1/misinfo/referrals/{referral.pk}"
    response = client.patch(url, {"state": "done", "outcome": "Đã mời đối tượng làm việc, xử phạt 7,5 triệu đồng."},
                            content_type="application/json", headers=_token(people[Role.POLICE]))  # fmt: skip
    assert response.status_code == 200 and response.json()["state"] == "done"
    again = client.patch(url, {"state": "done"}, content_type="application/json", headers=_token(people[Role.POLICE]))
    assert again.status_code == 422  # done is final


def test_dashboard_counts_cases_durations_and_overdue_actions(client, people):
    from misinfo import dashboard

    d = dashboard.build(people[Role.INSPECTOR])
    states = dict(d.by_state)
    assert sum(states.values()) == Case.objects.count() and states["Đã đóng"] >= 1
    assert d.to_verdict.count == Case.objects.exclude(verdict_at=None).count()
    assert d.to_verdict.median_hours > 0 and d.to_verdict.p90_hours >= d.to_verdict.median_hours
    assert d.to_rebuttal.count == 1  # the demo's published rebuttal
    assert [a.kind for a in d.overdue] == ["takedown"]  # its deadline was yesterday
    assert len(d.weeks) == dashboard.WEEKS and sum(n for _w, n, _c in d.weeks) >= 1
    client.force_login(people[Role.INSPECTOR])
    assert "Đề nghị gỡ bỏ" in client.get(reverse("misinfo:dashboard")).text
    assert dashboard._durations([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).p90_hours == 9


EML = (
    "From: =?utf-8?b?Tmd1eeG7hW4gVsSDbiBCw6xuaA==?= <binh@example.com>\r\n"
    "To: thanhtra@kiengiang.gov.vn\r\nSubject: =?utf-8?q?Tin_=C4=91=E1=BB=93n_tr=C3=AAn_Zalo?=\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    "<html><body><p>Nhóm Zalo lan truyền: que xét nghiệm nhanh tẩm ethylene oxide gây ung thư.</p>"
    "<script>alert(1)</script><a href='https://zalo.me/g/abc'>link</a></body></html>\r\n"
).encode()


def test_forwarded_emails_become_tips(client, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(people[Role.INSPECTOR])
    before = Tip.objects.count()
    files = [SimpleUploadedFile("tin.eml", EML), SimpleUploadedFile("rong.eml", b"")]
    response = client.post(reverse("misinfo:email_import"), {"files": files})
    assert response.status_code == 400 and "rong.eml" in response.text  # the empty one is named
    assert Tip.objects.count() == before  # all or nothing
    response = client.post(reverse("misinfo:email_import"), {"files": [SimpleUploadedFile("tin.eml", EML)]})
    assert response.status_code == 302 and Tip.objects.count() == before + 1
    again = client.post(reverse("misinfo:email_import"), {"files": [SimpleUploadedFile("lai.eml", EML)]})
    assert again.status_code == 400 and "TG-" in again.text and Tip.objects.count() == before + 1
    damaged = SimpleUploadedFile("hong.eml", b"From: =?utf-8?q??=\r\nSubject: x\r\n\r\nTin don dai du de gui di")
    assert client.post(reverse("misinfo:email_import"), {"files": [damaged]}).status_code in {302, 400}
    tip = Tip.objects.get(channel="email", text__startswith="Tin đồn trên Zalo")
    assert tip.channel == "email" and tip.reporter_contact == "binh@example.com"
    assert tip.reporter_name == "Nguyễn Văn Bình" and tip.url == "https://zalo.me/g/abc"
    assert "Tin đồn trên Zalo" in tip.text and "alert" not in tip.text and tip.match == "auto"


def test_the_case_file_lists_timeline_tips_and_evidence_but_never_who_reported(client, people):
    import subprocess

    case = Case.objects.get(org_unit__code=RG, claim__statement__startswith="Hít dầu gió")
    tip = actions.record_tip(
        None,
        channel="web",
        text="Hít dầu gió xanh 4 lần mỗi ngày sẽ khỏi Covid-19 nhé mọi người",
        reporter_name="Lê Văn Bí Mật",
        reporter_contact="bimat@example.com",
    )
    assert tip.claim == case.claim
    client.force_login(people[Role.LEADER])
    response = client.get(reverse("misinfo:case_file", args=[case.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "HỒ SƠ VỤ VIỆC" in text and "Chuyển Công an" in text and "SHA-256" in text
    sha = case.evidence.first().sha256
    assert sha[:16] in text.replace("\n", "")
    assert "Bí Mật" not in text and "bimat@" not in text


# --- The bad-input corpus, through every staff form of the desk ------------------------------

CORPUS = [
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE misinfo_tip; --",
    "1 OR 1=1",
    "../../../../etc/passwd",
    "C:\\Windows\\System32\\cmd.exe",
    "\x00nul",
    # (lone surrogates cannot travel in a form post; the API tests send them)
    "\u202eevil\u202c",
    "x" * 5000,
    "{{ 7*7 }}{% debug %}",
    "%s%s%s%n",
]


@pytest.mark.parametrize("value", CORPUS)
def test_no_hostile_value_breaks_a_form_and_what_is_kept_is_inert(client, people, value):
    case = _verdict_case(people)
    client.force_login(people[Role.INSPECTOR])
    posts = [
        (reverse("misinfo:tip_create"), {"channel": "hotline", "text": value, "url": value, "reporter_name": value,
                                         "reporter_contact": value, "org_unit": value}),
        (reverse("misinfo:tip_create"), {"channel": "hotline", "text": f"Tin đồn có ký tự lạ: {value}"}),
        (reverse("misinfo:case_verdict", args=[case.pk]), {"verdict": value, "explanation": value, "sources": value}),
        (reverse("misinfo:action_add", args=[case.pk]), {"kind": "sanction", "state": "planned", "subject_kind": value,
                                                        "subject_name": value, "fine_vnd": value, "note": value}),
        (reverse("misinfo:action_add", args=[case.pk]), {"kind": "rebuttal", "state": "planned", "recipient": value,
                                                        "deadline": value, "published_url": value, "note": value}),
        (reverse("misinfo:evidence_add", args=[case.pk]), {"url": value, "note": value}),
        (reverse("misinfo:tip_new_claim", args=[Tip.objects.latest("pk").pk]), {"statement": value}),
        (reverse("misinfo:case_state", args=[case.pk]), {"state": value, "note": value}),
        (reverse("public:report"), {"text": value, "url": value, "org_unit": value, "website": ""}),
    ]  # fmt: skip
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code in {200, 302, 400, 429}, (url, response.status_code)
    for page in (reverse("misinfo:inbox") + "?show=all&q=" + value[:90], reverse("misinfo:claim_list") + "?q=x",
                 reverse("misinfo:case_detail", args=[case.pk]), reverse("misinfo:dashboard")):  # fmt: skip
        response = client.get(page)
        assert response.status_code == 200, page
        assert "<script>alert" not in response.text and "<img src=x" not in response.text
        assert "49" not in response.text.split("{{ 7*7 }}")[0][-5:]  # no template injection
    # Whatever was accepted is stored as given (plain text), never half.
    for tip in Tip.objects.filter(text__contains="Tin đồn có ký tự lạ"):
        assert tip.text.startswith("Tin đồn có ký tự lạ: ")


@pytest.mark.parametrize("name", ["../../evil.png", "..\\..\\evil.png", "a/b/c.png", "\x00.png", "é" * 300 + ".png"])
def test_file_names_never_reach_the_disk(people, name):
    case = _verdict_case(people)
    item = actions.add_evidence(people[Role.INSPECTOR], case, data=PNG, filename=name)
    assert "/" not in item.original_name and "\\" not in item.original_name and len(item.original_name) <= 200
    assert item.file.name == f"evidence/{item.sha256}.png"  # one file per content, whatever it was called


def test_a_50_mb_upload_is_refused_before_it_is_read(client, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = _verdict_case(people)
    client.force_login(people[Role.INSPECTOR])
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (50 * 2**20))
    response = client.post(reverse("misinfo:evidence_add", args=[case.pk]), {"file": big})
    assert response.status_code == 400 and "MB" in response.text and not case.evidence.exists()


def test_a_citizen_can_send_a_screenshot_that_becomes_evidence_of_the_case(client, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"text": "Ảnh chụp bài đăng nói uống nước muối ấm diệt sạch virus corona trong cổ họng.", "website": ""}
    bad = client.post(reverse("public:report"), {**data, "attachment": SimpleUploadedFile("a.png", b"MZ\x90\x00exe")})
    assert bad.status_code == 400 and "PNG, JPEG" in bad.text
    ok = client.post(reverse("public:report"), {**data, "attachment": SimpleUploadedFile("../anh.png", PNG)})
    assert ok.status_code == 200
    tip = Tip.objects.latest("pk")
    assert tip.attachment_name == "anh.png" and tip.attachment_type == "image/png" and len(tip.attachment_sha256) == 64
    inspector = people[Role.INSPECTOR]
    claim = actions.new_claim(inspector, tip, data["text"])
    case = actions.open_case(inspector, claim)
    assert case.evidence.get().sha256 == tip.attachment_sha256
    client.force_login(inspector)
    download = client.get(reverse("misinfo:tip_attachment", args=[tip.pk]))
    assert download["Content-Disposition"].startswith("attachment") and b"".join(download.streaming_content) == PNG


# --- Found in review ------------------------------------------------------------------------


def test_a_withdrawn_verdict_cannot_be_published_and_a_reopened_one_comes_off(people, client):
    inspector, leader = people[Role.INSPECTOR], people[Role.LEADER]
    case = _verdict_case(people)
    actions.change_state(inspector, case, Case.State.VERIFYING)
    with pytest.raises(actions.Rejected):
        actions.approve_verdict(leader, Case.objects.get(pk=case.pk))
    case = actions.record_verdict(
        inspector, case, "false", "Sở Y tế khẳng định xông hơi không diệt được virus trong phổi."
    )
    case = actions.approve_verdict(leader, case)
    actions.change_state(inspector, case, Case.State.VERIFYING, "Có thông tin mới")
    case.refresh_from_db()
    assert case.published_at is None and client.get(reverse("public:verdict", args=[case.pk])).status_code == 404


def test_reporters_are_told_once_and_their_address_never_waits_in_the_queue(
    people, django_capture_on_commit_callbacks, mailoutbox
):
    from misinfo.tasks import tell_reporters

    case = _verdict_case(people)
    with django_capture_on_commit_callbacks(execute=True):
        case = actions.approve_verdict(people[Role.LEADER], case)
    queued = taskqueue.latest()
    assert queued.path.endswith("tell_reporters") and "nguoidan@example.com" not in str((queued.args, queued.kwargs))
    assert tell_reporters.call(case.pk) == 1 and tell_reporters.call(case.pk) == 0  # told once
    assert mailoutbox[-1].to == ["nguoidan@example.com"]


def test_a_district_cannot_pose_as_another_channel_or_leave_out_its_area(people):
    steering = people[Role.DISTRICT_STEERING]
    with pytest.raises(actions.Rejected) as e:
        actions.record_tip(
            steering, channel="web", org_unit=OrgUnit.objects.get(code=RG), text="Tin đồn đủ dài để gửi đi"
        )
    assert "channel" in e.value.errors
    with pytest.raises(actions.Rejected) as e:
        actions.record_tip(steering, channel="steering", text="Tin đồn đủ dài để gửi đi")
    assert "org_unit" in e.value.errors


def test_evidence_after_a_referral_is_sealed_at_capture_and_closed_cases_take_none(people):
    import datetime

    inspector = people[Role.INSPECTOR]
    case = _verdict_case(people)
    referral = actions.add_action(
        inspector,
        case,
        "referral",
        state="sent",
        recipient="Công an tỉnh",
        letter_number="8/STTTT-TTra",
        letter_date=datetime.date.today(),
    )
    late = actions.add_evidence(inspector, case, url="https://facebook.com/p/2")
    assert late.sealed_at is not None
    with pytest.raises(actions.Rejected):
        actions.change_state(inspector, case, Case.State.CLOSED)  # the referral is still open
    with pytest.raises(actions.Rejected) as e:
        actions.update_action(inspector, referral, "done")
    assert "outcome" in e.value.errors
    actions.update_action(inspector, referral, "done", outcome="Công an đã xử lý.")
    actions.change_state(inspector, case, Case.State.CLOSED)
    with pytest.raises(actions.Rejected):
        actions.add_evidence(inspector, Case.objects.get(pk=case.pk), url="https://facebook.com/p/3")


@pytest.mark.parametrize("url", ["http://", "https://a b", "https:///x", "javascript://x"])
def test_broken_published_links_are_refused(people, url):
    case = _verdict_case(people)
    with pytest.raises(actions.Rejected) as e:
        actions.add_action(people[Role.INSPECTOR], case, "rebuttal", published_url=url)
    assert "published_url" in e.value.errors


def test_logs_are_append_only(people):
    from misinfo.models import CaseEvent, CustodyEvent, EvidenceIsSealed

    case = _verdict_case(people)
    actions.add_evidence(people[Role.INSPECTOR], case, url="https://facebook.com/p/4")
    for queryset in (CaseEvent.objects.filter(case=case), CustodyEvent.objects.filter(evidence__case=case)):
        with pytest.raises(EvidenceIsSealed):
            queryset.update(note="x")
        with pytest.raises(EvidenceIsSealed):
            queryset.delete()
    event = CaseEvent.objects.filter(case=case).first()
    event.note = "x"
    with pytest.raises(EvidenceIsSealed):
        event.save()


def test_sealing_downloads_and_reveals_of_reporters_are_audited(client, people):
    import datetime

    case = _verdict_case(people)
    tip = case.claim.tips.get()
    client.force_login(people[Role.INSPECTOR])
    client.get(reverse("misinfo:tip_detail", args=[tip.pk]))
    item = actions.add_evidence(people[Role.INSPECTOR], case, data=PNG, filename="a.png")
    client.get(reverse("misinfo:evidence_download", args=[item.pk]))
    actions.add_action(
        people[Role.INSPECTOR],
        case,
        "referral",
        state="sent",
        recipient="Công an tỉnh",
        letter_number="9/STTTT-TTra",
        letter_date=datetime.date.today(),
    )
    done = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"misinfo.reporter_view", "misinfo.evidence_download", "misinfo.evidence_seal"} <= done


def test_a_robot_that_fills_the_honeypot_sees_what_a_person_sees(client):
    before = Tip.objects.count()
    response = client.post(reverse("public:report"), {"text": "Tin đồn đủ dài để gửi đi nhé", "website": "x" * 500})
    assert response.status_code == 200 and "TG-" in response.text and Tip.objects.count() == before


def test_the_unit_can_put_its_false_information_into_the_unusual_part(client, people):

    page = _rach_gia_report_with_a_repeat_this_week(client, people)
    assert 'data-insert-unusual="Thông tin sai sự thật trên địa bàn: “Hít dầu gió xanh' in page.text
    assert "data-unusual" in page.text  # the field it goes into


def test_a_nul_byte_in_a_form_gets_a_vietnamese_message(client):
    response = client.post(reverse("public:report"), {"text": "Tin đồn có \x00 ký tự rỗng ở giữa", "website": ""})
    assert response.status_code == 400 and "ký tự rỗng (NUL)" in response.text


def test_an_html_only_email_gives_the_text_a_reader_sees():
    from email import message_from_bytes, policy

    from misinfo.mail import _text_of

    raw = (
        "Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "<html><head><title>Tiêu đề ẩn</title><style>p{color:red}</style></head><body>"
        "<!-- ghi chú ẩn --><p>Dòng&nbsp;1</p><p>Dòng 2: a &lt; b</p>"
        "<a href='https://zalo.me/g/abc'>link</a></body></html>"
    ).encode()
    text, link = _text_of(message_from_bytes(raw, policy=policy.default))
    assert text == "Dòng 1 Dòng 2: a < b link" and link == "https://zalo.me/g/abc"


def test_the_limit_is_counted_in_the_database_for_every_process():
    """Every web process counts in the same rows; a window ends and a new one starts at 1."""
    import datetime

    from django.utils import timezone

    from core import ratelimit
    from core.models import RateCount

    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    assert [ratelimit.hit("t:1.2.3.4", hour, now=now) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.hit("t:5.6.7.8", hour, now=now) == 1  # another client, its own count
    assert RateCount.objects.get(key="t:1.2.3.4").count == 3
    assert ratelimit.hit("t:1.2.3.4", hour, now=now + hour + datetime.timedelta(seconds=1)) == 1
    assert ratelimit.hit("x" * 500, hour, now=now) == 1  # a long key is cut, not an error
