"""The API answers in JSON with a Vietnamese `detail` even where Django or django-ninja would
answer in HTML or English: a method the address does not take (405), an address that does not
exist (404), a body over the upload limit (413) or otherwise refused before the endpoint ran (400).
A machine pushing data reads one kind of error whatever went wrong."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import JsonResponse
from django.utils.translation import gettext as _

PREFIX = "/api/"


class ApiErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(PREFIX) or response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            json = _error(
                405,
                _("This address does not take %(method)s; it takes: %(allowed)s.")
                % {"method": request.method, "allowed": allowed},
            )
            json["Allow"] = allowed
            return json
        if response.status_code == 404 and not request.path.startswith(f"{PREFIX}v1/docs"):
            return _error(404, _("Not found."))
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith(PREFIX):
            return None
        if isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20
            return _error(413, _("The body sent is larger than %(mb)d MB: send fewer rows at a time.") % {"mb": limit})
        if isinstance(exception, SuspiciousOperation):
            return _error(400, _("The request was refused: %(reason)s") % {"reason": type(exception).__name__})
        return None


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False})
