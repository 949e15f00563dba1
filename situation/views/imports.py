"""The figures from a CSV or XLSX file, with a dry run (situation.importer)."""

from django.http import HttpResponse

from core.access import requires


@requires("situation.enter")
def import_figures(request):
    return HttpResponse("TODO")
