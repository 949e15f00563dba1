"""The bulletin as an official document (Decree 30/2020 layout, through `documents.official`):
number, title, the situation in brief, the province's figures with the change from yesterday,
the 14-day trend and where today's new cases are (two charts side by side), the table by
district, the verdicts published that day, the key messages and the hotlines. The same chart is
SVG on the screen and in the PDF, PNG in the DOCX. Also the email that carries it to the press.

Everything is drawn from `Bulletin.facts` (frozen when issued), the edited text and the
letterhead; the document's words are Vietnamese constants, whatever the reader's language.
For a province of 15 districts and a day without verdicts it fits on two A4 pages.
"""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.letterhead import leader_authority, letterhead
from documents import charts, official

from .compose import d, n, signed
from .models import Bulletin

KIND = "BẢN TIN NHANH"
TITLE = "Tình hình dịch bệnh Covid-19 trên địa bàn tỉnh {place}"
NO_FIGURES = "Chưa có số liệu"
RECIPIENTS = [
    "Các cơ quan báo chí trên địa bàn tỉnh;",
    "BCĐ phòng, chống dịch Covid-19 tỉnh (b/c);",
    "Sở Y tế;",
    "Ban Giám đốc Sở;",
    "Cổng thông tin điện tử tỉnh;",
    "Lưu: VT, TTBCBC.",
]
# Two charts side by side within the 16.5 cm of text; one alone takes the width, a little lower.
HALF_CHART_CM = (8.1, 5.0)
FULL_CHART_CM = (16.0, 5.0)
WHERE_MOST = 10  # districts in the chart of where the new cases are
CARRIED = "(*)"


def number_text(bulletin: Bulletin) -> str:
    symbol = letterhead(bulletin.org_unit).symbol
    prefix = settings.SITUATION_BULLETIN_SYMBOL
    if bulletin.number:
        return f"Số: {bulletin.number}/{prefix}-{symbol}"
    return f"Số:        /{prefix}-{symbol}"


# --- Charts --------------------------------------------------------------------------------------
def trend_chart(facts: dict, size_cm: tuple[float, float] = (charts.WIDTH_CM, charts.HEIGHT_CM)):
    """New cases a day over the trend's days (one line per new-case indicator), or None when there
    is nothing to draw. The default size is the screen's; the documents ask for theirs."""
    t = facts.get("trend") or {}
    series = [charts.Series(s["label"], s["values"]) for s in t.get("series", [])]
    if not series or not any(v for s in series for v in s.values if v):
        return None
    if len(series) > 1:  # "Ca mắc mới trong cộng đồng", "… trong khu cách ly": "Cộng đồng", "Khu cách ly"
        labels = _without_common_words([s.label for s in series])
        series = [charts.Series(label, s.values) for label, s in zip(labels, series, strict=True)]
    title = f"Ca mắc mới {len(t['labels'])} ngày qua"
    width, height = size_cm
    return charts.cached(
        "situation-trend",
        (title, t["labels"], [(s.label, s.values) for s in series], size_cm),
        lambda: (
            charts.bar_chart(title, t["labels"], series, y_label="ca", width_cm=width, height_cm=height)
            if len(series) == 1
            else charts.line_chart(title, t["labels"], series, y_label="ca", width_cm=width, height_cm=height)
        ),
    )


def where_chart(facts: dict, size_cm: tuple[float, float] = HALF_CHART_CM):
    """Today's new cases by district, most first (horizontal bars: the names read level), or None
    when they are in fewer than two districts: the summary says where then."""
    where = facts.get("where") or []
    if len(where) < 2:
        return None
    shown = where[:WHERE_MOST]
    labels = [w["name"].replace("Thành phố ", "TP ").replace("Huyện ", "") for w in shown]
    values = [w["new_cases"] for w in shown]
    title = "Ca mắc mới theo địa phương" if len(where) <= WHERE_MOST else f"Ca mắc mới: {WHERE_MOST} nơi nhiều nhất"
    width, height = size_cm
    return charts.cached(
        "situation-where",
        (title, labels, values, size_cm),
        lambda: charts.bar_chart(
            title,
            labels,
            [charts.Series("Ca mắc mới", values)],
            width_cm=width,
            height_cm=height,
            horizontal=True,
        ),
    )


