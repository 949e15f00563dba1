"""Staff pages of the bulletin: list, today's draft, edit, submit/return/approve, files, resend."""

from django.http import HttpResponse

from core.access import requires


@requires("situation.view")
def bulletin_list(request):
    return HttpResponse("TODO")


@requires("situation.draft")
def bulletin_today(request):
    return HttpResponse("TODO")


@requires("situation.view")
def bulletin_detail(request, pk):
    return HttpResponse("TODO")


@requires("situation.draft")
def bulletin_edit(request, pk):
    return HttpResponse("TODO")


@requires("situation.view")
def bulletin_act(request, pk, operation):
    return HttpResponse("TODO")


@requires("situation.view")
def bulletin_file(request, pk, fmt):
    return HttpResponse("TODO")


@requires("situation.distribute")
def delivery_resend(request, pk):
    return HttpResponse("TODO")
