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