def _chart_block(facts: dict) -> official.Chart | official.ChartRow | None:
    """The trend and where the cases are, side by side; the trend alone takes the text width."""
    where = where_chart(facts, HALF_CHART_CM)
    trend_size = FULL_CHART_CM if where is None else HALF_CHART_CM
    trend = trend_chart(facts, trend_size)
    if trend is not None and where is not None:
        return official.ChartRow(
            [
                official.Chart(trend.title, trend.png, trend.svg, width_cm=trend_size[0]),
                official.Chart(where.title, where.png, where.svg, width_cm=HALF_CHART_CM[0]),
            ]
        )
    if trend is not None:
        return official.Chart(trend.title, trend.png, trend.svg, width_cm=trend_size[0])
    if where is not None:
        return official.Chart(where.title, where.png, where.svg, width_cm=HALF_CHART_CM[0])
    return None


def _without_common_words(labels: list[str]) -> list[str]:
    """The labels without the words they all begin with (the chart's title says them), so that
    the legend fits on one line of a half-width chart."""
    words = [label.split() for label in labels]
    common = 0
    while all(len(w) > common + 1 for w in words) and len({w[common] for w in words}) == 1:
        common += 1
    if not common:
        return labels
    rest = [" ".join(w[common:]) for w in words]
    return [r[0].upper() + r[1:] for r in rest]


# --- Tables --------------------------------------------------------------------------------------
def _headline(facts: dict) -> list[dict]:
    return [i for i in facts.get("indicators", []) if i.get("headline")]


def _marked(indicator: dict, text: str) -> str:
    """A total that counts a missing district's last value is marked, and the note says why."""
    return f"{text} {CARRIED}" if indicator.get("carried") else text


def _headline_table(facts: dict, date: datetime.date) -> official.Table:
    """The province today, the day before and the change; for running totals the change is the
    day's increase."""
    rows = [[_marked(i, i["name"]), i["today"], i["yesterday"], signed(i["change"])] for i in _headline(facts)]
    yesterday = date - datetime.timedelta(days=1)
    return official.Table(
        ["Chỉ số", f"Ngày {date:%d/%m}", f"Ngày {yesterday:%d/%m}", "So với hôm trước"],
        rows,
        widths=[5.0, 1.9, 1.9, 2.6],
        align=[None, None, None, "right"],
        small=True,
    )


def _district_table(facts: dict) -> official.Table:
    inds = _headline(facts)
    units = facts.get("units_word", "huyện, thành phố")
    columns = ["STT", units[0].upper() + units[1:]] + [i["short_name"] for i in inds]
    rows = []
    for k, row in enumerate(facts.get("rows", []), 1):
        cells = [k, row["name"]]
        for i in inds:
            value = row["values"].get(i["code"])
            cells.append(value if value is not None else "–")
        rows.append(cells)
    carried = any(i.get("carried") for i in inds)
    total = ["", f"Toàn tỉnh {CARRIED}" if carried else "Toàn tỉnh"] + [i["today"] for i in inds]
    return official.Table(
        columns,
        rows,
        total,
        widths=[1.0, 3.3] + [1.3] * len(inds),
        align=["center", None] + ["right"] * len(inds),  # "–" (no figure) in line with the numbers
        small=True,
    )


def _missing_note(facts: dict) -> official.Paragraph | None:
    missing = facts.get("missing") or []
    if not missing:
        return None
    text = f"{NO_FIGURES} của: {', '.join(missing)}."
    carried = [i["short_name"] for i in _headline(facts) if i.get("carried")]
    if carried:
        text += f"\n{CARRIED} {', '.join(carried)}: tính cả số liệu gần nhất đã báo cáo của các địa phương này."
    return official.Paragraph(text, italic=True)


