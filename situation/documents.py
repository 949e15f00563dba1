"""The bulletin as an official document (Decree 30/2020 layout, through `documents.official`):
number, title, the situation in brief, the province's figures with the change from yesterday,
the table by district, the 14-day trend chart and where the new cases are, the verdicts
published that day, the key messages and the hotlines. The same chart is SVG on the screen and
in the PDF, PNG in the DOCX. Also the email that carries it to the press."""

from django.conf import settings
from django.urls import reverse

from core.letterhead import letterhead
from documents import charts, official

from .compose import d, n, signed
from .models import Bulletin

TITLE = "Tình hình dịch bệnh Covid-19 trên địa bàn tỉnh {place}"


def number_text(bulletin: Bulletin) -> str:
    symbol = letterhead(bulletin.org_unit).symbol
    prefix = settings.SITUATION_BULLETIN_SYMBOL
    if bulletin.number:
        return f"Số: {bulletin.number}/{prefix}-{symbol}"
    return f"Số:        /{prefix}-{symbol}"


def trend_chart(facts: dict) -> charts.ChartImage | None:
    t = facts.get("trend") or {}
    series = [charts.Series(s["label"], s["values"]) for s in t.get("series", [])]
    if not series or not any(v for s in series for v in s.values if v):
        return None
    title = f"Ca mắc mới {len(t['labels'])} ngày qua"
    return charts.cached(
        "situation-trend",
        (title, t["labels"], [(s.label, s.values) for s in series]),
        lambda: (
            charts.bar_chart(title, t["labels"], series, y_label="ca")
            if len(series) == 1
            else charts.line_chart(title, t["labels"], series, y_label="ca")
        ),
    )


def where_chart(facts: dict) -> charts.ChartImage | None:
    where = facts.get("where") or []
    if len(where) < 2:
        return None
    labels = [w["name"].replace("Thành phố ", "TP ").replace("Huyện ", "") for w in where[:10]]
    series = [charts.Series("Ca mắc mới", [w["new_cases"] for w in where[:10]])]
    title = "Ca mắc mới trong ngày theo địa phương"
    return charts.cached(
        "situation-where",
        (title, labels, series[0].values),
        lambda: charts.bar_chart(title, labels, series, y_label="ca"),
    )


def _headline_table(facts: dict) -> official.Table:
    rows = []
    for i in facts["indicators"]:
        if not i["headline"]:
            continue
        if i["kind"] == "cumulative":
            rows.append([i["name"], i["today"], signed(i["change"]), "Cộng dồn"])
        elif i["kind"] == "level":
            rows.append([i["name"], i["today"], signed(i["change"]), "Hiện tại"])
        else:
            rows.append([i["name"], i["today"], signed(i["change"]), f"Hôm trước: {n(i['yesterday'])}"])
    return official.Table(["Chỉ số", "Số liệu", "So với hôm trước", "Ghi chú"], rows, widths=[5, 2, 2, 2.6])


def _district_table(facts: dict) -> official.Table:
    inds = [i for i in facts["indicators"] if i["headline"]]
    columns = ["STT", "Huyện, thành phố"] + [i["short_name"] for i in inds]
    rows = []
    for k, row in enumerate(facts["rows"], 1):
        cells = [k, row["name"]]
        for i in inds:
            value = row["values"].get(i["code"])
            cells.append(value if value is not None else "–")
        rows.append(cells)
    total = ["", "Toàn tỉnh"] + [i["today"] for i in inds]
    return official.Table(columns, rows, total, widths=[0.7, 2.6] + [1.2] * len(inds))


def document(bulletin: Bulletin, facts: dict | None = None) -> official.OfficialDocument:
    facts = facts if facts is not None else bulletin.facts
    head = letterhead(bulletin.org_unit)
    date = bulletin.date
    blocks: list = [official.Heading("1. Tình hình dịch bệnh trong ngày")]
    blocks.append(official.Paragraph(bulletin.summary))
    blocks.append(_headline_table(facts))
    if facts.get("missing"):
        blocks.append(official.Paragraph(f"Chưa có số liệu của: {', '.join(facts['missing'])}.", italic=True))
    blocks.append(official.Heading("2. Số liệu theo huyện, thành phố"))
    blocks.append(_district_table(facts))
    chart = trend_chart(facts)
    if chart is not None:
        blocks.append(official.Chart(chart.title, chart.png, chart.svg))
    where = where_chart(facts)
    if where is not None:
        blocks.append(official.Chart(where.title, where.png, where.svg))
    blocks.append(official.Heading("3. Thông tin sai sự thật đã được xác minh"))
    if facts.get("verdicts"):
        lines = [
            f"- “{v['statement']}”: {v['verdict']}." + (f" {v['explanation']}" if v.get("explanation") else "")
            for v in facts["verdicts"]
        ]
        blocks.append(official.Paragraph("\n".join(lines)))
    else:
        blocks.append(official.Paragraph("Trong ngày không có kết luận mới về thông tin sai sự thật."))
    blocks.append(official.Heading("4. Thông điệp trong ngày"))
    blocks.append(
        official.Paragraph(
            "\n".join(
                f"- {line.strip().lstrip('-').strip()}" for line in bulletin.messages.splitlines() if line.strip()
            )
        )
    )
    blocks.append(official.Heading("5. Đường dây nóng"))
    hotlines = facts.get("hotlines") or []
    if hotlines:
        blocks.append(official.Paragraph("\n".join(f"- {h['title']}: {h['phone']}" for h in hotlines)))
    return official.OfficialDocument(
        issuer_lines=head.issuer_lines,
        number=bulletin.number_text or number_text(bulletin),
        place=head.place,
        date=date,
        kind="BẢN TIN NHANH",
        title=TITLE.format(place=head.place),
        subtitle=f"(Số liệu ngày {d(date)})",
        blocks=blocks,
        recipients=[
            "Các cơ quan báo chí trên địa bàn tỉnh;",
            "Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh (b/c);",
            "Sở Y tế;",
            "Ban Giám đốc Sở;",
            "Cổng thông tin điện tử tỉnh;",
            "Lưu: VT, TTBCBC.",
        ],
        signer_authority=head.signer_authority,
        signer_name=(bulletin.approved_by.full_name if bulletin.approved_by_id else head.signer_name),
    )


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
