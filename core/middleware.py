import logging

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .audit import current_ip
from .clientip import client_ip

log = logging.getLogger(__name__)


class LanguageMiddleware:
    """Vietnamese unless the person chose English (the language cookie set by the switch).

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is ignored: an official
    system answers in Vietnamese on an English-language phone too."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response


class RequestContextMiddleware:
    """Makes the client address available to the audit log for the length of a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


class MetricsMiddleware:
    """Counts each request and its time for /metrics (core.health.count_request). First in the
    list, so it times everything; it never fails a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        start = time.perf_counter()
        response = self.get_response(request)
        try:
            from .health import count_request

            count_request(request.method, response.status_code, time.perf_counter() - start)
        except Exception:  # metrics must never break a page (a cache down: /healthz says so)
            log.debug("request not counted", exc_info=True)
        return response


class DatabaseUnavailableMiddleware:
    """A request that fails because the database cannot be reached (restarting, failing over, out
    of connections) gets 503 and a short page asking to try again, not the 500 page of a bug.

    Django turns an exception in a view or in any middleware below this one into a 500 response
    on the spot; the got_request_exception signal, sent at that moment, marks the request when
    the exception was the database's, and the 500 becomes this 503 on its way out. The page is
    static (no database, no context processors). Retrying is safe: a write the database did not
    commit left nothing, and one it did commit before the connection dropped is answered as it
    would be the second time (a report sent twice is two tips, never none). Next to it,
    CONN_HEALTH_CHECKS drops a kept connection that died with the server."""

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        from django.core.signals import got_request_exception

        self.get_response = get_response
        got_request_exception.connect(_mark_database_failure, dispatch_uid="core.middleware.database-down")

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "_tincay_database_down", False):
            from django.http import HttpResponse
            from django.template.loader import render_to_string

            response = HttpResponse(render_to_string("503.html"), status=503)
            response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
            response["Cache-Control"] = "no-store"
        return response


def _mark_database_failure(sender, request=None, **kwargs):
    import sys

    from django.db import InterfaceError, OperationalError, connections

    # Django's own wrappers, and the driver's errors themselves: a few paths let those through
    # unwrapped (closing a server-side cursor on a dropped connection, found by the drill).
    kinds = [OperationalError, InterfaceError]
    for connection in connections.all(initialized_only=True):
        kinds += [connection.Database.OperationalError, connection.Database.InterfaceError]
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, tuple(kinds)):
        request._tincay_database_down = True
        log.warning("database unavailable: %s %s answered 503 (%s)", request.method, request.path, error)
