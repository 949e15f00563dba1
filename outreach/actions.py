"""Every change of a key message: write, submit, approve, return, retire. Each checks
permission, changes, writes the status log and the audit event. A message moves
draft → submitted → approved → retired, or submitted → draft when a leader returns it; editing
an approved message takes it back to draft (what goes out is what a leader approved)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.access import can, can_see
from core.validation import check_text
from vntext import sms

from .models import KeyMessage, KeyMessageEvent

S = KeyMessage.State
TRANSITIONS = {
    S.DRAFT: {S.SUBMITTED, S.RETIRED},
    S.SUBMITTED: {S.APPROVED, S.DRAFT},
    S.APPROVED: {S.DRAFT, S.RETIRED},
    S.RETIRED: {S.DRAFT},
}
TEXT_FIELDS = ("sms_text", "loudspeaker_text", "web_text")
MAX_SCRIPT = 5000  # characters of a loudspeaker script (a few minutes read aloud)


def sms_problems(text: str) -> list[str]:
    """vntext.sms's problem codes in the reader's language; warnings are left out."""
    out = []
    for problem in sms.check_message(text):
        if problem.code in sms.WARNINGS:
            continue
        p = problem.params
        messages = {
            "empty": _("The SMS text is empty."),
            "control_chars": _("The SMS text contains control characters (%(chars)s).")
            % {"chars": ", ".join(p.get("chars", []))},
            "too_long": _("The SMS would take %(parts)d parts; carriers take at most %(max)d in %(encoding)s.")
            % {"parts": p.get("parts", 0), "max": p.get("max_parts", 0), "encoding": p.get("encoding", "")},
        }
        out.append(messages.get(problem.code, problem.code))
    return out


class MessageError(ValidationError):
    pass


def _require(person, permission, message=None):
    if not can(person, permission) or (message is not None and message.pk and not can_see(person, message)):
        raise PermissionDenied


def _set_state(message: KeyMessage, to: str, person, note: str = "", texts: dict | None = None):
    if to not in TRANSITIONS[message.state]:
        raise MessageError(
            _("A key message that is “%(state)s” cannot become “%(to)s”.")
            % {"state": message.get_state_display(), "to": S(to).label}
        )
    KeyMessageEvent.objects.create(
        message=message,
        actor=person,
        from_state=message.state,
        to_state=to,
        note=note,
        texts=texts if texts is not None else {f: getattr(message, f) for f in TEXT_FIELDS},
    )
    message.state = to


def check(message: KeyMessage) -> dict[str, str]:
    """Problems by field: texts every database stores, an SMS a carrier takes, a script of
    reasonable length, dates in order, at least one channel."""
    errors = {}
    for field in ("title", *TEXT_FIELDS):
        text, error = check_text(getattr(message, field), str(KeyMessage._meta.get_field(field).verbose_name))
        if error:
            errors[field] = error
        else:
            setattr(message, field, text)
    if not errors.get("title") and not message.title:
        errors["title"] = _("Give the message a title.")
    if not errors and not any(getattr(message, f) for f in TEXT_FIELDS):
        errors["sms_text"] = _("Write the message for at least one channel.")
    if message.sms_text and "sms_text" not in errors:
        problems = sms_problems(message.sms_text)
        if problems:
            errors["sms_text"] = " ".join(problems)
    if len(message.loudspeaker_text) > MAX_SCRIPT:
        errors["loudspeaker_text"] = _("At most %(limit)d characters (now %(length)d).") % {
            "limit": MAX_SCRIPT,
            "length": len(message.loudspeaker_text),
        }
    if message.valid_until and message.valid_from and message.valid_until < message.valid_from:
        errors["valid_until"] = _("The end of validity is before its start.")
    return errors


def save(person, message: KeyMessage) -> KeyMessage:
    """Create or change a message. A change of an approved or submitted message's texts takes it
    back to draft; a retired message is edited only after it is reopened."""
    _require(person, "outreach.write", message)
    errors = check(message)
    if errors:
        raise MessageError(errors)
    with transaction.atomic():
        if message.pk:
            stored = KeyMessage.objects.select_for_update().get(pk=message.pk)
            if stored.state == S.RETIRED:
                raise MessageError(_("A retired message cannot be changed; reopen it first."))
            before = audit.snapshot(stored)
            changed = any(
                getattr(stored, f) != getattr(message, f) for f in (*TEXT_FIELDS, "valid_from", "valid_until")
            )
            message.state = stored.state
            if changed and stored.state in {S.SUBMITTED, S.APPROVED}:
                # The log keeps the texts that were approved, the message the new ones.
                was = {f: getattr(stored, f) for f in TEXT_FIELDS}
                _set_state(message, S.DRAFT, person, _("Changed after approval: to be approved again."), was)
                message.approved_by, message.approved_at = None, None
            message.updated_at = timezone.now()
            message.save()
            audit.record(person, "keymessage.update", message, before=before, after=audit.snapshot(message))
        else:
            message.created_by, message.state = person, S.DRAFT
            message.save()
            KeyMessageEvent.objects.create(
                message=message, actor=person, to_state=S.DRAFT, texts={f: getattr(message, f) for f in TEXT_FIELDS}
            )
            audit.record(person, "keymessage.create", message, after=audit.snapshot(message))
    return message


def _transition(person, message, permission, to, action, note="", **fields):
    _require(person, permission, message)
    with transaction.atomic():
        message = KeyMessage.objects.select_for_update().get(pk=message.pk)
        _set_state(message, to, person, note)
        for name, value in fields.items():
            setattr(message, name, value)
        message.save(update_fields=["state", *fields])
        audit.record(person, action, message, note=note)
    return message


def submit(person, message: KeyMessage) -> KeyMessage:
    errors = check(message)
    if errors:
        raise MessageError(errors)
    return _transition(person, message, "outreach.write", S.SUBMITTED, "keymessage.submit")


def approve(person, message: KeyMessage) -> KeyMessage:
    """A leader approves; never the message's own author (two people see every message)."""
    _require(person, "outreach.approve", message)
    if message.created_by_id and person.pk == message.created_by_id:
        raise MessageError(_("A message is approved by a leader other than its author."))
    return _transition(
        person, message, "outreach.approve", S.APPROVED, "keymessage.approve",
        approved_by=person, approved_at=timezone.now(),
    )  # fmt: skip


