"""The public archive of issued bulletins (/ban-tin/), their files, the figures of issued days
(/so-lieu/) and the Atom feed. The demo (tests/conftest.py) has the 5 bulletins before today
issued and today's draft, whose figures lack Kiên Hải (912) and Giang Thành (914)."""

import csv
import datetime
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone, translation

from core.models import OrgUnit, Person
from core.roles import Role
from situation import actions
from situation.models import Bulletin, Figure

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def issued():
    """The demo's issued bulletins, newest first."""
    return list(Bulletin.objects.filter(state=Bulletin.State.ISSUED).order_by("-date"))


@pytest.fixture
def draft():
    return Bulletin.objects.get(date=timezone.localdate())


def detail_url(bulletin):
    return reverse("public:bulletin", args=[bulletin.slug])


def issue(people, bulletin) -> Bulletin:
    bulletin = actions.submit(people[Role.FOCAL_POINT], bulletin)
    return actions.approve(people[Role.LEADER], bulletin)


class Page(HTMLParser):
    """What the accessibility checks need from a page: its language, headings, images, tables."""

    def __init__(self, html):
        super().__init__()
        self.lang = None
        self.headings: list[int] = []
        self.images: list[dict] = []
        self.row_headers = 0
        self.links: list[str] = []
        self.feed_links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "th" and attrs.get("scope") == "row":
            self.row_headers += 1
        elif tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if tag == "link" and attrs.get("rel") == "alternate" and attrs.get("type") == "application/atom+xml":
            self.feed_links.append(attrs["href"])


def assert_accessible(page: Page):
    assert page.lang == "vi"
    assert page.headings.count(1) == 1 and page.headings[0] == 1
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"
    assert all(img.get("alt") is not None for img in page.images)


# --- The list ------------------------------------------------------------------------------------


