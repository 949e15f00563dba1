"""Known claims from a CSV list (`manage.py import_claims FILE.csv`): columns `id,text` and an
optional `verdict`. The `id` is kept as the claim's external id, so a re-import updates the
claims instead of duplicating them. Bad lines are reported by number and skipped; the good
lines are kept (each claim is independent of the others)."""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from core.validation import check_text
from vntext import fold, nfc

from . import actions
from .models import Case, Claim

VERDICTS = {
    "fake": "fake", "tin gia": "fake",
    "false": "false", "tin sai su that": "false", "sai su that": "false",
    "true": "true", "thong tin xac thuc": "true", "dung": "true", "dung su that": "true",
    "unproven": "unproven", "chua du can cu": "unproven",
}  # fmt: skip
MAX_BYTES = 20 * 2**20


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list = field(default_factory=list)


def import_claims(data: bytes, source: str = "") -> Result:
    result = Result()
    if len(data) > MAX_BYTES:
        result.problems.append(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20})
        return result
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        result.problems.append(
            _("The file is not UTF-8 text (byte %(pos)d). Save it as “CSV UTF-8”.") % {"pos": e.start + 1}
        )
        return result
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"id", "text"} <= {f.strip() for f in reader.fieldnames}:
        result.problems.append(_("Line 1: the columns must be id,text (and optionally verdict)."))
        return result
    seen: dict[str, int] = {}
    try:
        rows = list(reader)
    except csv.Error as e:
        result.problems.append(
            _("Line %(line)d: the CSV cannot be read (%(error)s).") % {"line": reader.line_num, "error": e}
        )
        return result
    for number, row in enumerate(rows, 2):
        row = {(k or "").strip(): (v or "") for k, v in row.items()}
        ext = row.get("id", "").strip()
        statement, error = check_text(row.get("text", ""), "text")
        verdict_raw = fold(row.get("verdict", "") or "").strip()
        if not ext or len(ext) > 64:
            result.problems.append(_("Line %(line)d: the id is empty or longer than 64 characters.") % {"line": number})
            continue
        if ext in seen:
            result.problems.append(_("Line %(line)d: the id %(id)s is already on line %(first)d.") % {
                "line": number, "id": ext, "first": seen[ext]})  # fmt: skip
            continue
        seen[ext] = number
        if error or not statement:
            result.problems.append(_("Line %(line)d: %(message)s") % {
                "line": number, "message": error or _("the text is empty.")})  # fmt: skip
            continue
        if verdict_raw and verdict_raw not in VERDICTS:
            result.problems.append(_("Line %(line)d: unknown verdict “%(verdict)s”.") % {
                "line": number, "verdict": row.get("verdict", "")[:40]})  # fmt: skip
            continue
        with transaction.atomic():
            _save(result, ext, nfc(statement), VERDICTS.get(verdict_raw), source)
    return result


def _save(result: Result, ext: str, statement: str, verdict: str | None, source: str) -> None:
    claim = Claim.objects.filter(external_id=ext).first()
    if claim is None:
        claim = Claim.objects.create(external_id=ext, statement=statement)
        result.created += 1
    elif claim.statement != statement:
        Claim.objects.filter(pk=claim.pk).update(statement=statement)
        result.updated += 1
        from portal.cache import bump

        bump()  # a published verdict's wording on the portal (update() sends no signal)
    else:
        result.unchanged += 1
    if not verdict:
        return
    case = actions.open_case(None, claim)
    if case.verdict == verdict:
        return
    if case.state in {Case.State.NEW, Case.State.CLOSED}:
        actions.change_state(None, case, Case.State.VERIFYING, _("Imported"))
    explanation = _("Verdict imported with the list of known claims %(file)s.") % {"file": source}
    actions.record_verdict(None, Case.objects.get(pk=case.pk), verdict, explanation)
