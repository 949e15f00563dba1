"""The public archive of issued bulletins, their Atom feed and the figures of issued days.

Only issued bulletins exist here: a draft, a submitted bulletin or a day that is not a date is a
404. Everything shown comes from the bulletin's `facts`, frozen when it was issued, so the archive
says what was issued even after a later correction of the figures. Nothing names the staff who
entered, wrote or approved it.

Caching: an issued bulletin never changes, so the list, a bulletin's page and the feed only change
when another one is issued. Their ETag and Last-Modified come from the latest issue (one small
aggregate, kept in the cache until `actions.approve` forgets it), and a browser's revalidation
answers 304 without rendering. Pages carry the reader's CSRF token and language, so both are part
of the ETag, and they are `private, no-cache`; a signed-in person always gets a fresh page (the
menu is theirs). Files and figures are immutable once issued and cached a day by anyone.
"""

import csv
import datetime
import functools
import hashlib
import io
import json
import logging
import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.db.models.fields.json import KeyTransform
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.formats import number_format
from django.utils.html import linebreaks
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import condition

from core.access import public

from ..compose import n
from ..models import Bulletin

logger = logging.getLogger(__name__)

PER_PAGE = 20
FEED_ITEMS = 30
LATEST_KEY = "situation:public:latest"  # deleted by actions._forget_public_pages on every issue
LATEST_SECONDS = 300  # and short-lived, for an issue time changed outside actions (the demo)
FILE_SECONDS = 24 * 3600
ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # the canonical form only: fromisoformat takes "20210805" too
FILES = {
    "pdf": ("pdf", "pdf_sha256", "application/pdf"),
    "docx": ("docx", "docx_sha256", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


def _issued():
    return Bulletin.objects.filter(state=Bulletin.State.ISSUED)


def _day(day: str) -> datetime.date:
    if not ISO_DAY.match(day):
        raise Http404
    try:
        return datetime.date.fromisoformat(day)
    except ValueError:  # 2021-13-45
        raise Http404 from None


def _bulletin(request, day: str) -> Bulletin:
    """The issued bulletin of `day` (once per request: the ETag function and the view share it)."""
    found = request.__dict__.setdefault("_public_bulletins", {})
    if day not in found:
        date = _day(day)
        found[day] = _issued().filter(date=date).select_related("org_unit").order_by("org_unit__path").first()
    if found[day] is None:
        raise Http404
    return found[day]


def _latest() -> tuple[datetime.datetime | None, int]:
    """When the latest bulletin was issued, and how many are: what every archive page depends on."""
    latest = cache.get(LATEST_KEY)
    if latest is None:
        row = _issued().aggregate(at=Max("issued_at"), count=Count("pk"))
        latest = (row["at"], row["count"])
        cache.set(LATEST_KEY, latest, LATEST_SECONDS)
    return latest


@functools.cache
def _size(field) -> int | None:
    if not field:
        return None
    try:
        return field.size
    except OSError:  # the file is gone from storage: the link stays, without a size
        return None


def _number(value) -> str:
    return "–" if value is None else number_format(value, force_grouping=True)


def _signed(value) -> str:
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + number_format(value, force_grouping=True)


def _title(bulletin: Bulletin) -> str:
    return _("Quick bulletin no. %(number)s of %(date)s") % {
        "number": bulletin.number,
        "date": bulletin.date.strftime("%d/%m/%Y"),
    }


# --- Pages -----------------------------------------------------------------------------------


@public
def public_list(request):
    bulletins = (
        _issued()
        .defer("facts")  # the whole day's table: only its new-case count is shown here
        .annotate(new_cases=KeyTransform("new_cases_today", "facts"))
        .order_by("-date", "-issued_at")
    )
    page = Paginator(bulletins, PER_PAGE).get_page(request.GET.get("page"))
    for bulletin in page.object_list:
        bulletin.lead = next((line.strip() for line in bulletin.summary.splitlines() if line.strip()), "")
        bulletin.title = _title(bulletin)
        bulletin.pdf_size, bulletin.docx_size = _size(bulletin.pdf), _size(bulletin.docx)
    response = render(request, "situation/public_list.html", {"page": page})
    response["Link"] = f'<{reverse("public:bulletin_feed")}>; rel="alternate"; type="application/atom+xml"'
    return response


def latest_issued() -> Bulletin | None:
    """The last bulletin issued (the portal's "situation today")."""
    return _issued().order_by("-date", "-issued_at").first()


def bulletin_context(bulletin: Bulletin) -> dict:
    """What a public page shows of an issued bulletin, from its frozen facts."""
    facts = bulletin.facts or {}
    return {
        "bulletin": bulletin,
        "title": _title(bulletin),
        "facts": facts,
        "paragraphs": [line.strip() for line in bulletin.summary.splitlines() if line.strip()],
        "new_cases": _new_cases(facts),
        "headline": _headline(facts),
        "table": _district_table(facts),
        "chart": _chart(facts),
        "trend": _trend_rows(facts),
        "verdicts": [{**v, "url": _local_path(v.get("url"))} for v in facts.get("verdicts") or []],
        "messages_of_day": [
            line.strip().lstrip("-•").strip() for line in bulletin.messages.splitlines() if line.strip()
        ],
        # The bulletin's own (as issued), apart from the page footer's current `hotlines`.
        "bulletin_hotlines": [
            {**h, "digits": re.sub(r"[^\d+]", "", h.get("phone", ""))} for h in facts.get("hotlines") or []
        ],
        "pdf_size": _size(bulletin.pdf),
        "docx_size": _size(bulletin.docx),
        "previous": _issued().filter(date__lt=bulletin.date).order_by("-date").values_list("date", flat=True)[:1],
        "next": _issued().filter(date__gt=bulletin.date).order_by("date").values_list("date", flat=True)[:1],
    }


@public
def public_detail(request, day):
    return render(request, "situation/public_detail.html", bulletin_context(_bulletin(request, day)))


def _new_cases(facts: dict) -> dict | None:
    """The day's new cases (every new-case indicator) and in how many districts."""
    if "new_cases_today" not in facts:
        return None
    today, yesterday = facts["new_cases_today"], facts.get("new_cases_yesterday")
    return {
        "today": today,
        "change": _("%(change)s from yesterday (%(yesterday)s)")
        % {"change": _signed(today - (yesterday or 0)), "yesterday": _number(yesterday)},
        "districts": len(facts.get("where") or []),
        "of": len(facts.get("rows") or []),
    }


def _headline(facts: dict) -> list[dict]:
    """The headline indicators with their change, said as the kind of figure needs."""
    out = []
    for i in facts.get("indicators") or []:
        if not i.get("headline"):
            continue
        if i.get("kind") == "cumulative":
            change = _("%(change)s in the day") % {"change": _signed(i.get("change"))}
        elif i.get("kind") == "daily":
            change = _("%(change)s from yesterday (%(yesterday)s)") % {
                "change": _signed(i.get("change")),
                "yesterday": _number(i.get("yesterday")),
            }
        else:
            change = _("%(change)s from yesterday") % {"change": _signed(i.get("change"))}
        out.append({"name": i["name"], "unit": i.get("unit", ""), "today": i.get("today"), "change": change})
    return out


def _district_table(facts: dict) -> dict:
    """The districts with the headline indicators as columns, and the province's total as issued
    (a running total or level counts a district that had not reported with its last value)."""
    inds = [
        {**i, "lines": _two_lines(i.get("short_name") or i["name"])}
        for i in facts.get("indicators") or []
        if i.get("headline")
    ]
    rows = [
        {"name": r["name"], "cells": [r.get("values", {}).get(i["code"]) for i in inds]}
        for r in facts.get("rows") or []
    ]
    carried = sorted({name for i in inds for name in i.get("carried") or []})
    return {"columns": inds, "rows": rows, "total": [i.get("today") for i in inds], "carried": carried}


def _two_lines(heading: str) -> list[str]:
    """A column heading on two balanced lines: seven figures' columns then fit an A4 page and a
    tablet (headings never wrap by themselves in the style sheet)."""
    spaces = [k for k, char in enumerate(heading) if char == " "]
    if len(heading) <= 6 or not spaces:
        return [heading]
    before_bracket = [k for k in spaces if heading[k + 1 : k + 2] == "("]  # "Mới | (cộng đồng)"
    cut = before_bracket[0] if before_bracket else min(spaces, key=lambda k: max(k, len(heading) - k - 1))
    return [heading[:cut], heading[cut + 1 :]]


def _chart(facts: dict):
    from ..documents import trend_chart

    try:
        return trend_chart(facts)
    except (KeyError, TypeError, ValueError):  # facts of an older shape: the table below still says it
        logger.exception("trend chart of %s", facts.get("date"))
        return None


def _trend_rows(facts: dict) -> dict:
    """The chart's figures, one row per day (reads better than 14 columns on a phone), headed by
    the indicators' column headings where the series are known indicators."""
    t = facts.get("trend") or {}
    series = t.get("series") or []
    labels = t.get("labels") or []
    short = {i.get("name"): i.get("short_name") for i in facts.get("indicators") or []}
    rows = [{"label": label, "values": [s["values"][k] for s in series]} for k, label in enumerate(labels)]
    return {
        "series": [{"name": s["label"], "short": short.get(s["label"]) or s["label"]} for s in series],
        "rows": rows,
    }


def _local_path(url) -> str:
    """Verdict links are this site's own paths (composed with reverse); anything else is dropped."""
    return url if isinstance(url, str) and url.startswith("/") and not url.startswith("//") else ""


# --- Files and figures ------------------------------------------------------------------------


@public
def public_file(request, day, fmt):
    """The issued PDF or DOCX, as a download; its ETag is the SHA-256 kept when it was issued."""
    if fmt not in FILES:
        raise Http404
    bulletin = _bulletin(request, day)
    field_name, sha_name, content_type = FILES[fmt]
    stored = getattr(bulletin, field_name)
    if not stored:
        raise Http404
    etag = f'"{getattr(bulletin, sha_name)}"'
    last_modified = int(bulletin.issued_at.timestamp()) if bulletin.issued_at else None
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        try:
            handle = stored.open("rb")
        except OSError:
            logger.error("bulletin %s: %s file missing from storage", bulletin.pk, fmt)
            raise Http404 from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"ban-tin-nhanh-{bulletin.slug}-so-{bulletin.number}.{fmt}",  # ASCII: any mail client
            content_type=content_type,
        )
    return _immutable(response, etag, last_modified)


@public
def public_figures(request, day, fmt):
    """The figures of an issued day, as they were issued, for other sites and data desks."""
    if fmt not in {"json", "csv"}:
        raise Http404
    bulletin = _bulletin(request, day)
    facts = bulletin.facts or {}
    if fmt == "json":
        body = json.dumps(_figures(request, bulletin, facts), ensure_ascii=False).encode()
        content_type = "application/json"
    else:
        body = _figures_csv(facts)
        content_type = "text/csv; charset=utf-8"
    etag = '"' + hashlib.sha256(body).hexdigest() + '"'
    last_modified = int(bulletin.issued_at.timestamp()) if bulletin.issued_at else None
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = HttpResponse(body, content_type=content_type)
        if fmt == "csv":
            response["Content-Disposition"] = f'attachment; filename="so-lieu-{bulletin.slug}.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return _immutable(response, etag, last_modified)


def _immutable(response, etag: str, last_modified: int | None):
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=FILE_SECONDS)
    return response


