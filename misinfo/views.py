"""Pages of the misinformation desk: the inbox of tips, intake (hotline log, district form, the
public form), claims and cases. Reads go through core.access, changes through misinfo.actions."""

import datetime
import json

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit, ratelimit
from core.access import can, public, requires, visible_to
from core.clientip import limit_key
from vntext import clean_query, fold

from . import actions, documents
from .forms import ActionForm, ActionUpdateForm, EvidenceForm, PublicTipForm, TipForm, VerdictForm
from .models import Case, CaseAction, Claim, Evidence, Tip

PAGE_SIZE = 50


def _apply_errors(form, errors):
    for name, message in errors.items():
        form.add_error(name if name in form.fields else None, message)


def _shown_claims(person, tips) -> None:
    """Set `shown_claim` / `shown_suggestion` on each tip: the linked or suggested claim when the
    viewer may see it (a district's tip may match another district's claim), else None."""
    ids = {t.claim_id for t in tips} | {t.suggested_claim_id for t in tips}
    visible = set(visible_to(person, Claim.objects.filter(pk__in=ids - {None})).values_list("pk", flat=True))
    for t in tips:
        t.shown_claim = t.claim if t.claim_id in visible else None
        t.shown_suggestion = t.suggested_claim if t.suggested_claim_id in visible else None


@requires("misinfo.view")
def inbox(request):
    tips = visible_to(request.user, Tip.objects.select_related("org_unit", "claim", "suggested_claim"))
    show = request.GET.get("show", "open")
    if show == "open":
        tips = tips.filter(claim__isnull=True)
    elif show == "suggested":
        tips = tips.filter(match=Tip.Match.SUGGESTED)
    if q := clean_query(request.GET.get("q", "")):
        words = q.split()
        tips = [t for t in tips[:2000] if all(w in fold(t.text) for w in map(fold, words))]
    page = Paginator(tips, PAGE_SIZE).get_page(request.GET.get("page"))
    _shown_claims(request.user, page.object_list)
    counts = visible_to(request.user, Tip.objects.all()).aggregate(
        open=Count("pk", filter=Q(claim__isnull=True)), suggested=Count("pk", filter=Q(match=Tip.Match.SUGGESTED))
    )
    return render(
        request,
        "misinfo/inbox.html",
        {
            "page": page,
            "show": show,
            "q": q,
            "counts": counts,
            "can_tip": can(request.user, "misinfo.tip"),
            "can_handle": can(request.user, "misinfo.handle"),
        },
    )


