"""Pages of social listening: the alerts queue (grouped by claim, ranked by reach and velocity),
a post with the words that matched, watchlists, sources with their status and uploads, and the
charts of volume. Reads go through core.access, changes through listening.actions."""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from core import uploads as held_files
from core.access import can, requires, visible_to
from core.models import OrgUnit
from core.views import safe_next
from documents import charts
from misinfo.actions import Rejected
from misinfo.models import Case, Claim
from vntext import clean_query
from vntext.matching import content_tokens, highlight, tokens
from vntext.watch import Rule

from . import actions, ingest, uploads
from .forms import SourceForm, UploadForm, WatchlistForm
from .models import Alert, Post, Source, Watchlist

REACH = F("post__reactions") + F("post__comments") + F("post__shares")
GROUPS_PER_PAGE = 15
SHOWN_PER_GROUP = 5
STATES = {*Alert.State.values, "all"}


def _int(value):
    """A positive id from the query string, or None (a huge number would overflow PostgreSQL)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _filtered(person, params):
    """The alerts this person sees, narrowed by the filters (a query string, or the same filters
    sent with a form for the whole group)."""
    alerts = visible_to(person, Alert.objects.all())
    f = {
        "state": params.get("state", "open") if params.get("state", "open") in STATES else "open",
        "level": params.get("level", "") if params.get("level", "") in Alert.Level.values else "",
        "district": _int(params.get("district")),
        "source": _int(params.get("source")),
        "watchlist": _int(params.get("watchlist")),
        "claim": _int(params.get("claim")),
        "q": clean_query(params.get("q", "")),
    }
    if f["state"] != "all":
        alerts = alerts.filter(state=f["state"])
    if f["level"]:
        alerts = alerts.filter(level=f["level"])
    if f["district"]:
        unit = OrgUnit.objects.filter(pk=f["district"]).first()
        alerts = alerts.filter(post__org_unit__path__startswith=unit.path) if unit else alerts.none()
    if f["source"]:
        alerts = alerts.filter(post__source_id=f["source"])
    if f["watchlist"]:
        alerts = alerts.filter(watchlist_id=f["watchlist"])
    if f["claim"]:
        alerts = alerts.filter(claim_id=f["claim"])
    return alerts, f


def _shown(person, alerts) -> None:
    """Set `shown_claim` / `shown_watchlist` on each alert: its claim and watchlist when the
    person may see them (a district's post may repeat another area's claim or hit a province
    watchlist: the alert is theirs, the claim's wording and the watchlist's name are not)."""
    claims = {a.claim_id for a in alerts} - {None}
    watchlists = {a.watchlist_id for a in alerts} - {None}
    claims = Claim.objects.in_bulk(visible_to(person, Claim.objects.filter(pk__in=claims)).values_list("pk", flat=True))
    watchlists = Watchlist.objects.in_bulk(
        visible_to(person, Watchlist.objects.filter(pk__in=watchlists)).values_list("pk", flat=True)
    )
    for alert in alerts:
        alert.shown_claim, alert.shown_watchlist = claims.get(alert.claim_id), watchlists.get(alert.watchlist_id)


def _latest_per_group(base, groups, per_group: int) -> dict:
    """{(kind, key): the group's latest alerts, at most per_group}: one query for the claims'
    groups and one for the watchlists' (a window function numbers each group's rows)."""
    from django.db.models import Window
    from django.db.models.functions import RowNumber

    keys = {kind: [g["key"] for g in groups if g["kind"] == kind] for kind in ("claim", "watch")}
    out: dict = {}
    for kind, field, rows in (
        ("claim", "claim_id", base.filter(claim_id__in=keys["claim"])),
        ("watch", "watchlist_id", base.filter(claim__isnull=True, watchlist_id__in=keys["watch"])),
    ):
        numbered = rows.annotate(
            row=Window(RowNumber(), partition_by=[F(field)], order_by=[F("created_at").desc(), F("pk").desc()])
        )
        for alert in numbered.filter(row__lte=per_group).order_by("-created_at", "-pk"):
            out.setdefault((kind, getattr(alert, field)), []).append(alert)
    return out


def _matches_query(post, words) -> bool:
    text = set(tokens(post.text[:5000]))
    return all(w in text or any(t.startswith(w) for t in text) for w in words)


@requires("listening.view")
def alert_list(request):
    alerts, f = _filtered(request.user, request.GET)
    now = timezone.now()
    day_ago = now - datetime.timedelta(hours=24)
    sums = {
        "n": Count("pk"),
        "reach": Sum(REACH),
        "recent": Sum(REACH, filter=Q(created_at__gte=day_ago)),
        "recent_n": Count("pk", filter=Q(created_at__gte=day_ago)),
        "last": Max("created_at"),
    }
    words = tokens(f["q"]) if f["q"] else []
    groups = []
    if not words:
        groups += [
            dict(g, kind="claim", key=g["claim"])
            for g in alerts.filter(claim__isnull=False).values("claim").annotate(**sums)
        ]
        groups += [
            dict(g, kind="watch", key=g["watchlist"])
            for g in alerts.filter(claim__isnull=True).values("watchlist").annotate(**sums)
        ]
        groups.sort(key=lambda g: (-(g["recent"] or 0), -(g["reach"] or 0), -g["n"]))
    page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    visible_claims = set(
        visible_to(
            request.user, Claim.objects.filter(pk__in=[g["key"] for g in page.object_list if g["kind"] == "claim"])
        ).values_list("pk", flat=True)
    )
    claims = Claim.objects.in_bulk(visible_claims)
    cases = {c.claim_id: c for c in visible_to(request.user, Case.objects.filter(claim__in=visible_claims))}
    watchlists = Watchlist.objects.in_bulk(
        visible_to(
            request.user, Watchlist.objects.filter(pk__in=[g["key"] for g in page.object_list if g["kind"] == "watch"])
        ).values_list("pk", flat=True)
    )
    limit = 200 if (f["claim"] or f["watchlist"]) else SHOWN_PER_GROUP
    base = alerts.select_related("post__source", "post__org_unit", "handled_by")
    rows = _latest_per_group(base, page.object_list, max(limit, 60))
    for group in page.object_list:
        group_rows = rows.get((group["kind"], group["key"]), [])
        for alert in group_rows:
            alert.velocity = alert.post.velocity(now)
        group_rows.sort(key=lambda a: (-a.velocity, -a.post.reach))
        group["alerts"], group["more"] = group_rows[:limit], group["n"] - min(len(group_rows), limit)
        group["claim_obj"] = claims.get(group["key"]) if group["kind"] == "claim" else None
        group["case"] = cases.get(group["key"]) if group["kind"] == "claim" else None
        group["watchlist_obj"] = watchlists.get(group["key"]) if group["kind"] == "watch" else None
    _shown(request.user, [alert for group in page.object_list for alert in group["alerts"]])
    found = []
    if words:  # a search lists matching alerts, newest first, not groups
        for alert in base.order_by("-created_at")[:2000]:
            if _matches_query(alert.post, words):
                alert.velocity = alert.post.velocity(now)
                found.append(alert)
        found = found[:200]
        _shown(request.user, found)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "listening/alerts.html",
        {
            "page": page,
            "found": found,
            "f": f,
            "query": query.urlencode(),
            "districts": visible_to(request.user, OrgUnit.objects.filter(level="district")).order_by("name"),
            "sources": Source.objects.order_by("name"),
            "levels": Alert.Level.choices,
            "states": [*Alert.State.choices, ("all", _("All"))],
            "can_handle": can(request.user, "listening.handle"),
            "counts": visible_to(request.user, Alert.objects.all()).aggregate(
                open=Count("pk", filter=Q(state="open")),
                today=Count("pk", filter=Q(created_at__gte=day_ago)),
            ),
        },
    )


def _alert(request, pk) -> Alert:
    return get_object_or_404(
        visible_to(request.user, Alert.objects.select_related("post__source", "post__org_unit", "claim", "watchlist")),
        pk=pk,
    )


def _back(request) -> HttpResponseRedirect:
    """Back to the page the form was on (core.views.safe_next), else to the alerts."""
    return HttpResponseRedirect(safe_next(request, "listening:alerts"))


OPERATIONS = {"dismiss", "attach", "tip", "reopen"}


@requires("listening.handle")
@require_POST
def alert_act(request, pk, operation):
    if operation not in OPERATIONS:
        raise Http404
    alert = _alert(request, pk)
    error = None
    try:
        if operation == "dismiss":
            alert = actions.dismiss(request.user, alert, request.POST.get("note", ""))
        elif operation == "reopen":
            alert = actions.reopen(request.user, alert)
        elif operation == "tip":
            alert = actions.to_desk(request.user, alert)
        else:
            case = None
            if case_id := _int(request.POST.get("case")):
                case = visible_to(request.user, Case.objects.filter(pk=case_id)).first()
                if case is None:
                    raise Rejected({"case": _("Choose a case from the list.")})
            alert = actions.attach(request.user, alert, case)
    except Rejected as e:
        error = " ".join(str(v) for v in e.errors.values())
    if request.htmx:
        alert = _alert(request, alert.pk)
        alert.velocity = alert.post.velocity(timezone.now())
        _shown(request.user, [alert])
        return render(
            request,
            "listening/_alert.html",
            {
                "alert": alert,
                "can_handle": True,
                "error": error,
                "next": request.POST.get("next", ""),
            },
            status=200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Done: %(state)s.") % {"state": alert.get_state_display()})
    return _back(request)


@requires("listening.handle")
@require_POST
def alert_bulk(request):
    """One operation on every open alert of a group (a claim or a watchlist), at most 500."""
    operation = request.POST.get("operation")
    if operation not in {"dismiss", "attach", "tip"}:
        messages.error(request, _("Choose what to do with the alerts."))
        return _back(request)
    # The page's own filters (district, kind, source) come with the form: only what was shown.
    alerts, _f = _filtered(request.user, {**request.POST.dict(), "state": "open", "claim": "", "watchlist": ""})
    if claim := _int(request.POST.get("claim")):
        alerts = alerts.filter(claim_id=claim)
    elif watchlist := _int(request.POST.get("watchlist")):
        alerts = alerts.filter(claim__isnull=True, watchlist_id=watchlist)
    else:
        messages.error(request, _("Choose the group of alerts."))
        return _back(request)
    if operation == "attach" and not claim:
        messages.error(request, _("Posts without a claim are attached one by one, from the post's page."))
        return _back(request)
    done, problems = actions.bulk(request.user, list(alerts.order_by("pk")[:500]), operation)
    messages.success(request, _("%(n)d alerts handled.") % {"n": done})
    for problem in problems[:10]:
        messages.warning(request, problem)
    return _back(request)


@requires("listening.view")
def post_detail(request, pk):
    post = get_object_or_404(visible_to(request.user, Post.objects.select_related("source", "org_unit")), pk=pk)
    alert = Alert.objects.select_related("claim", "watchlist", "case", "tip", "handled_by").filter(post=post).first()
    from misinfo.actions import matcher

    found = matcher().match(post.text[:100_000], limit=3)
    visible = set(
        visible_to(request.user, Claim.objects.filter(pk__in=[m.claim_id for m in found])).values_list("pk", flat=True)
    )
    claims = Claim.objects.in_bulk(visible)
    candidates = [(claims[m.claim_id], m) for m in found if m.claim_id in claims]
    words, case = set(), None
    if alert is not None:
        _shown(request.user, [alert])
        if alert.shown_claim:
            claim = alert.shown_claim
            words |= next(
                (set(m.shared) for m in found if m.claim_id == claim.pk), set(content_tokens(claim.statement))
            )
            case = visible_to(request.user, Case.objects.filter(claim=claim)).first()
        if alert.shown_watchlist:
            words |= {w for phrase in Rule.parse(alert.shown_watchlist.phrases).phrases for w in phrase}
    handle = can(request.user, "listening.handle")
    if alert is not None:
        alert.post, alert.velocity = post, post.velocity(timezone.now())
    return render(
        request,
        "listening/post_detail.html",
        {
            "post": post,
            "alert": alert,
            "parts": _marked(post.text, highlight(post.text, words)),
            "candidates": candidates,
            "case": case,
            "can_handle": handle,
            "open_cases": visible_to(
                request.user, Case.objects.exclude(state=Case.State.CLOSED).select_related("claim")
            ).order_by("-pk")[:100]
            if handle
            else [],
            "velocity": post.velocity(timezone.now()),
        },
    )


def _marked(text: str, spans) -> list[tuple[str, bool]]:
    """The text in pieces, each marked or not (escaped by the template, never joined as HTML)."""
    parts, at = [], 0
    for start, end in spans:
        if start > at:
            parts.append((text[at:start], False))
        parts.append((text[start:end], True))
        at = end
    parts.append((text[at:], False))
    return parts


# --- Watchlists ---------------------------------------------------------------------------


@requires("listening.view")
def watchlist_list(request):
    watchlists = visible_to(request.user, Watchlist.objects.select_related("org_unit")).annotate(
        n_alerts=Count("alerts"), n_open=Count("alerts", filter=Q(alerts__state="open"))
    )
    return render(
        request,
        "listening/watchlists.html",
        {
            "watchlists": watchlists,
            "can_watch": can(request.user, "listening.watch"),
        },
    )


PREVIEW_POSTS = 2000


def _preview(request, watchlist) -> list:
    """The latest posts (of those this person sees) the watchlist would have caught."""
    rule = Rule.parse(watchlist.phrases, watchlist.mode, watchlist.within)
    if not rule.phrases:
        return []
    posts = visible_to(request.user, Post.objects.select_related("source", "org_unit")).order_by("-received_at")
    if watchlist.org_unit_id:
        posts = posts.filter(org_unit__path__startswith=watchlist.org_unit.path)
    return [p for p in posts[:PREVIEW_POSTS] if rule.find(tokens(p.text[:100_000]))][:20]


@requires("listening.watch")
def watchlist_edit(request, pk=None):
    watchlist = (
        Watchlist() if pk is None else get_object_or_404(visible_to(request.user, Watchlist.objects.all()), pk=pk)
    )
    initial = (
        {}
        if pk is None
        else {
            "name": watchlist.name,
            "phrases": watchlist.phrases,
            "mode": watchlist.mode,
            "within": watchlist.within,
            "org_unit": watchlist.org_unit_id,
            "notify": list(watchlist.notify.values_list("pk", flat=True)),
            "is_active": watchlist.is_active,
        }
    )
    form = WatchlistForm(request.POST or None, initial=initial or {"is_active": True}, person=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            watchlist = actions.save_watchlist(request.user, watchlist, form.cleaned_data, form.cleaned_data["notify"])
        except Rejected as e:
            for name, message in e.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("Watchlist saved; it applies to posts from now on."))
            return redirect("listening:watchlist_edit", pk=watchlist.pk)
    return render(
        request,
        "listening/watchlist_form.html",
        {
            "form": form,
            "watchlist": watchlist,
            "preview": _preview(request, watchlist) if watchlist.pk else None,
        },
        status=400 if form.errors else 200,
    )


# --- Sources ------------------------------------------------------------------------------


@requires("listening.sources")
def source_list(request):
    day_ago = timezone.now() - datetime.timedelta(hours=24)
    sources = (
        Source.objects.select_related("org_unit")
        .annotate(n_posts=Count("posts"), n_day=Count("posts", filter=Q(posts__received_at__gte=day_ago)))
        .order_by("name")
    )
    return render(request, "listening/sources.html", {"sources": sources})


@requires("listening.sources")
def source_edit(request, pk=None):
    source = Source() if pk is None else get_object_or_404(Source, pk=pk)
    form = SourceForm(request.POST or None, instance=source, person=request.user)
    if request.method == "POST" and form.is_valid():
        actions.save_source(request.user, form)
        messages.success(request, _("Source saved."))
        return redirect("listening:sources")
    return render(
        request, "listening/source_form.html", {"form": form, "source": source}, status=400 if form.errors else 200
    )


@requires("listening.sources")
@require_POST
def source_poll(request, pk):
    from . import feeds

    source = get_object_or_404(Source, pk=pk, kind=Source.Kind.RSS)
    if not source.is_active:
        messages.error(request, _("The feed is paused: make it active first."))
        return redirect("listening:sources")
    result = feeds.poll(source)
    if result.busy:
        messages.warning(request, _("The feed is being read right now; look again in a minute."))
    elif result.error:
        messages.error(request, result.error)
    elif result.not_modified:
        messages.success(request, _("Nothing new since the last reading."))
    else:
        messages.success(
            request, _("%(stored)d new posts, %(alerts)d alerts.") % {"stored": result.stored, "alerts": result.alerts}
        )
    return redirect("listening:sources")


FIELD_LABELS = {
    "id": _lazy("Id at the source"),
    "text": _lazy("Text"),
    "title": _lazy("Title (put before the text)"),
    "url": _lazy("Link"),
    "author": _lazy("Author"),
    "published_at": _lazy("Published"),
    "reactions": _lazy("Reactions"),
    "comments": _lazy("Comments"),
    "shares": _lazy("Shares"),
}


@requires("listening.sources")
def source_upload(request, pk):
    """An export of a listening tool: the file first, then which column is which (saved for the
    source), a dry run, and the import. The file waits under a random name known only to this
    session."""
    source = get_object_or_404(Source, pk=pk, kind=Source.Kind.CSV)
    pending = request.session.get("listening_uploads", {})
    token = request.POST.get("token") or request.GET.get("token") or ""
    if token and pending.get(token) != source.pk:
        token = ""
    form = UploadForm(request.POST or None, request.FILES or None)
    context = {"source": source, "form": form, "fields": [(name, FIELD_LABELS[name]) for name in uploads.FIELDS]}
    if request.method == "POST" and not token:
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > uploads.MAX_BYTES:
                form.add_error("file", _("The file is larger than %(mb)d MB.") % {"mb": uploads.MAX_BYTES // 2**20})
            else:
                data = upload.read()
                try:
                    uploads.read_table(data, upload.name)
                except uploads.UploadError as e:
                    form.add_error("file", str(e))
                else:
                    token = held_files.keep(data, timezone.now())
                    pending[token] = source.pk
                    request.session["listening_uploads"] = pending
                    return redirect(reverse("listening:source_upload", args=[source.pk]) + f"?token={token}")
        return render(request, "listening/upload.html", context, status=400)
    if not token:
        return render(request, "listening/upload.html", context)
    try:
        table = uploads.read_table(held_files.kept(token))
    except (FileNotFoundError, uploads.UploadError):
        messages.error(request, _("The uploaded file is no longer here: upload it again."))
        return redirect("listening:source_upload", pk=source.pk)
    saved = source.mapping if all(c in table.columns for c in source.mapping.values()) and source.mapping else {}
    mapping = saved or uploads.guess_mapping(table.columns)
    if request.method == "POST":
        mapping = {name: request.POST.get(f"map_{name}", "") for name in uploads.FIELDS}
        mapping = {k: v for k, v in mapping.items() if v}
    errors = uploads.check_mapping(table.columns, mapping) if request.method == "POST" or mapping else {}
    context.update(token=token, table=table, mapping=mapping, errors=errors, preview=table.rows[:5])
    if request.method == "POST" and not errors:
        if request.POST.get("action") == "import":
            result = actions.import_export(request.user, source, table, mapping)
            held_files.forget(token)
            pending.pop(token, None)
            request.session["listening_uploads"] = pending
            context.update(result=result, token="")
        else:
            context["dry_run"] = ingest.check(source, uploads.items(table, mapping))
    return render(request, "listening/upload.html", context, status=400 if errors and request.method == "POST" else 200)


# --- Charts -------------------------------------------------------------------------------

CHART_DAYS = 14
CHART_SERIES = 6


@requires("listening.view")
def overview(request):
    """Volume per day of the claims and districts with the most alerts over 14 days."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=CHART_DAYS - 1)
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    alerts = visible_to(request.user, Alert.objects.filter(created_at__gte=since))
    days = [start + datetime.timedelta(days=i) for i in range(CHART_DAYS)]
    labels = [d.strftime("%d/%m") for d in days]
    per_claim = _daily(alerts.filter(claim__isnull=False), "claim")
    per_district = _daily(alerts.filter(post__org_unit__isnull=False), "post__org_unit")
    claim_names = dict(visible_to(request.user, Claim.objects.filter(pk__in=per_claim)).values_list("pk", "statement"))
    unit_names = dict(OrgUnit.objects.filter(pk__in=per_district).values_list("pk", "name"))
    tables = [
        (
            _("Alerts per day, by claim"),
            [(claim_names.get(k, _("Another area's claim")), v) for k, v in per_claim.items()],
        ),
        (_("Alerts per day, by district"), [(unit_names.get(k, "?"), v) for k, v in per_district.items()]),
    ]
    images = []
    for title, rows in tables:
        if not rows:
            continue
        series = [
            (name[:40] + ("…" if len(name) > 40 else ""), [counts.get(d, 0) for d in days]) for name, counts in rows
        ]
        image = charts.cached(
            "listening",
            (title, labels, series),
            lambda title=title, series=series: charts.line_chart(
                title, labels, [charts.Series(n, v) for n, v in series], _("alerts")
            ),
            timeout=3600,
        )
        images.append((image, labels, series))
    return render(request, "listening/overview.html", {"images": images, "days": CHART_DAYS})


def _daily(alerts, field: str) -> dict:
    """{key: {date: count}} for the CHART_SERIES keys with the most alerts."""
    top = [r[field] for r in alerts.values(field).annotate(n=Count("pk")).order_by("-n")[:CHART_SERIES]]
    out = {k: {} for k in top}
    rows = (
        alerts.filter(**{f"{field}__in": top})
        .annotate(day=TruncDate("created_at"))
        .values(field, "day")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        out[row[field]][row["day"]] = row["n"]
    return out
