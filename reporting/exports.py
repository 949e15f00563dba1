"""Documents of the weekly report, built from the consolidation and handed to `documents`:
the consolidated report to the provincial steering committee (DOCX, PDF; Decree 30 layout),
the XLSX of its table, each district's own report in the layout of the plan's form, and the
trend charts shown on the consolidation page."""

from django.utils import timezone

from core.letterhead import bare_name, letterhead
from core.models import OrgUnit
from documents import charts, official, spreadsheet
from vntext import fold

from . import consolidation
from .models import FormField, ReportCycle

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"

STATUS_VI = {
    "accepted": "Đã tiếp nhận",
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "returned": "Trả lại",
    "missing": "Chưa báo cáo",
    "open": "Chưa đến hạn",
}


_bare = bare_name


def _d(date) -> str:
    return date.strftime("%d/%m/%Y")


def _n(value) -> str:
    """12345 -> "12.345" (the Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def _rate(value) -> str:
    return "–" if value is None else f"{value:.1f}".replace(".", ",") + "%"


def table_of(c: consolidation.Consolidation) -> tuple[list[str], list[list], list]:
    columns = ["STT", "Huyện, thành phố"] + [f.column for _s, f in c.number_fields] + ["Tổng số tin, bài"]
    columns += [s.short_title or s.title for s in c.sections]
    rows = []
    for i, row in enumerate(c.rows, 1):
        cells = [i, row.org_unit.name]
        for section, f in c.number_fields:
            sub = row.sections.get(section.code)
            cells.append(sub.values.get(f.code) if sub is not None and sub.is_reported else None)
        cells.append(row.total)
        for s in c.sections:
            sub = row.sections.get(s.code)
            cells.append(STATUS_VI[sub.status] if sub is not None else "–")
        rows.append(cells)
    total = ["", "Tổng cộng"] + [c.totals[f.code] for _s, f in c.number_fields] + [c.grand_total]
    total += [""] * len(c.sections)
    return columns, rows, total


def _list_names(units) -> str:
    return ", ".join(units) if units else "không có"


def consolidated_document(cycle: ReportCycle, scope, language="vi") -> official.OfficialDocument:
    """`scope`: the Submission rows the reader may see, across cycles (for the trend)."""
    c = consolidation.consolidate(cycle, scope.filter(cycle=cycle))
    root = cycle.root if cycle.root.parent_id is None else cycle.root.parent or cycle.root
    head = letterhead(root)
    issuer, symbol, authority, signer = head.issuer, head.symbol, head.signer_authority, head.signer_name
    period = f"từ ngày {_d(cycle.period_start)} đến ngày {_d(cycle.period_end)}"
    blocks = [
        official.Paragraph(
            f"{issuer} tổng hợp kết quả tuyên truyền về phòng, chống dịch Covid-19 do các "
            f"huyện, thành phố báo cáo {period} như sau:"
        ),
        official.Heading("1. Tình hình báo cáo"),
    ]
    missing = [r.org_unit.name for r in c.rows if any(s.status in {"missing", "open"} for s in r.sections.values())]
    late = [r.org_unit.name for r in c.rows if any(s.status == "late" for s in r.sections.values())]
    blocks.append(
        official.Paragraph(
            f"Đã nhận {c.reported}/{c.expected} báo cáo của các đơn vị (tỷ lệ báo cáo {_rate(c.reporting_rate)}, "
            f"đúng hạn {_rate(c.on_time_rate)}); {c.complete_districts}/{len(c.rows)} huyện, thành phố báo cáo đủ. "
            f"Chưa báo cáo: {_list_names(missing)}. Báo cáo trễ hạn: {_list_names(late)}."
        )
    )
    blocks.append(official.Heading("2. Số tin, bài tuyên truyền"))
    lines = [f"Tổng số lượng tin, bài tuyên truyền: {_n(c.grand_total)}."]
    for _s, f in c.number_fields:
        lines.append(f"- {f.label}: {_n(c.totals[f.code])};")
    blocks.append(official.Paragraph("\n".join(lines)))
    columns, rows, total = table_of(c)
    blocks.append(official.Table(columns, rows, total, widths=[0.75, 2.2] + [1.1] * (len(columns) - 2)))
    parts = _text_parts(c)
    for n, (part, entries) in enumerate(parts.items(), 3):
        blocks.append(official.Heading(f"{n}. {part}"))
        if entries:
            blocks.append(official.Paragraph("\n".join(f"- {unit}: {text}" for unit, text in entries)))
        else:
            blocks.append(official.Paragraph("Không có nội dung được báo cáo."))
    trend = consolidation.trend(cycle, scope)
    if len(trend) > 1:
        chart = trend_charts(cycle, trend)[0]
        blocks.append(official.Chart(chart_title(cycle), chart.png, chart.svg))
    return official.OfficialDocument(
        issuer_lines=[f"UBND {root.name.upper()}", issuer.upper()],
        number=f"Số: {cycle.number}" if cycle.number else f"Số:        /BC-{symbol}",
        place=_bare(root.name),
        date=timezone.localdate(),
        kind="BÁO CÁO",
        title="Kết quả tuyên truyền về phòng, chống dịch Covid-19",
        subtitle=f"(Thời gian: {period})" if cycle.kind == ReportCycle.Kind.WEEKLY else f"({cycle.title}; {period})",
        blocks=blocks,
        recipients=[
            "Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh (b/c);",
            "Ban Tuyên giáo Tỉnh ủy (b/c);",
            "Ban Giám đốc Sở;",
            "Lưu: VT, TTBCBC.",
        ],
        signer_authority=authority,
        signer_name=signer,
        language="vi",
    )


def _text_parts(c: consolidation.Consolidation) -> dict:
    """Free text and communes of every district, grouped under the form's parts (content,
    scope, unusual information), in tree order."""
    parts: dict[str, list] = {}
    names: dict = {}
    for section in c.sections:
        for f in section.fields.all():
            if not f.is_number:
                parts.setdefault(f.part or f.label, [])
    for row in c.rows:
        by_part: dict[str, list[str]] = {}
        communes: dict[str, set] = {}
        for section in c.sections:
            sub = row.sections.get(section.code)
            if sub is None or not sub.is_reported:
                continue
            for f in section.fields.all():
                if f.is_number:
                    continue
                if f.kind == FormField.Kind.COMMUNES:
                    # The province's report counts the communes reached; the names are in the
                    # district's own report.
                    communes.setdefault(f.part or f.label, set()).update(sub.values.get(f.code) or [])
                    continue
                text = _text_value(f, sub.values.get(f.code), names)
                if text:
                    by_part.setdefault(f.part or f.label, []).append(text)
        for part, codes in communes.items():
            if codes:
                by_part.setdefault(part, []).insert(0, f"{len(codes)} xã, phường, thị trấn.")
        for part, texts in by_part.items():
            parts[part].append((_bare(row.org_unit.name), " ".join(dict.fromkeys(texts))))
    return parts


def _commune_names(subs) -> dict[str, str]:
    codes = {code for sub in subs for value in sub.values.values() if isinstance(value, list) for code in value}
    return dict(OrgUnit.objects.filter(code__in=codes).values_list("code", "name"))


def _text_value(f: FormField, value, names: dict) -> str:
    if f.kind == FormField.Kind.COMMUNES:
        codes = value or []
        if not codes:
            return ""
        names = [names.get(code, code) for code in codes]
        return f"{len(names)} xã, phường, thị trấn ({', '.join(names)})."
    return (value or "").strip()


def chart_title(cycle) -> str:
    return "Số tin, bài tuyên truyền và tỷ lệ báo cáo đúng hạn qua các kỳ"


def trend_charts(cycle, trend: list[dict]) -> list:
    """The two trend charts, cached (charts.cached) under the figures they show."""
    if not trend:
        return []
    figures = [(t["label"], t["reporting_rate"], t["on_time_rate"], sorted(t["fields"].items())) for t in trend]
    return charts.cached("reporting", (cycle.form_id, figures), lambda: _draw_trend_charts(cycle, trend))


def _draw_trend_charts(cycle, trend: list[dict]) -> list:
    labels = [t["label"] for t in trend]
    fields = consolidation.trend_fields(cycle)
    totals = charts.bar_chart(
        "Số tin, bài tuyên truyền theo kỳ báo cáo",
        labels,
        [
            charts.Series(f.column, [t["fields"].get(f.code, 0) for t in trend])
            for f in fields
            if f.kind == FormField.Kind.COUNT
        ],
    )
    rates = charts.line_chart(
        "Tỷ lệ báo cáo và báo cáo đúng hạn (%)",
        labels,
        [
            charts.Series("Tỷ lệ báo cáo", [t["reporting_rate"] for t in trend]),
            charts.Series("Tỷ lệ đúng hạn", [t["on_time_rate"] for t in trend]),
        ],
        percent=True,
    )
    return [totals, rates]


def _slug(cycle) -> str:
    return f"bao-cao-tuyen-truyen-{cycle.period_end:%Y%m%d}-{cycle.pk}"


def consolidated(cycle: ReportCycle, scope, fmt: str, language="vi") -> tuple[bytes, str, str]:
    if fmt == "xlsx":
        c = consolidation.consolidate(cycle, scope.filter(cycle=cycle))
        columns, rows, total = table_of(c)
        data = spreadsheet.render_xlsx(
            "Tong hop",
            [
                "BÁO CÁO NHANH KẾT QUẢ TUYÊN TRUYỀN VỀ PHÒNG, CHỐNG DỊCH COVID-19",
                f"Thời gian: từ ngày {_d(cycle.period_start)} đến ngày {_d(cycle.period_end)}; "
                f"tỷ lệ báo cáo {_rate(c.reporting_rate)}, đúng hạn {_rate(c.on_time_rate)}",
            ],
            columns,
            rows,
            total,
        )
        return data, f"{_slug(cycle)}.xlsx", XLSX
    doc = consolidated_document(cycle, scope, language)
    if fmt == "pdf":
        return official.render_pdf(doc), f"{_slug(cycle)}.pdf", PDF
    return official.render_docx(doc), f"{_slug(cycle)}.docx", DOCX


def district_document(cycle: ReportCycle, unit: OrgUnit, subs) -> official.OfficialDocument:
    """A district's own report, in the layout of the form attached to the plan."""
    subs = list(
        subs.select_related("section", "organisation").prefetch_related("section__fields").order_by("section__order")
    )
    blocks = [official.Heading("1. Số tin, bài tuyên truyền")]
    reported = [s for s in subs if s.is_reported]
    total = sum(s.total for s in reported)
    lines = [f"Tổng số lượng tin, bài tuyên truyền: {total}.", "Cụ thể:"]
    for sub in subs:
        numbers = [f for f in sub.section.fields.all() if f.is_number]
        if not sub.is_reported:
            lines.append(f"- {sub.section.title}: chưa báo cáo.")
            continue
        parts = [f"{f.label.rstrip('.')}: {sub.values.get(f.code) or 0}" for f in numbers]
        lines.append(f"- {'; '.join(parts)}. ({sub.organisation.short_name or sub.organisation.name} thực hiện)")
    blocks.append(official.Paragraph("\n".join(lines)))
    parts: dict[str, list[str]] = {}
    names = _commune_names(subs)
    communes: dict[str, list] = {}
    for sub in subs:
        for f in sub.section.fields.all():
            if f.is_number:
                continue
            entries = parts.setdefault(f.part or f.label, [])
            if not sub.is_reported:
                continue
            if f.kind == FormField.Kind.COMMUNES:  # both units' communes, once each
                communes.setdefault(f.part or f.label, []).extend(sub.values.get(f.code) or [])
                continue
            text = _text_value(f, sub.values.get(f.code), names)
            if text:
                entries.append(text)
    for part, codes in communes.items():
        text = _text_value(FormField(kind=FormField.Kind.COMMUNES), list(dict.fromkeys(codes)), names)
        if text:
            parts[part].insert(0, text)
    for n, (part, texts) in enumerate(parts.items(), 2):
        blocks.append(official.Heading(f"{n}. {part}"))
        blocks.append(official.Paragraph("\n".join(dict.fromkeys(texts)) if texts else "Không có."))
    orgs = [s.organisation.name.upper() for s in subs]
    return official.OfficialDocument(
        issuer_lines=list(dict.fromkeys(orgs)),
        place=_bare(unit.name),
        date=timezone.localdate(),
        motto=True,
        kind="BÁO CÁO NHANH",
        title="Kết quả tuyên truyền về phòng, chống dịch Covid-19",
        subtitle=f"(Thời gian: từ ngày {_d(cycle.period_start)} đến ngày {_d(cycle.period_end)})",
        blocks=blocks,
        recipients=["Sở Thông tin và Truyền thông (b/c);", "Lưu: VT."],
        signer_authority="THỦ TRƯỞNG ĐƠN VỊ",
        signer_name="",
    )


def district_docx(cycle, unit, subs) -> tuple[bytes, str, str]:
    data = official.render_docx(district_document(cycle, unit, subs))
    return (
        data,
        f"bao-cao-nhanh-{fold(_bare(unit.name)).replace(' ', '-').lower()}-{cycle.period_end:%Y%m%d}.docx",
        DOCX,
    )