def test_the_list_shows_the_issued_bulletins_newest_first_and_no_draft(client, issued, draft):
    response = client.get(reverse("public:bulletin_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert len(issued) == 5
    positions = [body.index(f'href="{detail_url(b)}"') for b in issued]
    assert positions == sorted(positions)
    assert detail_url(draft) not in body
    with translation.override("vi"):
        for b in issued:
            assert b.number_text in body
            assert reverse("public:bulletin_file", args=[b.slug, "pdf"]) in body
            assert reverse("public:bulletin_file", args=[b.slug, "docx"]) in body
            assert filesizeformat(b.pdf.size) in body and filesizeformat(b.docx.size) in body
            assert f"<strong>{b.facts['new_cases_today']}</strong>" in body
            assert b.summary.splitlines()[0][:80] in body
    page = Page(body)
    assert_accessible(page)
    assert reverse("public:bulletin_feed") in page.feed_links
    assert 'rel="alternate"' in response["Link"] and reverse("public:bulletin_feed") in response["Link"]


def test_the_list_without_an_issued_bulletin_says_so(client):
    Bulletin.objects.filter(state=Bulletin.State.ISSUED).update(state=Bulletin.State.SUBMITTED)
    response = client.get(reverse("public:bulletin_list"))
    assert response.status_code == 200
    assert 'class="empty"' in response.content.decode()


@pytest.mark.parametrize("page", ["abc", "-1", "99999", "\x00", "1" * 500])
def test_the_list_survives_hostile_page_numbers(client, page):
    assert client.get(reverse("public:bulletin_list"), {"page": page}).status_code == 200


def test_the_list_is_paginated_and_its_queries_do_not_grow_with_rows(client, issued, django_assert_max_num_queries):
    template = issued[0]
    Bulletin.objects.bulk_create(
        [
            Bulletin(
                org_unit=template.org_unit,
                date=template.date - datetime.timedelta(days=10 + k),
                state=Bulletin.State.ISSUED,
                year=1999,
                number=k + 1,
                number_text=f"Số: {k + 1}/BT-STTTT",
                summary=template.summary,
                messages=template.messages,
                facts=template.facts,
                issued_at=template.issued_at - datetime.timedelta(days=10 + k),
                pdf=template.pdf.name,
                docx=template.docx.name,
                pdf_sha256=template.pdf_sha256,
                docx_sha256=template.docx_sha256,
            )
            for k in range(40)
        ]
    )
    with django_assert_max_num_queries(4):
        response = client.get(reverse("public:bulletin_list"), {"page": 2})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<article") == 20
    assert "?page=3" in body


# --- A bulletin's page ---------------------------------------------------------------------------


def test_an_issued_bulletin_has_its_page_with_figures_table_and_chart(client, issued):
    bulletin = issued[0]
    facts = bulletin.facts
    response = client.get(detail_url(bulletin))
    body = response.content.decode()
    assert response.status_code == 200
    assert bulletin.number_text in body
    for row in facts["rows"]:
        assert f'<th scope="row">{row["name"]}</th>' in body
    headline = [i for i in facts["indicators"] if i["headline"]]
    total_row = re.search(r"<tfoot>(.*?)</tfoot>", body, re.S).group(1)
    with translation.override("vi"):
        from django.contrib.humanize.templatetags.humanize import intcomma

        assert re.findall(r"<strong>([\d.]+)</strong>", total_row) == [intcomma(i["today"]) for i in headline]
    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="[^"]+"', body)
    assert "<details" in body and facts["trend"]["labels"][0] in body  # the chart's figures, as text
    for line in bulletin.messages.splitlines():
        assert line.strip().lstrip("-").strip() in body
    for hotline in facts["hotlines"]:
        assert hotline["phone"] in body
    for fmt in ("pdf", "docx"):
        assert reverse("public:bulletin_file", args=[bulletin.slug, fmt]) in body
    for fmt in ("json", "csv"):
        assert reverse("public:figures", args=[bulletin.slug, fmt]) in body
    page = Page(body)
    assert_accessible(page)
    assert page.row_headers >= len(facts["rows"]) + len(facts["trend"]["labels"])
    assert detail_url(issued[1]) in page.links  # the day before


def test_the_page_names_no_one_who_entered_wrote_or_approved_it(client, issued):
    bulletin = issued[0]
    response = client.get(detail_url(bulletin))
    body = response.content.decode()
    ids = {bulletin.approved_by_id, bulletin.submitted_by_id}
    ids |= set(Figure.objects.filter(date=bulletin.date).values_list("updated_by_id", flat=True))
    names = [p.full_name for p in Person.objects.filter(pk__in=ids - {None}) if p.full_name]
    assert names
    for name in names:
        assert name not in body


def test_verdicts_of_the_day_link_to_their_page_and_nothing_else(client, issued):
    bulletin = issued[0]
    bulletin.facts = {
        **bulletin.facts,
        "verdicts": [
            {
                "statement": "Uống nước chanh nóng diệt được virus",
                "verdict": "Sai",
                "explanation": "",
                "url": "/su-that/1/",
            },
            {"statement": "Tin khác", "verdict": "Sai", "explanation": "", "url": "javascript:alert(1)"},
        ],
    }
    bulletin.save(update_fields=["facts"])
    body = client.get(detail_url(bulletin)).content.decode()
    assert 'href="/su-that/1/"' in body and "Uống nước chanh nóng diệt được virus" in body
    assert "javascript:" not in body and "Tin khác" in body


@pytest.mark.parametrize("state", [Bulletin.State.DRAFT, Bulletin.State.SUBMITTED])
def test_a_bulletin_not_issued_is_not_found_nor_its_files_nor_its_figures(client, people, draft, state):
    if state == Bulletin.State.SUBMITTED:
        draft = actions.submit(people[Role.FOCAL_POINT], draft)
    assert draft.state == state
    for url in (
        detail_url(draft),
        reverse("public:bulletin_file", args=[draft.slug, "pdf"]),
        reverse("public:figures", args=[draft.slug, "json"]),
        reverse("public:figures", args=[draft.slug, "csv"]),
    ):
        assert client.get(url).status_code == 404, url


BAD_DAYS = [
    "abc",
    "2021-13-45",
    "2021-02-30",
    "0000-01-01",
    "20210805",
    "2021-8-5",
    "2021-W31-4",
    "2021-08-05x",
    " 2021-08-05",
    "٢٠٢١-٠٨-٠٥",  # Arabic-Indic digits are digits to Python's \d
    "9" * 300,
    "1999-01-01",  # a real day without a bulletin
]


@pytest.mark.parametrize("day", BAD_DAYS)
def test_a_bad_or_unknown_day_is_404_never_500(client, day):
    for url in (
        f"/ban-tin/{day}/",
        f"/ban-tin/{day}/ban-tin.pdf",
        f"/so-lieu/{day}.json",
        f"/so-lieu/{day}.csv",
    ):
        assert client.get(url).status_code == 404, url


# --- Files ---------------------------------------------------------------------------------------


def test_the_pdf_is_the_stored_file_with_its_sha256_as_etag(client, issued):
    bulletin = issued[0]
    response = client.get(reverse("public:bulletin_file", args=[bulletin.slug, "pdf"]))
    data = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert data.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["ETag"] == f'"{bulletin.pdf_sha256}"'
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"ban-tin-nhanh-{bulletin.slug}-so-{bulletin.number}.pdf" in response["Content-Disposition"]
    assert response["Content-Disposition"].isascii()
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]

    again = client.get(
        reverse("public:bulletin_file", args=[bulletin.slug, "pdf"]), headers={"If-None-Match": response["ETag"]}
    )
    assert again.status_code == 304
    assert again["ETag"] == response["ETag"] and "max-age=86400" in again["Cache-Control"]