def return_to_draft(person, message: KeyMessage, reason: str) -> KeyMessage:
    reason, error = check_text(reason, _("Reason"))
    if error or not reason:
        raise MessageError(error or _("Say why the message goes back."))
    return _transition(person, message, "outreach.approve", S.DRAFT, "keymessage.return", reason)


def retire(person, message: KeyMessage) -> KeyMessage:
    return _transition(person, message, "outreach.write", S.RETIRED, "keymessage.retire")


def reopen(person, message: KeyMessage) -> KeyMessage:
    return _transition(
        person, message, "outreach.write", S.DRAFT, "keymessage.reopen", approved_by=None, approved_at=None
    )


def make_audio(person, message: KeyMessage):
    """Read the approved message's loudspeaker script aloud (outreach.audio): WAV and MP3 kept
    with the words as read and the measured duration. The same script and voice are read once."""
    from django.core.files.base import ContentFile

    from . import audio
    from .models import Script

    if not can(person, "outreach.audio") or not can_see(person, message):
        raise PermissionDenied
    if not message.is_usable or not message.loudspeaker_text:
        raise MessageError(_("Only an approved message with a loudspeaker script, valid today, is read aloud."))
    existing = message.scripts.filter(source=message.loudspeaker_text, voice=audio.DEFAULT_VOICE).first()
    if existing is not None:
        return existing
    try:
        result = audio.synthesize(message.loudspeaker_text)
    except (audio.SpeechError, ValueError) as error:
        raise MessageError(str(error)) from error
    script = Script(
        message=message, source=message.loudspeaker_text, spoken=result.spoken, voice=result.voice,
        seconds=result.seconds, created_by=person,
    )  # fmt: skip
    name = f"thong-diep-{message.pk}-{timezone.now():%Y%m%d%H%M%S}"
    script.wav.save(f"{name}.wav", ContentFile(result.wav), save=False)
    script.mp3.save(f"{name}.mp3", ContentFile(result.mp3), save=False)
    script.save()
    audit.record(
        person, "keymessage.audio", message, after={"voice": result.voice, "seconds": round(result.seconds, 1)}
    )
    return script
