"""The figures from a CSV or XLSX file (situation.importer), in two steps: the file and the date
for rows without one give a dry run that shows what would change; confirming applies it. Between
the steps the file waits under a random token known only to this session (core.uploads.keep,
as the listening exports do), and it is checked again when applied: figures may have changed."""

import datetime

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core import filetypes
from core import uploads as held_files
from core.access import requires
from core.forms import check_upload
from listening.uploads import TEXT_ENCODINGS

from .. import figures as fig
from .. import importer
from .entry import province_of

SESSION_KEY = "situation_imports"  # token -> {"date": the page's date, "name": the file's name}
KEEP_AT_MOST = 5  # files waiting for confirmation in one session
SHOWN_CHANGES = 500
SHOWN_PROBLEMS = 200


class ImportForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date of the figures"),
        help_text=gettext_lazy("For the rows of the file without a date."),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    file = forms.FileField(
        label=gettext_lazy("CSV or XLSX file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Figures cannot be given for a future day."))
        return day

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # By content; text in the encodings the importer reads (it decodes as listening.uploads does).
        check_upload(
            upload,
            filetypes.check_table,
            self.fields["file"].label,
            max_bytes=importer.MAX_BYTES,
            encodings=TEXT_ENCODINGS,
            max_unpacked=importer.MAX_UNPACKED,
        )
        return upload


def _day(raw, today: datetime.date) -> datetime.date:
    """?date=YYYY-MM-DD, or today when absent, not a date or in the future."""
    try:
        day = datetime.date.fromisoformat((raw or "").strip()[:10])
    except ValueError:
        return today
    return min(day, today)


@requires("situation.enter")
@require_http_methods(["GET", "POST"])
def import_figures(request):
    root = province_of(request)
    today = timezone.localdate()
    day = _day(request.GET.get("date"), today)
    if request.method == "GET" and request.GET.get("template") == "1":
        response = HttpResponse(importer.template_csv(root, day), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="mau-so-lieu-{day.isoformat()}.csv"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, root)
    form = ImportForm(request.POST or None, request.FILES or None, initial={"date": day})
    if request.method == "GET":
        return _page(request, form, day)
    if not form.is_valid():
        return _page(request, form, day, status=400)
    upload, day = form.cleaned_data["file"], form.cleaned_data["date"]
    data = upload.read()
    result = importer.run(request.user, root, data, day, filename=upload.name, dry_run=True)
    token = ""
    if result.ok and (result.new or result.changed):
        token = _keep(request, data, day, upload.name)
        form = ImportForm(initial={"date": day})  # a new upload replaces this one
    return _page(request, form, day, result=result, token=token, filename=upload.name, status=200 if result.ok else 422)


def _keep(request, data: bytes, day: datetime.date, name: str) -> str:
    token = held_files.keep(data, timezone.now())
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = {"date": day.isoformat(), "name": name[:100]}
    for old in list(pending)[:-KEEP_AT_MOST]:
        held_files.forget(old)
        del pending[old]
    request.session[SESSION_KEY] = pending
    return token


def _release(request, token: str) -> None:
    held_files.forget(token)
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending


def _confirm(request, root):
    """Step 2: apply the file kept at step 1 (or drop it)."""
    token = request.POST.get("token", "")
    waiting = request.session.get(SESSION_KEY, {}).get(token)
    if waiting is None:
        messages.error(request, _("The uploaded file is no longer here: upload it again."))
        return redirect("situation:import")
    if request.POST.get("action") == "cancel":
        _release(request, token)
        messages.info(request, _("Import cancelled: nothing was changed."))
        return redirect(reverse("situation:import") + f"?date={waiting['date']}")
    try:
        data = held_files.kept(token)
    except FileNotFoundError:
        _release(request, token)
        messages.error(request, _("The uploaded file is no longer here: upload it again."))
        return redirect("situation:import")
    day = datetime.date.fromisoformat(waiting["date"])
    result = importer.run(request.user, root, data, day, filename=waiting["name"], dry_run=False)
    _release(request, token)
    if not result.ok:  # the figures changed since the dry run
        form = ImportForm(initial={"date": day})
        return _page(request, form, day, result=result, filename=waiting["name"], status=422)
    messages.success(
        request,
        _("Imported: %(new)d new values, %(changed)d changed, %(unchanged)d unchanged.")
        % {"new": result.new, "changed": result.changed, "unchanged": result.unchanged},
    )
    dates = [d.date for d in result.days]
    shown = day if day in dates or not dates else max(dates)
    return redirect(reverse("situation:entry") + f"?date={shown.isoformat()}")


def _page(request, form, day, *, result=None, token="", filename="", status=200):
    changes = result.changes if result is not None else []
    context = {
        "form": form,
        "day": day,
        "indicators": fig.indicators(),
        "max_rows": importer.MAX_ROWS,
        "max_mb": importer.MAX_BYTES // 2**20,
        "result": result,
        "token": token,
        "filename": filename,
        "changes": changes[:SHOWN_CHANGES],
        "more_changes": max(0, len(changes) - SHOWN_CHANGES),
        "problems": result.problems[:SHOWN_PROBLEMS] if result is not None else [],
        "more_problems": max(0, len(result.problems) - SHOWN_PROBLEMS) if result is not None else 0,
    }
    return render(request, "situation/import.html", context, status=status)
