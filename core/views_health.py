"""/healthz and /metrics (core.health). Both answer without a session: a load balancer reads the
status code of /healthz; the details, and /metrics, need a session or an API token
(`Authorization: Bearer tc_…`) of someone with the permission system.health (the administrators,
the IT centre). Never cached."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from . import health
from .access import can, public, two_factor_ok
from .models import ApiToken


def _authorised(request) -> bool:
    user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
    if user is not None and not two_factor_ok(request):
        user = None  # a password-only session where two-factor is due: as if anonymous
    if user is None:
        header = request.headers.get("Authorization", "")
        found = ApiToken.active(header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else "")
        user = found.person if found else None
    return user is not None and can(user, "system.health")


@public
@never_cache
def healthz(request):
    status, checks = health.report()
    body = {"status": status}
    if _authorised(request):
        body["checks"] = checks
    return JsonResponse(body, status=503 if status == "fail" else 200, json_dumps_params={"ensure_ascii": False})


@public
@never_cache
def metrics(request):
    if not _authorised(request):
        response = HttpResponse("401 Unauthorized: a token with the permission system.health\n", status=401,
                                content_type="text/plain; charset=utf-8")  # fmt: skip
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(health.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
