"""Tips that arrive by email: a message forwarded to the desk's mailbox, saved as .eml (or
exported from the mail client), becomes a tip of the "email" channel. The sender is kept as the
reporter's contact (encrypted like every reporter's), the subject and the plain text as the tip,
the first link as its URL. HTML-only messages are reduced to their text; attachments are not
opened here (they can be captured as evidence on the case)."""

import contextlib
import email
import email.policy
import email.utils
import hashlib
import re

from django.utils.translation import gettext as _

from core import filetypes
from vntext.markup import text_of_html

from . import actions
from .models import Tip

MAX_EML = 5 * 2**20
URL_RE = re.compile(r"https?://[^\s<>\"']+")


def _text_of(message) -> tuple[str, str]:
    """(plain text, first link) of a message's body."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):  # an unknown or lying charset
        content = part.get_payload(decode=True).decode("utf-8", "replace")
    link = URL_RE.search(content)  # in an HTML body, the links are in the tags (href)
    if part.get_content_type() == "text/html":
        content = text_of_html(content)
    return re.sub(r"[ \t]+", " ", content).strip(), link.group(0)[:1000] if link else ""


def tip_from_eml(actor, data: bytes):
    """One tip from one message; raises actions.Rejected with a message naming what is wrong."""
    if not data:
        raise actions.Rejected({"file": _("The file is empty.")})
    if len(data) > MAX_EML:
        raise actions.Rejected({"file": _("The message is larger than %(mb)d MB.") % {"mb": MAX_EML // 2**20}})
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        has_headers = bool(message.get("From") or message.get("Subject"))
        sender = email.utils.parseaddr(str(message.get("From", "")))
        subject = str(message.get("Subject", "")).strip()
        message_id = str(message.get("Message-ID", "")).strip()[:255]
        body, link = _text_of(message)
    except Exception:  # the email package fails in many ways on broken headers and parts
        raise actions.Rejected({"file": _("The message cannot be read: its headers or parts are damaged.")}) from None
    if not has_headers:
        raise actions.Rejected({"file": _("This is not an email message (.eml): it has no sender and no subject.")})
    source_id = message_id or "sha256:" + hashlib.sha256(data).hexdigest()
    seen = Tip.objects.filter(source_id=source_id).values_list("pk", flat=True).first()
    if seen:
        raise actions.Rejected({"file": _("Already taken in as tip TG-%(n)06d.") % {"n": seen}})
    text = "\n".join(part for part in (subject, body) if part)[:4000]
    tip = actions.record_tip(
        actor,
        channel="email",
        text=text,
        url=link,
        reporter_name=sender[0][:150],
        reporter_contact=sender[1][:200],
    )
    Tip.objects.filter(pk=tip.pk).update(source_id=source_id)
    return tip


def import_messages(actor, uploads) -> tuple[list, list]:
    """Uploaded .eml files as tips, all or nothing: one bad message and no tip is kept, so the
    batch can be sent again whole. Returns (tips, problems naming each file)."""
    from django.db import transaction

    tips, problems = [], []
    with transaction.atomic():
        for upload in uploads:
            name = actions._safe_name(upload.name)
            if upload.size > MAX_EML:
                problems.append(_("%(file)s: larger than %(mb)d MB.") % {"file": name, "mb": MAX_EML // 2**20})
                continue
            data = upload.read()
            try:
                # By content first: a program or a web page renamed .eml is not parsed as a message.
                filetypes.check_email(data, _("Email messages (.eml)"))
            except filetypes.Refused as refused:
                problems.append(f"{name}: {refused.message}")
                continue
            try:
                with transaction.atomic():
                    tips.append(tip_from_eml(actor, data))
            except actions.Rejected as e:
                problems.append(f"{name}: " + " ".join(str(v) for v in e.errors.values()))
        if problems:
            transaction.set_rollback(True)
            tips = []
    return tips, problems


def fetch_imap(url: str, limit: int = 200) -> tuple[list, list]:
    """Take the unread messages of the desk's mailbox as tips: imaps://user:password@host/Folder
    (imap:// only on a trusted network). A message becomes one tip (once, by its Message-ID) and
    is then marked read; one that cannot be read is marked read and flagged, and reported, so it
    is not tried again and again. Returns (tips, problems)."""
    import imaplib
    import ssl
    from urllib.parse import unquote, urlsplit

    from django.db import transaction

    parts = urlsplit(url)
    if parts.scheme not in {"imap", "imaps"} or not parts.hostname or not parts.username:
        raise ValueError("MISINFO_IMAP_URL must look like imaps://user:password@host/INBOX")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    if parts.scheme == "imaps":
        client = imaplib.IMAP4_SSL(parts.hostname, parts.port or 993, ssl_context=ssl.create_default_context(),
                                   timeout=30)  # fmt: skip
    else:
        client = imaplib.IMAP4(parts.hostname, parts.port or 143, timeout=30)
    tips, problems = [], []
    try:
        client.login(unquote(parts.username), unquote(parts.password or ""))
        client.select(folder)
        _typ, found = client.search(None, "UNSEEN")
        for number in found[0].split()[:limit]:
            _typ, fetched = client.fetch(number, "(BODY.PEEK[])")
            data = fetched[0][1] if fetched and isinstance(fetched[0], tuple) else b""
            try:
                with transaction.atomic():
                    tips.append(tip_from_eml(None, data))
            except actions.Rejected as e:
                problems.append(f"#{number.decode()}: " + " ".join(str(v) for v in e.errors.values()))
                client.store(number, "+FLAGS", "\\Flagged")
            client.store(number, "+FLAGS", "\\Seen")
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return tips, problems
