"""Checking one section's values, the same way for the web form, the API and the import.

`clean_section` turns raw input (strings from a form or a CSV cell, numbers or lists from JSON)
into stored values, or returns a Vietnamese message per field naming the field and what is
expected. Nothing is saved by this module.

`outliers` compares numbers with the unit's own history: a value far from the median of its last
reports (a robust rule: the median absolute deviation, not the mean, so one odd week does not
move the yardstick) is flagged and needs a comment before the section can be submitted.
"""

import re
import statistics
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.models import CODE_RE, OrgUnit
from core.validation import check_text

from .models import FormField, Submission

MAX_COUNT = 100_000  # far above any district's week; stops typos like 10000000
MAX_COMMUNES = 500
HISTORY_CYCLES = 12
MIN_HISTORY = 4


@dataclass
class Checked:
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)  # field code -> message

    @property
    def ok(self) -> bool:
        return not self.errors


def _whole_number(raw, fld: FormField, limit: int):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if isinstance(raw, bool):
        return None, _("“%(field)s”: enter a whole number.") % {"field": fld.shown_label}
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str):
        text = (
            raw.strip().replace(".", "").replace(" ", "")
            if re.fullmatch(r"\d{1,3}([. ]\d{3})+", raw.strip())
            else raw.strip()
        )
        if not re.fullmatch(r"[+-]?\d{1,12}", text):
            return None, _("“%(field)s”: enter a whole number (digits only), not “%(value)s”.") % {
                "field": fld.shown_label,
                "value": raw.strip()[:40],
            }
        raw = int(text)
    if not isinstance(raw, int):
        return None, _("“%(field)s”: enter a whole number.") % {"field": fld.shown_label}
    if raw < 0:
        return None, _("“%(field)s”: must be 0 or more.") % {"field": fld.shown_label}
    if raw > limit:
        return None, _("“%(field)s”: must be at most %(limit)s.") % {
            "field": fld.shown_label,
            "limit": f"{limit:,}".replace(",", "."),
        }
    return raw, None


def _text(raw, fld: FormField):
    return check_text(raw, fld.shown_label)


def _communes(raw, fld: FormField, district: OrgUnit):
    if raw in (None, "", []):
        return [], None
    if isinstance(raw, str):
        raw = [c for c in re.split(r"[\s,;]+", raw) if c]
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
        return None, _("“%(field)s”: give a list of commune codes.") % {"field": fld.shown_label}
    if len(raw) > MAX_COMMUNES:
        return None, _("“%(field)s”: at most %(limit)d communes.") % {"field": fld.shown_label, "limit": MAX_COMMUNES}
    codes = list(dict.fromkeys(c.strip() for c in raw))
    bad = [c for c in codes if not CODE_RE.match(c)]
    if bad:
        return None, _("“%(field)s”: %(codes)s is not a commune of %(district)s.") % {
            "field": fld.shown_label,
            "codes": ", ".join(repr(c)[1:-1][:20] for c in bad[:5]),
            "district": district.name,
        }
    if any(len(c) > 16 for c in codes):
        return None, _("“%(field)s”: a commune code has at most 16 characters.") % {"field": fld.shown_label}
    found = set(
        OrgUnit.objects.filter(code__in=codes, path__startswith=district.path, depth__gt=district.depth).values_list(
            "code", flat=True
        )
    )
    unknown = [c for c in codes if c not in found]
    if unknown:
        return None, _("“%(field)s”: %(codes)s is not a commune of %(district)s.") % {
            "field": fld.shown_label,
            "codes": ", ".join(unknown[:5]),
            "district": district.name,
        }
    return codes, None


def clean_section(
    fields: list[FormField], raw: dict, *, district: OrgUnit, window_minutes: int, complete: bool
) -> Checked:
    """`complete` is for submitting: required fields must then be filled."""
    checked = Checked()
    if not isinstance(raw, dict):
        checked.errors["__all__"] = _("The values must be an object of field codes.")
        return checked
    known = {f.code for f in fields}
    for code in raw:
        if code not in known:
            checked.errors[str(code)[:40]] = _("“%(code)s” is not a field of this section.") % {"code": str(code)[:40]}
    for fld in fields:
        value = raw.get(fld.code)
        if fld.kind == FormField.Kind.COUNT:
            value, error = _whole_number(value, fld, MAX_COUNT)
        elif fld.kind == FormField.Kind.MINUTES:
            value, error = _whole_number(value, fld, MAX_COUNT * 100)
            if not error and value is not None and value > window_minutes:
                error = _(
                    "“%(field)s”: %(value)d minutes is more than the %(limit)s minutes of the period covered."
                ) % {"field": fld.shown_label, "value": value, "limit": f"{window_minutes:,}".replace(",", ".")}
                value = None
        elif fld.kind == FormField.Kind.COMMUNES:
            value, error = _communes(value, fld, district)
        else:
            value, error = _text(value, fld)
        if error:
            checked.errors[fld.code] = error
            continue
        if complete and fld.required and value in (None, "", []):
            checked.errors[fld.code] = _("“%(field)s” is required.") % {"field": fld.shown_label}
            continue
        checked.values[fld.code] = value
    return checked


def total_of(fields: list[FormField], values: dict) -> int:
    return sum(values.get(f.code) or 0 for f in fields if f.in_total and f.is_number)


def history(submission: Submission) -> dict[str, list[int]]:
    """The unit's numbers in its last reported cycles of the same form, newest first."""
    rows = (
        Submission.objects.filter(
            org_unit_id=submission.org_unit_id,
            section_id=submission.section_id,
            cycle__form_id=submission.cycle.form_id,
            cycle__due_at__lt=submission.cycle.due_at,
            state__in=[Submission.State.SUBMITTED, Submission.State.ACCEPTED],
            nothing_to_report=False,
        )
        .order_by("-cycle__due_at")
        .values_list("values", flat=True)[:HISTORY_CYCLES]
    )
    out: dict[str, list[int]] = {}
    for values in rows:
        for code, value in (values or {}).items():
            if isinstance(value, int) and not isinstance(value, bool):
                out.setdefault(code, []).append(value)
    return out


def is_outlier(value: int, past: list[int]) -> tuple[bool, float]:
    median = statistics.median(past)
    mad = statistics.median(abs(v - median) for v in past)
    # 1.4826 * MAD estimates the standard deviation; 3 of them, and never less than half the
    # median or 5 (small counts vary a lot in relative terms).
    threshold = max(3 * 1.4826 * mad, 0.5 * median, 5)
    return abs(value - median) > threshold, median


def outliers(submission: Submission, fields: list[FormField], values: dict) -> dict[str, str]:
    past = history(submission)
    flags = {}
    for fld in fields:
        value = values.get(fld.code)
        series = past.get(fld.code, [])
        if not fld.is_number or value is None or len(series) < MIN_HISTORY:
            continue
        far, median = is_outlier(value, series)
        if far:
            flags[fld.code] = _(
                "“%(field)s”: %(value)s is far from this unit's usual figure (median %(median)s over its "
                "last %(count)d reports). Check it, and explain it in a comment."
            ) % {"field": fld.shown_label, "value": value, "median": f"{median:g}", "count": len(series)}
    return flags