@requires("misinfo.tip")
def tip_create(request):
    form = TipForm(request.POST or None, person=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tip = actions.record_tip(request.user, **data)
        except actions.Rejected as e:
            _apply_errors(form, e.errors)
        else:
            messages.success(request, _("Tip recorded."))
            return redirect("misinfo:tip_detail", pk=tip.pk)
    return render(request, "misinfo/tip_form.html", {"form": form}, status=400 if form.errors else 200)


@requires("misinfo.view")
def tip_detail(request, pk):
    tip = get_object_or_404(visible_to(request.user, Tip.objects.select_related("org_unit", "claim")), pk=pk)
    handle = can(request.user, "misinfo.handle")
    _shown_claims(request.user, [tip])
    show_reporter = can(request.user, "misinfo.reporter")
    if show_reporter and (tip.reporter_name_sealed or tip.reporter_contact_sealed):
        # Who reported is personal data: every time it is shown is on record.
        audit.record(request.user, "misinfo.reporter_view", tip, org_unit=tip.org_unit)
    return render(
        request,
        "misinfo/tip_detail.html",
        {
            "tip": tip,
            "suggestions": actions.suggestions(tip.text) if handle and tip.claim_id is None else [],
            "can_handle": handle,
            "show_reporter": show_reporter,
        },
    )


def _tip_for_handling(request, pk) -> Tip:
    return get_object_or_404(visible_to(request.user, Tip.objects.all()), pk=pk)


@requires("misinfo.handle")
@require_POST
def tip_link(request, pk):
    tip = _tip_for_handling(request, pk)
    try:
        claim = visible_to(request.user, Claim.objects.all()).get(pk=int(request.POST.get("claim", "")))
    except (ValueError, Claim.DoesNotExist):
        messages.error(request, _("Choose a claim from the list."))
        return redirect("misinfo:tip_detail", pk=tip.pk)
    actions.link_tip(request.user, tip, claim)
    messages.success(request, _("The tip is linked to the claim."))
    return redirect("misinfo:claim_detail", pk=claim.pk)


@requires("misinfo.handle")
@require_POST
def tip_new_claim(request, pk):
    tip = _tip_for_handling(request, pk)
    try:
        claim = actions.new_claim(request.user, tip, request.POST.get("statement", ""))
    except actions.Rejected as e:
        messages.error(request, " ".join(e.errors.values()))
        return redirect("misinfo:tip_detail", pk=tip.pk)
    messages.success(request, _("New claim created from the tip."))
    return redirect("misinfo:claim_detail", pk=claim.pk)


@requires("misinfo.view")
def claim_list(request):
    claims = (
        visible_to(request.user, Claim.objects.select_related("org_unit", "case"))
        .annotate(n_tips=Count("tips"))
        .order_by("-first_seen_at", "-pk")
    )
    if q := clean_query(request.GET.get("q", "")):
        words = [fold(w) for w in q.split()]
        claims = [c for c in claims[:2000] if all(w in fold(c.statement) for w in words)]
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    cases = set(
        visible_to(request.user, Case.objects.filter(claim__in=[c.pk for c in page.object_list])).values_list(
            "pk", flat=True
        )
    )
    for c in page.object_list:
        c.shown_case = getattr(c, "case", None) if getattr(c, "case", None) and c.case.pk in cases else None
    return render(request, "misinfo/claim_list.html", {"page": page, "q": q})


@requires("misinfo.view")
def claim_detail(request, pk):
    claim = get_object_or_404(visible_to(request.user, Claim.objects.select_related("org_unit")), pk=pk)
    tips = visible_to(request.user, claim.tips.select_related("org_unit"))
    case = visible_to(request.user, Case.objects.filter(claim=claim)).first()
    return render(
        request,
        "misinfo/claim_detail.html",
        {
            "claim": claim,
            "tips": tips,
            "case": case,
            "can_handle": can(request.user, "misinfo.handle"),
        },
    )


@requires("misinfo.handle")
@require_POST
def case_open(request, pk):
    claim = get_object_or_404(visible_to(request.user, Claim.objects.all()), pk=pk)
    case = actions.open_case(request.user, claim)
    return redirect("misinfo:case_detail", pk=case.pk)


def _case(request, pk) -> Case:
    return get_object_or_404(
        visible_to(request.user, Case.objects.select_related("claim", "assigned_to", "verdict_by", "approved_by")),
        pk=pk,
    )


@requires("misinfo.view")
def case_detail(request, pk, verdict_form=None, action_form=None, evidence_form=None):
    case = _case(request, pk)
    handle = can(request.user, "misinfo.handle")
    next_states = [Case.State(s) for s in actions.TRANSITIONS[case.state] if s != Case.State.VERDICT] if handle else []
    return render(
        request,
        "misinfo/case_detail.html",
        {
            "case": case,
            "events": case.events.select_related("actor"),
            "tips": visible_to(request.user, case.claim.tips.all()),
            "can_handle": handle,
            "can_approve": can(request.user, "misinfo.approve"),
            "case_actions": case.actions.prefetch_related("events"),
            "action_form": action_form
            or (ActionForm() if handle and case.state in {Case.State.VERDICT, Case.State.ACTIONS} else None),
            "update_form": ActionUpdateForm() if handle else None,
            "evidence": case.evidence.select_related("captured_by").prefetch_related("custody__actor"),
            "evidence_form": evidence_form or (EvidenceForm() if handle else None),
            "next_states": next_states,
            "verdict_form": verdict_form
            or (VerdictForm() if Case.State.VERDICT in actions.TRANSITIONS[case.state] else None),
        },
        status=400 if verdict_form is not None or action_form is not None or evidence_form is not None else 200,
    )


@requires("misinfo.handle")
@require_POST
def case_state(request, pk):
    case = _case(request, pk)
    try:
        actions.change_state(request.user, case, request.POST.get("state", ""), request.POST.get("note", ""))
    except (actions.Rejected, ValueError) as e:
        messages.error(request, " ".join(e.errors.values()) if isinstance(e, actions.Rejected) else str(e))
    return redirect("misinfo:case_detail", pk=case.pk)


@requires("misinfo.handle")
@require_POST
def case_verdict(request, pk):
    case = _case(request, pk)
    form = VerdictForm(request.POST)
    if form.is_valid():
        try:
            actions.record_verdict(request.user, case, **form.cleaned_data)
        except actions.Rejected as e:
            _apply_errors(form, e.errors)
        else:
            messages.success(request, _("Verdict recorded."))
            return redirect("misinfo:case_detail", pk=case.pk)
    return case_detail.__wrapped__(request, pk, verdict_form=form)


# --- The public form ----------------------------------------------------------------------


@public
def report(request):
    """Anyone may report false information. A honeypot field and a per-address hourly limit
    keep robots out without a captcha service; nothing here shows anyone's data."""
    form = PublicTipForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        # Counted before anything is stored, with an atomic increment in the database (shared by
        # every web process), so parallel posts from one address cannot all slip under the limit;
        # behind a proxy, per client, not per proxy.
        count = ratelimit.hit(f"misinfo:public-tips:{limit_key(request)}", datetime.timedelta(hours=1))
        if count > settings.PUBLIC_TIPS_PER_HOUR:
            form.add_error(
                None,
                _(
                    "Too many reports from your connection in the last hour. Please try again later "
                    "or call the hotline."
                ),
            )
            status = 429
        elif form.is_valid():
            if form.cleaned_data["website"]:
                # A robot filled the hidden field: it sees what a person sees, and nothing is kept.
                return render(request, "misinfo/report_thanks.html", {"reference": _fake_reference()})
            data = {k: v for k, v in form.cleaned_data.items() if k not in {"website", "attachment"}}
            upload = form.cleaned_data.get("attachment")
            if upload is not None:
                data["attachment"] = (upload.read(), upload.name)
            try:
                tip = actions.record_tip(None, channel=Tip.Channel.WEB, **data)
            except actions.Rejected as e:
                _apply_errors(form, e.errors)
            else:
                return render(request, "misinfo/report_thanks.html", {"reference": f"TG-{tip.pk:06d}"})
        if form.errors and status == 200:
            status = 400
    return render(request, "misinfo/report.html", {"form": form}, status=status)


def _fake_reference() -> str:
    last = Tip.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return f"TG-{last + 1:06d}"


@requires("misinfo.approve")
@require_POST
def case_approve(request, pk):
    case = _case(request, pk)
    try:
        actions.approve_verdict(request.user, case)
    except actions.Rejected as e:
        messages.error(request, " ".join(e.errors.values()))
    else:
        messages.success(request, _("Verdict approved and published."))
    return redirect("misinfo:case_detail", pk=case.pk)


# --- Published verdicts (public) ----------------------------------------------------------


def _published():
    return Case.objects.filter(published_at__isnull=False).select_related("claim").order_by("-published_at")


@public
def verdict_list(request):
    cases = _published()
    if q := clean_query(request.GET.get("q", "")):
        words = [fold(w) for w in q.split()]
        cases = [c for c in cases[:2000] if all(w in fold(c.claim.statement + " " + c.explanation) for w in words)]
    page = Paginator(cases, 20).get_page(request.GET.get("page"))
    return render(request, "misinfo/verdict_list.html", {"page": page, "q": q})


@public
def verdict_detail(request, pk):
    case = get_object_or_404(_published(), pk=pk)
    return render(
        request,
        "misinfo/verdict_detail.html",
        {
            "case": case,
            "jsonld": claim_review(request, case),
            "sources": [s for s in case.sources.splitlines() if s.strip()],
        },
    )


def claim_review(request, case: Case) -> str:
    """schema.org ClaimReview as JSON-LD, escaped for a <script> element (no "</" can close it)."""
    value, label = Case.RATINGS[case.verdict]
    data = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": request.build_absolute_uri(reverse("public:verdict", args=[case.pk])),
        "datePublished": case.published_at.date().isoformat(),
        "claimReviewed": case.claim.statement,
        "author": {"@type": "Organization", "name": settings.TINCAY_ORG_NAME, "url": settings.SITE_URL},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": label,
        },
        "itemReviewed": {
            "@type": "Claim",
            "datePublished": case.claim.first_seen_at.date().isoformat(),
            # Where the claim appeared: the links the inspector captured as evidence, never the links
            # that came with tips (those are unchecked, and could point back at who reported).
            "appearance": [{"@type": "CreativeWork", "url": e.url} for e in case.evidence.exclude(url="")[:5]],
        },
        "inLanguage": "vi",
    }
    text = json.dumps(data, ensure_ascii=False)
    return mark_safe(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))  # noqa: S308