# --- The document --------------------------------------------------------------------------------
def document(bulletin: Bulletin, facts: dict | None = None) -> official.OfficialDocument:
    facts = facts if facts is not None else bulletin.facts
    facts = facts or {}
    head = letterhead(bulletin.org_unit)
    date = bulletin.date
    reported = any(r.get("reported") for r in facts.get("rows", []))
    blocks: list = []
    section = iter(range(1, 10))

    blocks.append(official.Heading(f"{next(section)}. Tình hình dịch bệnh trong ngày"))
    if bulletin.summary.strip():
        blocks.append(official.Paragraph(bulletin.summary))
    units = facts.get("units_word", "huyện, thành phố")
    if reported:
        blocks.append(_headline_table(facts, date))
    elif NO_FIGURES not in bulletin.summary:
        blocks.append(official.Paragraph(f"{NO_FIGURES} ngày {d(date)} của các {units}.", italic=True))

    if reported:
        blocks.append(official.Heading(f"{next(section)}. Số liệu theo {units}"))
        blocks.append(_district_table(facts))
        note = _missing_note(facts)
        if note is not None:
            blocks.append(note)
    chart = _chart_block(facts)  # after the table, which may run over to the next page; a chart cannot
    if chart is not None:
        blocks.append(chart)

    blocks.append(official.Heading(f"{next(section)}. Thông tin sai sự thật đã được xác minh"))
    blocks.append(official.Paragraph(_verdict_lines(facts)))

    messages = [line.strip().lstrip("-").strip() for line in bulletin.messages.splitlines()]
    messages = [line for line in messages if line]
    if messages:
        blocks.append(official.Heading(f"{next(section)}. Thông điệp trong ngày"))
        blocks.append(official.Paragraph("\n".join(f"- {line}" for line in messages)))

    hotlines = _hotline_lines(facts)
    if hotlines:
        blocks.append(official.Heading(f"{next(section)}. Đường dây nóng"))
        blocks.append(official.Paragraph("\n".join(hotlines)))

    authority, signer = _signer(bulletin, head)
    return official.OfficialDocument(
        issuer_lines=head.issuer_lines,
        number=bulletin.number_text or number_text(bulletin),
        place=head.place,
        # Decree 30: the date of signing (blank on a draft, like its number), not the figures' day.
        date=timezone.localdate(bulletin.issued_at) if bulletin.issued_at else None,
        kind=KIND,
        title=TITLE.format(place=head.place),
        subtitle=f"(Số liệu ngày {d(date)})",
        blocks=blocks,
        recipients=RECIPIENTS,
        signer_authority=authority,
        signer_name=signer,
    )


def _verdict_lines(facts: dict) -> str:
    verdicts = facts.get("verdicts") or []
    if not verdicts:
        return "Trong ngày không có kết luận mới về thông tin sai sự thật."
    return "\n".join(
        f"- “{v['statement']}”: {v['verdict']}." + (f" {v['explanation']}" if v.get("explanation") else "")
        for v in verdicts
    )


def _hotline_lines(facts: dict) -> list[str]:
    """One line per hotline title, its numbers together: "- Đường dây nóng (Sở Y tế): 1900 3228; 0965…"."""
    numbers: dict[str, list[str]] = {}
    for h in facts.get("hotlines") or []:
        phones = numbers.setdefault(h["title"], [])
        if h["phone"] not in phones:
            phones.append(h["phone"])
    return [f"- {title}: {'; '.join(phones)}." for title, phones in numbers.items()]


def _signer(bulletin: Bulletin, head) -> tuple[str, str]:
    """The leader who approved signs; a deputy director signs for the director (KT.)."""
    person = bulletin.approved_by if bulletin.approved_by_id else None
    if person is None:
        return head.signer_authority, head.signer_name
    return leader_authority(person), person.full_name


def render_pdf(bulletin: Bulletin) -> bytes:
    return official.render_pdf(document(bulletin))


def render_docx(bulletin: Bulletin) -> bytes:
    return official.render_docx(document(bulletin))


def email_message(bulletin: Bulletin) -> tuple[str, str]:
    """Subject and body of the email to the press (Vietnamese, as the bulletin)."""
    head = letterhead(bulletin.org_unit)
    facts = bulletin.facts
    subject = (
        f"Bản tin nhanh tình hình dịch Covid-19 ngày {d(bulletin.date)} ({bulletin.number_text.removeprefix('Số: ')})"
    )
    link = settings.SITE_URL.rstrip("/") + reverse("public:bulletin", args=[bulletin.slug])
    body = (
        f"Kính gửi Quý cơ quan,\n\n{head.issuer} tỉnh {head.place} gửi Bản tin nhanh về tình hình dịch bệnh "
        f"Covid-19 ngày {d(bulletin.date)} ({bulletin.number_text}).\n\n"
        f"{bulletin.summary}\n\n"
        f"Ca mắc mới trong ngày: {n(facts.get('new_cases_today', 0))}.\n"
        f"Bản tin (PDF, DOCX) đính kèm thư này và đăng tại: {link}\n\n"
        f"Trân trọng.\n{head.issuer} tỉnh {head.place}"
    )
    return subject, body
