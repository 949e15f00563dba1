"""Staff pages of the figures: the overview, the entry grid, history, export, indicators."""

from django.http import HttpResponse

from core.access import requires


@requires("situation.view")
def home(request):
    return HttpResponse("TODO")


@requires("situation.enter")
def entry(request):
    return HttpResponse("TODO")


@requires("situation.enter")
def confirm(request):
    return HttpResponse("TODO")


@requires("situation.figures")
def history(request):
    return HttpResponse("TODO")


@requires("situation.figures")
def export_figures(request, fmt):
    return HttpResponse("TODO")


@requires("situation.configure")
def indicator_list(request):
    return HttpResponse("TODO")


@requires("situation.configure")
def indicator_edit(request, pk=None):
    return HttpResponse("TODO")