def _figures(request, bulletin: Bulletin, facts: dict) -> dict:
    return {
        "date": bulletin.slug,
        "number": bulletin.number,
        "number_text": bulletin.number_text,
        "province": facts.get("province", ""),
        "issued_at": bulletin.issued_at.isoformat() if bulletin.issued_at else None,
        "url": request.build_absolute_uri(reverse("public:bulletin", args=[bulletin.slug])),
        "indicators": [
            {k: i.get(k) for k in ("code", "name", "kind", "unit", "today", "yesterday", "change")}
            for i in facts.get("indicators") or []
        ],
        "rows": [
            {"code": r["code"], "name": r["name"], "values": r.get("values", {})} for r in facts.get("rows") or []
        ],
        "missing": facts.get("missing") or [],
    }


def _figures_csv(facts: dict) -> bytes:
    """One row per district with the indicator codes as columns (the columns of the staff export),
    then the total row: the sum of the districts' values given that day. UTF-8 with a BOM, so
    Excel shows the diacritics."""
    codes = [i["code"] for i in facts.get("indicators") or []]
    date = facts.get("date", "")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "district_code", "district", *codes])
    totals = dict.fromkeys(codes, 0)
    for row in facts.get("rows") or []:
        values = [(row.get("values") or {}).get(c) for c in codes]
        writer.writerow([date, row["code"], _cell(row["name"]), *values])
        for code, value in zip(codes, values, strict=True):
            totals[code] += value or 0
    writer.writerow([date, "", "Tổng cộng", *totals.values()])
    return ("\ufeff" + out.getvalue()).encode()


