"""Pages of the key messages: the library, writing and approving a message, and the SMS counter
the composer updates as one types (htmx; the page works without script: the counter is then
shown after saving)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.access import can, requires, scope_root, visible_to
from vntext import clean_query, fold, sms

from . import actions
from .forms import CountForm, KeyMessageForm, ReturnForm
from .models import KeyMessage

DEFAULT_RECIPIENTS = 10_000


def _messages_for(person):
    return visible_to(person, KeyMessage.objects.select_related("approved_by"))


@requires("outreach.view")
def message_list(request):
    rows = _messages_for(request.user)
    show = request.GET.get("show", "usable")
    today = timezone.localdate()
    if show == "usable":
        rows = rows.filter(state=KeyMessage.State.APPROVED, valid_from__lte=today).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )
    elif show in KeyMessage.State.values:
        rows = rows.filter(state=show)
    rows = list(rows[:500])
    if q := clean_query(request.GET.get("q", "")):
        words = [fold(w) for w in q.split()]
        rows = [m for m in rows if all(w in fold(f"{m.title} {m.sms_text} {m.loudspeaker_text}") for w in words)]
    return render(
        request,
        "outreach/message_list.html",
        {
            "rows": rows,
            "show": show,
            "q": q,
            "states": KeyMessage.State.choices,
            "can_write": can(request.user, "outreach.write"),
            "today": today,
        },
    )


def _counter(text: str, recipients: int) -> dict:
    """What the composer shows under the SMS text."""
    price = settings.OUTREACH_SMS_PART_PRICE
    info = sms.encode_info(text)
    plain = sms.unaccented_report(text)
    plain_info = sms.encode_info(plain.text)
    return {
        "info": info,
        "plain": plain,
        "plain_info": plain_info,
        "recipients": recipients,
        "price": price,
        "cost": info.segments * recipients * price,
        "plain_cost": plain_info.segments * recipients * price,
        "saving": (info.segments - plain_info.segments) * recipients * price,
        "problems": actions.sms_problems(text) if text.strip() else [],
        "unicode_chars": " ".join(info.unicode_chars[:24]),
    }


@requires("outreach.write")
@require_POST
def sms_count(request):
    form = CountForm(request.POST)
    text, recipients = "", DEFAULT_RECIPIENTS
    if form.is_valid():
        text = form.cleaned_data["sms_text"] or ""
        recipients = form.cleaned_data["recipients"] or DEFAULT_RECIPIENTS
    return render(request, "outreach/_counter.html", {"counter": _counter(text, recipients), "in_form": True})


def _message(request, pk) -> KeyMessage:
    return get_object_or_404(_messages_for(request.user), pk=pk)


@requires("outreach.write")
@require_http_methods(["GET", "POST"])
def message_edit(request, pk=None):
    message = _message(request, pk) if pk else KeyMessage(org_unit=scope_root(request.user))
    if message.state == KeyMessage.State.RETIRED:
        messages.error(request, _("A retired message cannot be changed; reopen it first."))
        return redirect("outreach:message", message.pk)
    form = KeyMessageForm(request.POST or None, instance=message)
    status = 200
    if request.method == "POST" and "use_unaccented" in request.POST:
        # The one-click unaccented version: the form comes back with it, nothing saved yet.
        data = request.POST.copy()
        data["sms_text"] = sms.unaccented(data.get("sms_text", ""))
        form = KeyMessageForm(data, instance=message)
        messages.info(request, _("The SMS text is now the unaccented version: check it, then save."))
    elif request.method == "POST":
        if form.is_valid():
            try:
                message = actions.save(request.user, form.instance)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("The key message is saved."))
                return redirect("outreach:message", message.pk)
        status = 422
    text = form["sms_text"].value() or ""
    return render(
        request,
        "outreach/message_form.html",
        {"form": form, "message": message, "counter": _counter(text, DEFAULT_RECIPIENTS), "in_form": True},
        status=status,
    )


def _errors_to_form(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@requires("outreach.view")
def message_detail(request, pk):
    message = _message(request, pk)
    person = request.user
    return render(
        request,
        "outreach/message_detail.html",
        {
            "message": message,
            "events": message.events.select_related("actor"),
            "counter": _counter(message.sms_text, DEFAULT_RECIPIENTS) if message.sms_text else None,
            "return_form": ReturnForm(),
            "can_write": can(person, "outreach.write"),
            "can_approve": can(person, "outreach.approve") and message.created_by_id != person.pk,
            "can_audio": can(person, "outreach.audio")
            and message.is_usable
            and bool(message.loudspeaker_text)
            and not message.scripts.filter(source=message.loudspeaker_text).exists(),
            "scripts": message.scripts.all()[:5],
            "can_broadcast": can(person, "outreach.broadcast")
            and message.is_usable
            and bool(message.loudspeaker_text),
            "broadcasts": message.broadcasts.filter(state="scheduled", ends_on__gte=timezone.localdate()).count(),
        },
    )


@requires("outreach.audio")
@require_POST
def message_audio(request, pk):
    message = _message(request, pk)
    try:
        script = actions.make_audio(request.user, message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The loudspeaker audio is ready (%(seconds)d s).") % {"seconds": round(script.seconds)}
        )
    return redirect("outreach:message", message.pk)


@requires("outreach.view")
def script_file(request, pk, fmt):
    """A loudspeaker audio file (to play here, or for the broadcasting system)."""
    from django.http import FileResponse

    from .models import Script

    if fmt not in {"mp3", "wav"}:
        raise Http404
    script = get_object_or_404(Script.objects.filter(message__in=_messages_for(request.user)), pk=pk)
    kind = "audio/mpeg" if fmt == "mp3" else "audio/wav"
    name = f"thong-diep-{script.message_id}.{fmt}"
    return FileResponse(
        getattr(script, fmt).open("rb"), content_type=kind, filename=name, as_attachment="download" in request.GET
    )


OPERATIONS = {
    "submit": actions.submit,
    "approve": actions.approve,
    "retire": actions.retire,
    "reopen": actions.reopen,
}


@requires("outreach.view")
@require_POST
def message_act(request, pk, operation):
    message = _message(request, pk)
    try:
        if operation == "return":
            form = ReturnForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Say why the message goes back."))
                return redirect("outreach:message", message.pk)
            actions.return_to_draft(request.user, message, form.cleaned_data["reason"])
        elif operation in OPERATIONS:
            OPERATIONS[operation](request.user, message)
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        message.refresh_from_db()
        messages.success(request, _("The key message is now “%(state)s”.") % {"state": message.get_state_display()})
    return redirect("outreach:message", message.pk)
