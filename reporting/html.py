"""The consolidation table's rows as HTML, written in Python: 700 districts x 8 cells through the
template engine took a few hundred milliseconds; this takes a few. Every value is escaped."""

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe


def district_rows(cycle, c) -> str:
    link = reverse("reporting:district_report", args=[cycle.pk, "UNITCODE"])
    out = []
    for row in c.rows:
        cells = [
            f'<td class="unit"><a href="{escape(link.replace("UNITCODE", row.org_unit.code))}">'
            f"{escape(row.org_unit.name)}</a></td>"
        ]
        cells += [f'<td class="num">{"" if v is None else escape(v)}</td>' for v in row.cells]
        cells.append(f'<td class="num">{row.total}</td>')
        for sub in row.states:
            if sub is None:
                cells.append("<td></td>")
                continue
            when = f' <span class="muted nowrap">{escape(sub.submitted_local)}</span>' if sub.is_reported else ""
            cells.append(f'<td><span class="badge {sub.status_class}">{escape(sub.status_label)}</span>{when}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(out))  # noqa: S308 (built from escaped values above)
