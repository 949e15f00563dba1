"""Reading and checking an org-unit CSV (`code,name,level,parent_code`).

`parse` turns bytes into rows and line-numbered problems; `plan` compares the rows with the
database (unknown parents, cycles, what would be created or changed). Nothing is written here:
core.actions.import_orgunits applies a plan without errors, all of it or nothing.
"""

import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from vntext import fold, nfc

from .models import CODE_RE, OrgUnit

COLUMNS = ("code", "name", "level", "parent_code")
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
NAME_MAX = OrgUnit._meta.get_field("name").max_length

# Level names accepted besides the stored values, compared accent-free.
LEVEL_WORDS = {
    "province": OrgUnit.Level.PROVINCE,
    "tinh": OrgUnit.Level.PROVINCE,
    "thanh pho truc thuoc trung uong": OrgUnit.Level.PROVINCE,
    "district": OrgUnit.Level.DISTRICT,
    "huyen": OrgUnit.Level.DISTRICT,
    "commune": OrgUnit.Level.COMMUNE,
    "xa": OrgUnit.Level.COMMUNE,
    "phuong": OrgUnit.Level.COMMUNE,
    "thi tran": OrgUnit.Level.COMMUNE,
    "village": OrgUnit.Level.VILLAGE,
    "ap": OrgUnit.Level.VILLAGE,
    "khu pho": OrgUnit.Level.VILLAGE,
}


@dataclass
class Row:
    line: int
    code: str
    name: str
    level: str
    parent_code: str


@dataclass
class Problem:
    line: int
    message: str

    def __str__(self):
        if self.line:
            return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}
        return self.message


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    create: list[Row] = field(default_factory=list)
    update: list[tuple[Row, dict]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def parse(data: bytes) -> tuple[list[Row], list[Problem]]:
    if len(data) > MAX_BYTES:
        return [], [Problem(0, _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20})]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [], [
            Problem(
                line,
                _('the file is not UTF-8 text (save it as "CSV UTF-8"); byte %(pos)d cannot be read.')
                % {"pos": exc.start + 1},
            )
        ]
    if "\x00" in text:
        return [], [Problem(0, _("The file contains binary data; expected a CSV text file."))]
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = next(reader, None)
    except csv.Error as exc:
        return [], [Problem(1, _("the CSV cannot be read: %(error)s") % {"error": exc})]
    if header is None:
        return [], [Problem(0, _("The file is empty."))]
    header = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [
            Problem(
                1,
                _("the header must have the columns %(expected)s; missing: %(missing)s.")
                % {"expected": ",".join(COLUMNS), "missing": ", ".join(missing)},
            )
        ]
    index = {c: header.index(c) for c in COLUMNS}
    rows, problems, seen = [], [], {}
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                problems.append(Problem(line, _("more than %(n)d rows.") % {"n": MAX_ROWS}))
                break
            if len(values) != len(header):
                problems.append(
                    Problem(
                        line,
                        _("expected %(expected)d columns, found %(found)d.")
                        % {"expected": len(header), "found": len(values)},
                    )
                )
                continue
            row = Row(line, *(nfc(values[index[c]]) for c in COLUMNS))
            row_problems = _check_row(row, seen)
            problems.extend(row_problems)
            if not row_problems:
                seen[row.code] = line
                rows.append(row)
    except csv.Error as exc:
        problems.append(Problem(reader.line_num, _("the CSV cannot be read: %(error)s") % {"error": exc}))
    if not rows and not problems:
        problems.append(Problem(0, _("The file has a header but no rows.")))
    return rows, problems


def _check_row(row: Row, seen: dict[str, int]) -> list[Problem]:
    problems = []
    if not row.code:
        problems.append(Problem(row.line, _("the code is empty.")))
    elif not CODE_RE.match(row.code):
        problems.append(
            Problem(
                row.line,
                _('code "%(code)s" is not valid (1 to 16 letters, digits, dots, dashes).') % {"code": row.code[:40]},
            )
        )
    elif row.code in seen:
        problems.append(
            Problem(
                row.line,
                _("code %(code)s is a duplicate of line %(first)d.") % {"code": row.code, "first": seen[row.code]},
            )
        )
    if not row.name:
        problems.append(Problem(row.line, _("the name is empty.")))
    elif len(row.name) > NAME_MAX:
        problems.append(Problem(row.line, _("the name is longer than %(n)d characters.") % {"n": NAME_MAX}))
    level = LEVEL_WORDS.get(fold(row.level))
    if level is None:
        problems.append(
            Problem(
                row.line,
                _('level "%(level)s" is unknown; use province, district, commune or village.')
                % {"level": row.level[:40]},
            )
        )
    else:
        row.level = level
    if row.parent_code and row.parent_code == row.code:
        problems.append(Problem(row.line, _("unit %(code)s is its own parent.") % {"code": row.code}))
    return problems


def plan(data: bytes) -> Plan:
    rows, problems = parse(data)
    result = Plan(rows=rows, problems=problems)
    if problems:
        return result
    existing = {u.code: u for u in OrgUnit.objects.select_related("parent")}
    parent_of = {code: (u.parent.code if u.parent_id else "") for code, u in existing.items()}
    for row in rows:
        parent_of[row.code] = row.parent_code
    for row in rows:
        if row.parent_code and row.parent_code not in parent_of:
            result.problems.append(
                Problem(
                    row.line,
                    _("parent code %(parent)s is neither in the file nor in the database.")
                    % {"parent": row.parent_code},
                )
            )
    for row in rows:
        cycle = _cycle_from(row.code, parent_of)
        if cycle:
            result.problems.append(
                Problem(row.line, _("the parents form a cycle: %(cycle)s.") % {"cycle": " → ".join(cycle)})
            )
    if result.problems:
        return result
    for row in rows:
        unit = existing.get(row.code)
        if unit is None:
            result.create.append(row)
            continue
        changes = {}
        for name, old, new in (
            ("name", unit.name, row.name),
            ("level", unit.level, row.level),
            ("parent_code", parent_of_existing(unit), row.parent_code),
        ):
            if old != new:
                changes[name] = (old, new)
        if not unit.is_active:
            changes["is_active"] = (False, True)
        if changes:
            result.update.append((row, changes))
        else:
            result.unchanged += 1
    return result


def parent_of_existing(unit: OrgUnit) -> str:
    return unit.parent.code if unit.parent_id else ""


def _cycle_from(code: str, parent_of: dict[str, str]) -> list[str] | None:
    chain, current = [], code
    while current:
        if current in chain:
            return [*chain[chain.index(current) :], current]
        chain.append(current)
        current = parent_of.get(current, "")
    return None


def depth_order(codes: set[str], parent_of: dict[str, str]) -> list[str]:
    """Codes sorted so that every parent comes before its children."""

    def depth(code):
        d = 0
        while (code := parent_of.get(code, "")) != "":
            d += 1
        return d

    return sorted(codes, key=lambda c: (depth(c), c))
