"""What a day's bulletin says, from the figures and the desk: `facts(root, date)` gathers it as
plain JSON-able values (kept in `Bulletin.facts`, frozen when the bulletin is issued, so the
archive shows what was issued even after a later correction), and `summary_text` /
`default_messages` write the editable text of a new draft.

The bulletin is an official document: its text is Vietnamese whatever the reader's language.
"""

import datetime

from django.db.models import Q, Sum
from django.urls import reverse

from core.directory import public_hotlines
from core.letterhead import bare_name

from . import figures as fig
from .models import Bulletin, Figure, Indicator

TREND_DAYS = 14
DEFAULT_MESSAGES = (
    "Thực hiện nghiêm thông điệp 5K của Bộ Y tế: Khẩu trang - Khử khuẩn - Khoảng cách - Không tụ tập - "
    "Khai báo y tế.\n"
    "Chỉ theo dõi, chia sẻ thông tin từ các nguồn chính thống; không đăng tải, chia sẻ thông tin chưa được "
    "kiểm chứng về dịch bệnh.\n"
    "Khi phát hiện thông tin sai sự thật, hãy báo cho Thanh tra Sở Thông tin và Truyền thông qua đường dây nóng "
    "hoặc trang phản ánh của Sở."
)


def n(value) -> str:
    """12345 -> "12.345"."""
    return f"{value:,}".replace(",", ".")


def signed(value) -> str:
    """+12 / -3 / 0, with Vietnamese thousands."""
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + n(value) if value >= 0 else "-" + n(-value)


def d(date: datetime.date) -> str:
    return date.strftime("%d/%m/%Y")


def _province_totals(root, date, inds, units) -> dict[str, dict]:
    """Per indicator code: today's province total, yesterday's, the change, and for running totals
    the day's increase. A district missing today counts with its last value for running totals and
    levels (said in `carried`), not at all for the day's counts."""
    yesterday = date - datetime.timedelta(days=1)
    out = {}
    today_rows = fig.values_on(root, date)
    yday_rows = fig.values_on(root, yesterday)
    last_today = fig.last_before(root, date)
    last_yday = fig.last_before(root, yesterday)
    for ind in inds:
        total = total_y = 0
        carried = []
        for unit in units:
            key = (unit.pk, ind.pk)
            figure = today_rows.get(key)
            if figure is not None:
                total += figure.value
            elif ind.kind != Indicator.Kind.DAILY and key in last_today:
                total += last_today[key][1]
                carried.append(unit.name)
            figure_y = yday_rows.get(key)
            if figure_y is not None:
                total_y += figure_y.value
            elif ind.kind != Indicator.Kind.DAILY and key in last_yday:
                total_y += last_yday[key][1]
        out[ind.code] = {
            "code": ind.code,
            "name": ind.name,
            "short_name": ind.short_name,
            "unit": ind.unit,
            "kind": ind.kind,
            "headline": ind.headline,
            "new_cases": ind.new_cases,
            "today": total,
            "yesterday": total_y,
            "change": total - total_y,
            "carried": carried,
        }
    return out


def trend(root, date, days=TREND_DAYS) -> dict:
    """The province's new cases per day for the last `days` days, per new-case indicator."""
    start = date - datetime.timedelta(days=days - 1)
    inds = [i for i in fig.indicators() if i.new_cases]
    dates = [start + datetime.timedelta(days=k) for k in range(days)]
    sums = {
        (row["date"], row["indicator_id"]): row["total"]
        for row in Figure.objects.filter(org_unit__parent=root, indicator__in=inds, date__gte=start, date__lte=date)
        .values("date", "indicator_id")
        .annotate(total=Sum("value"))
    }
    reported = set(
        Figure.objects.filter(org_unit__parent=root, indicator__in=inds, date__gte=start, date__lte=date)
        .values_list("date", flat=True)
        .distinct()
    )
    return {
        "dates": [x.isoformat() for x in dates],
        "labels": [x.strftime("%d/%m") for x in dates],
        "series": [
            {"label": i.name, "values": [sums.get((x, i.pk), 0) if x in reported else None for x in dates]}
            for i in inds
        ],
    }


def verdicts_of(root, date) -> list[dict]:
    """Verdicts on false information published that day in the province."""
    from misinfo.models import Case

    rows = (
        Case.objects.filter(published_at__date=date)
        .filter(Q(org_unit__path__startswith=root.path) | Q(org_unit__isnull=True))
        .select_related("claim")
        .order_by("published_at", "pk")
    )
    labels = {k: label for k, (_rating, label) in Case.RATINGS.items()}
    return [
        {
            "statement": c.claim.statement,
            "verdict": labels.get(c.verdict, c.verdict),
            "explanation": c.explanation,
            "url": reverse("public:verdict", args=[c.pk]),
        }
        for c in rows
    ]