# --- Actions after the verdict, the police liaison, letters --------------------------------


@requires("misinfo.handle")
@require_POST
def action_add(request, pk):
    case = _case(request, pk)
    form = ActionForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in ("", None) or k == "forced_removal"}
        kind = data.pop("kind")
        try:
            actions.add_action(request.user, case, kind, **data)
        except actions.Rejected as e:
            _apply_errors(form, e.errors)
        else:
            messages.success(request, _("Action recorded."))
            return redirect("misinfo:case_detail", pk=case.pk)
    return case_detail.__wrapped__(request, pk, action_form=form)


def _action(request, pk) -> CaseAction:
    return get_object_or_404(visible_to(request.user, CaseAction.objects.select_related("case__claim")), pk=pk)


def _update(request, action, form, back):
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        to_state = data.pop("state")
        try:
            actions.update_action(request.user, action, to_state, **data)
        except actions.Rejected as e:
            messages.error(request, " ".join(str(v) for v in e.errors.values()))
        else:
            messages.success(request, _("Action updated."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(back)


@requires("misinfo.handle")
@require_POST
def action_update(request, pk):
    action = _action(request, pk)
    return _update(
        request, action, ActionUpdateForm(request.POST), reverse("misinfo:case_detail", args=[action.case_id])
    )


@requires("misinfo.police")
def referrals(request):
    """The police liaison's page: referrals sent by the Department, to acknowledge and answer."""
    items = (
        CaseAction.objects.filter(kind=CaseAction.Kind.REFERRAL)
        .exclude(state=CaseAction.State.PLANNED)
        .select_related("case__claim")
        .order_by("-letter_date", "-pk")
    )
    return render(request, "misinfo/referrals.html", {"items": items})


@requires("misinfo.police")
@require_POST
def referral_update(request, pk):
    action = get_object_or_404(
        CaseAction.objects.filter(kind=CaseAction.Kind.REFERRAL).exclude(state=CaseAction.State.PLANNED), pk=pk
    )
    form = ActionUpdateForm(request.POST)
    form.fields["state"].choices = [(s.value, s.label) for s in (CaseAction.State.ACKNOWLEDGED, CaseAction.State.DONE)]
    for name in ("letter_number", "letter_date", "published_url", "decision_number"):
        del form.fields[name]
    return _update(request, action, form, reverse("misinfo:referrals"))


@requires("misinfo.letter")
def action_letter(request, pk):
    """The official letter of a referral or a request, as DOCX (Decree 30 layout). The police
    liaison opens the letters of the referrals sent to the police."""
    if can(request.user, "misinfo.police"):
        action = get_object_or_404(
            CaseAction.objects.filter(kind=CaseAction.Kind.REFERRAL).exclude(state=CaseAction.State.PLANNED), pk=pk
        )
    else:
        action = _action(request, pk)
    if action.kind not in {CaseAction.Kind.REFERRAL, CaseAction.Kind.REBUTTAL, CaseAction.Kind.TAKEDOWN}:
        raise Http404
    data = documents.action_letter(action, request.user)
    response = HttpResponse(data, content_type=documents.DOCX)
    response["Content-Disposition"] = f'attachment; filename="cong-van-{action.kind}-{action.pk}.docx"'
    return response


@requires("misinfo.handle")
@require_POST
def evidence_add(request, pk):
    case = _case(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            actions.add_evidence(
                request.user,
                case,
                url=form.cleaned_data["url"],
                note=form.cleaned_data["note"],
                data=upload.read() if upload is not None else None,
                filename=upload.name if upload else "",
            )
        except actions.Rejected as e:
            _apply_errors(form, e.errors)
        else:
            messages.success(request, _("Evidence captured."))
            return redirect(reverse("misinfo:case_detail", args=[case.pk]) + "#evidence")
    return case_detail.__wrapped__(request, pk, evidence_form=form)


@requires("misinfo.view")
def evidence_download(request, pk):
    """A captured copy, always as a download: a saved page is never shown inline as HTML."""
    evidence = get_object_or_404(visible_to(request.user, Evidence.objects.all()), pk=pk)
    if not evidence.file:
        raise Http404
    actions.record_download(request.user, evidence)
    return _as_download(evidence.file, evidence.content_type, f"evidence-{evidence.pk}-{evidence.sha256[:12]}")


@requires("misinfo.view")
def dashboard(request):
    from . import dashboard as board

    return render(request, "misinfo/dashboard.html", {"d": board.build(request.user)})


@requires("misinfo.handle")
def email_import(request):
    """Forwarded emails (.eml files) become tips of the email channel, one per message."""
    from . import mail

    created, problems = [], []
    if request.method == "POST":
        files = request.FILES.getlist("files")[:50]
        if not files:
            problems.append(_("Choose one or more .eml files."))
        else:
            created, problems = mail.import_messages(request.user, files)
        if created:
            messages.success(request, _("%(n)d tips created from email.") % {"n": len(created)})
            return redirect("misinfo:inbox")
    return render(request, "misinfo/email_import.html", {"created": created, "problems": problems},
                  status=400 if problems else 200)  # fmt: skip


@requires("misinfo.view")
def case_file(request, pk):
    case = _case(request, pk)
    response = HttpResponse(documents.case_file(case, request.user), content_type=documents.PDF)
    response["Content-Disposition"] = f'attachment; filename="ho-so-vu-viec-{case.pk}.pdf"'
    return response


@requires("misinfo.view")
def tip_attachment(request, pk):
    """The file sent with a tip, only ever as a download."""
    tip = get_object_or_404(visible_to(request.user, Tip.objects.exclude(attachment="")), pk=pk)
    return _as_download(tip.attachment, tip.attachment_type, f"tip-{tip.pk}")


def _as_download(stored_file, content_type: str, name: str) -> FileResponse:
    """A kept copy (evidence, a tip's file) as an attachment, never rendered: a saved page goes
    out as bytes, sniffing is off and the response may run nothing."""
    ext = stored_file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        stored_file.open("rb"),
        as_attachment=True,
        filename=f"{name}.{ext}",
        content_type="application/octet-stream" if content_type == "text/html" else content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