def test_the_docx_is_a_word_document(client, issued):
    bulletin = issued[0]
    response = client.get(reverse("public:bulletin_file", args=[bulletin.slug, "docx"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response["ETag"] == f'"{bulletin.docx_sha256}"'


@pytest.mark.parametrize("fmt", ["xls", "PDF", "html", "pdf.exe"])
def test_an_unknown_file_format_is_404(client, issued, fmt):
    assert client.get(f"/ban-tin/{issued[0].slug}/ban-tin.{fmt}").status_code == 404


# --- Figures -------------------------------------------------------------------------------------


def test_the_figures_as_json_are_those_issued(client, issued):
    bulletin = issued[0]
    facts = bulletin.facts
    response = client.get(reverse("public:figures", args=[bulletin.slug, "json"]))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert {"date", "number", "province", "indicators", "rows", "missing"} <= set(data)
    assert data["date"] == bulletin.slug and data["number"] == bulletin.number
    assert data["province"] == facts["province"]
    assert [set(i) for i in data["indicators"]] == [
        {"code", "name", "kind", "unit", "today", "yesterday", "change"}
    ] * len(facts["indicators"])
    assert [(i["code"], i["today"], i["change"]) for i in data["indicators"]] == [
        (i["code"], i["today"], i["change"]) for i in facts["indicators"]
    ]
    assert data["rows"] == [{"code": r["code"], "name": r["name"], "values": r["values"]} for r in facts["rows"]]
    assert data["missing"] == []


def test_the_figures_as_csv_have_a_row_per_district_and_a_total_that_is_their_sum(client, issued):
    bulletin = issued[0]
    facts = bulletin.facts
    response = client.get(reverse("public:figures", args=[bulletin.slug, "csv"]))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    codes = [i["code"] for i in facts["indicators"]]
    assert rows[0] == ["date", "district_code", "district", *codes]
    districts, total = rows[1:-1], rows[-1]
    assert [r[1] for r in districts] == [r["code"] for r in facts["rows"]]
    assert total[1] == "" and total[2]
    for k, code in enumerate(codes, 3):
        assert int(total[k]) == sum(int(r[k]) for r in districts), code
    # With every district reported, the total is the province's figure as issued.
    assert [int(v) for v in total[3:]] == [i["today"] for i in facts["indicators"]]


def test_the_figures_are_revalidated_by_etag(client, issued):
    url = reverse("public:figures", args=[issued[0].slug, "json"])
    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("fmt", ["xml", "xlsx", "JSON"])
def test_an_unknown_figures_format_is_404(client, issued, fmt):
    assert client.get(f"/so-lieu/{issued[0].slug}.{fmt}").status_code == 404


def test_a_day_with_districts_missing_says_so_everywhere(client, people, draft):
    """Today's figures lack Kiên Hải and Giang Thành: once issued, the page says who is missing, the
    JSON lists them, the CSV leaves their cells empty and totals what was given."""
    bulletin = issue(people, draft)
    missing = [OrgUnit.objects.get(code=c).name for c in ("912", "914")]
    body = client.get(detail_url(bulletin)).content.decode()
    for name in missing:
        assert name in body
    data = client.get(reverse("public:figures", args=[bulletin.slug, "json"])).json()
    assert sorted(data["missing"]) == sorted(missing)
    content = client.get(reverse("public:figures", args=[bulletin.slug, "csv"])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    by_code = {r[1]: r for r in rows[1:-1]}
    assert set(by_code["912"][3:]) == {""}
    for k in range(3, len(rows[0])):
        assert int(rows[-1][k]) == sum(int(r[k] or 0) for r in rows[1:-1])


# --- Caching -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["list", "detail", "feed"])
def test_pages_answer_304_until_they_change(client, people, issued, draft, name):
    url = {
        "list": reverse("public:bulletin_list"),
        "detail": detail_url(issued[1]),
        "feed": reverse("public:bulletin_feed"),
    }[name]
    client.get(url)  # the first visit sets the CSRF cookie its pages carry
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""

    issue(people, draft)
    after = client.get(url, headers={"If-None-Match": first["ETag"]})
    if name == "detail":  # an older bulletin's page is the same bytes: still not modified
        assert after.status_code == 304
    else:
        assert after.status_code == 200 and after["ETag"] != first["ETag"]


def test_a_page_in_another_language_is_not_the_cached_one(client, issued):
    url = detail_url(issued[0])
    client.get(url)
    first = client.get(url)
    client.cookies["django_language"] = "en"
    assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 200


def test_a_signed_in_person_gets_the_same_public_page(client, people, issued):
    anonymous = client.get(reverse("public:bulletin_list"))
    client.force_login(people[Role.PRESS])
    response = client.get(reverse("public:bulletin_list"))
    assert response.status_code == 200 and response["ETag"] == anonymous["ETag"]
    assert people[Role.PRESS].full_name not in response.content.decode()  # a public page: nothing personal


def test_a_detail_revalidation_of_an_unknown_day_is_still_404(client, issued):
    listed = client.get(reverse("public:bulletin_list"))
    for headers in ({"If-None-Match": listed["ETag"]}, {"If-Modified-Since": listed["Last-Modified"]}):
        for day in ("1999-01-01", "abc", timezone.localdate().isoformat()):
            assert client.get(f"/ban-tin/{day}/", headers=headers).status_code == 404, (day, headers)


# --- Feed ----------------------------------------------------------------------------------------


def test_the_feed_is_atom_with_the_issued_bulletins(client, issued, draft):
    response = client.get(reverse("public:bulletin_feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314  (our own response)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title").text and feed.find(f"{ATOM}updated").text
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 5
    for entry, bulletin in zip(entries, issued, strict=True):
        assert entry.find(f"{ATOM}title").text == f"Bản tin nhanh số {bulletin.number} ngày {bulletin.date:%d/%m/%Y}"
        assert datetime.datetime.fromisoformat(entry.find(f"{ATOM}updated").text) == bulletin.issued_at
        links = {link.get("rel"): link for link in entry.findall(f"{ATOM}link")}
        assert links["alternate"].get("href").endswith(detail_url(bulletin))
        assert links["enclosure"].get("href").endswith(reverse("public:bulletin_file", args=[bulletin.slug, "pdf"]))
        assert links["enclosure"].get("type") == "application/pdf"
        assert int(links["enclosure"].get("length")) == bulletin.pdf.size
        assert bulletin.summary.splitlines()[0][:60] in entry.find(f"{ATOM}summary").text
        assert entry.find(f"{ATOM}id").text
    assert draft.slug not in response.content.decode()


def test_the_feed_is_open_to_everyone():
    from situation.views import BulletinFeed

    assert BulletinFeed.tincay_permission is None