def facts(root, date: datetime.date) -> dict:
    """Everything the bulletin shows, as JSON-able values."""
    inds = fig.indicators()
    units = fig.districts(root)
    today = fig.values_on(root, date)
    totals = _province_totals(root, date, inds, units)
    new_case_inds = [i for i in inds if i.new_cases]
    rows, where = [], []
    for unit in units:
        values = {i.code: (today[(unit.pk, i.pk)].value if (unit.pk, i.pk) in today else None) for i in inds}
        reported = any(v is not None for v in values.values())
        new = sum(values[i.code] or 0 for i in new_case_inds)
        rows.append({"code": unit.code, "name": unit.name, "values": values, "reported": reported, "new_cases": new})
        if new:
            where.append({"name": unit.name, "new_cases": new})
    where.sort(key=lambda w: (-w["new_cases"], w["name"]))
    day = fig.SituationDay.objects.filter(org_unit=root, date=date).first()
    yesterday = date - datetime.timedelta(days=1)
    return {
        "date": date.isoformat(),
        "province": root.name,
        "place": bare_name(root.name),
        "units_word": units_word(units),
        "reported": sum(1 for r in rows if r["reported"]),
        "reported_yesterday": Figure.objects.filter(date=yesterday, org_unit__parent=root).exists(),
        "confirmed": bool(day and day.is_confirmed),
        "indicators": [totals[i.code] for i in inds],
        "new_cases_today": sum(totals[i.code]["today"] for i in new_case_inds),
        "new_cases_yesterday": sum(totals[i.code]["yesterday"] for i in new_case_inds),
        "rows": rows,
        "where": where,
        "missing": [r["name"] for r in rows if not r["reported"]],
        "trend": trend(root, date),
        "verdicts": verdicts_of(root, date),
        "hotlines": [{"title": h["title"], "phone": h["phone"]} for h in public_hotlines()],
    }


def units_word(units) -> str:
    """What the reporting units are called: "huyện, thành phố" under a province of districts,
    "xã, phường" where districts are gone (the two-level tree of July 2025)."""
    levels = {u.level for u in units}
    if levels == {"commune"}:
        return "xã, phường, đặc khu"
    return "huyện, thành phố"


def _changed(change: int) -> str:
    return "không thay đổi" if change == 0 else signed(change)


def summary_text(f: dict) -> str:
    """The first paragraphs of a new draft, written from the facts; the focal point edits them.
    A day without figures says so (never "0 cases"); a day after one without figures is not
    compared with it."""
    date = datetime.date.fromisoformat(f["date"])
    place = f["place"]
    units = f.get("units_word", "huyện, thành phố")
    if not f.get("reported", 1):
        return f"Chưa có số liệu ngày {d(date)} của các {units}."
    new, before = f["new_cases_today"], f["new_cases_yesterday"]
    change = new - before
    yesterday = d(date - datetime.timedelta(days=1))
    if not f.get("reported_yesterday", True):
        trend_words = ""
    elif change > 0:
        trend_words = f" (tăng {n(change)} ca so với ngày {yesterday})"
    elif change < 0:
        trend_words = f" (giảm {n(-change)} ca so với ngày {yesterday})"
    else:
        trend_words = " (bằng ngày hôm trước)"
    parts = [i for i in f["indicators"] if i["new_cases"]]
    detail = ", ".join(f"{n(i['today'])} {i['name'][0].lower() + i['name'][1:]}" for i in parts if i["today"])
    lines = [
        f"Trong ngày {d(date)}, tỉnh {place} ghi nhận {n(new)} ca mắc mới Covid-19{trend_words}"
        + (f", gồm: {detail}." if detail and len(parts) > 1 else ".")
    ]
    if f["where"]:
        top = f["where"][:6]
        listed = "; ".join(f"{w['name']} ({n(w['new_cases'])} ca)" for w in top)
        more = len(f["where"]) - len(top)
        lines.append(
            f"Các ca mắc mới ở {len(f['where'])} {units}: {listed}"
            + (f" và {more} địa phương khác." if more > 0 else ".")
        )
    others = []
    for i in f["indicators"]:
        if i["new_cases"] or not i["headline"]:
            continue
        if not f.get("reported_yesterday", True):
            others.append(f"{i['name']}: {n(i['today'])} {i['unit']}")
        elif i["kind"] == Indicator.Kind.CUMULATIVE:
            others.append(f"{i['name']}: {n(i['today'])} {i['unit']} (trong ngày {_changed(i['change'])})")
        else:
            others.append(f"{i['name']}: {n(i['today'])} {i['unit']} ({_changed(i['change'])} so với hôm trước)")
    if others:
        lines.append("; ".join(others) + ".")
    # Districts without figures are said by the document under its tables, not in the text.
    return "\n".join(lines)


def default_messages(root, date: datetime.date) -> str:
    """The key messages of a new draft: the province's approved key messages valid that day (their
    web text, else their title: outreach), or those of the last bulletin, or the plan's defaults."""
    from outreach.models import KeyMessage

    approved = (
        KeyMessage.objects.filter(state=KeyMessage.State.APPROVED, valid_from__lte=date)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=date))
        .filter(org_unit=root)  # the province's own, not a district's
        .order_by("topic", "pk")
    )
    lines = [(m.web_text or m.title).strip().replace("\n", " ") for m in approved]
    if lines:
        return "\n".join(lines)
    last = Bulletin.objects.filter(org_unit=root, date__lt=date).exclude(messages="").order_by("-date").first()
    return last.messages if last is not None else DEFAULT_MESSAGES