def _cell(text: str) -> str:
    """A name a spreadsheet would read as a formula is kept as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- Feed -------------------------------------------------------------------------------------


class BulletinFeed(Feed):
    """The last issued bulletins as Atom, each with its page and its PDF. The bulletin is an
    official Vietnamese document, so the feed is in Vietnamese whatever the reader's language."""

    tincay_permission = None  # public (core.access.public), for the role x view matrix
    feed_type = Atom1Feed
    language = "vi"

    def __call__(self, request, *args, **kwargs):
        def etag(request, *args, **kwargs):
            at, count = _latest()
            return f'"feed-{count}-{at.timestamp() if at else 0}"'

        view = condition(etag_func=etag, last_modified_func=lambda request, *a, **kw: _latest()[0])(super().__call__)
        response = view(request, *args, **kwargs)
        if response.status_code in (200, 304):
            patch_cache_control(response, public=True, max_age=300)
        return response

    def get_object(self, request, *args, **kwargs):
        return request  # for absolute links to the files (a Feed instance is shared between threads)

    def title(self):
        return f"Bản tin nhanh tình hình dịch bệnh – {settings.TINCAY_ORG_NAME}"

    def subtitle(self):
        return f"Bản tin nhanh hằng ngày của {settings.TINCAY_ORG_NAME} gửi các cơ quan báo chí."

    def link(self):
        return reverse("public:bulletin_list")

    def author_name(self):
        return settings.TINCAY_ORG_NAME

    def items(self, request):
        bulletins = list(_issued().order_by("-date", "-issued_at")[:FEED_ITEMS])
        for bulletin in bulletins:
            bulletin.pdf_url = request.build_absolute_uri(reverse("public:bulletin_file", args=[bulletin.slug, "pdf"]))
        return bulletins

    def item_title(self, item):
        return f"Bản tin nhanh số {item.number} ngày {item.date:%d/%m/%Y}"

    def item_link(self, item):
        return reverse("public:bulletin", args=[item.slug])

    def item_description(self, item):
        new = (item.facts or {}).get("new_cases_today")
        lead = f"<p>Ca mắc mới trong ngày: {n(new)}.</p>" if new is not None else ""
        return lead + linebreaks(item.summary, autoescape=True)

    def item_pubdate(self, item):
        return item.issued_at

    def item_updateddate(self, item):
        return item.issued_at

    def item_enclosures(self, item):
        if not item.pdf:
            return []
        return [Enclosure(item.pdf_url, str(_size(item.pdf) or 0), "application/pdf")]
