"""Chinese first: the interface language follows the user's explicit choice only, never the browser.

Django's LocaleMiddleware would follow Accept-Language, so an officer whose browser asks for
English would get a half-translated page. Here the language is the `django_language` cookie (set by
Django's set_language view) when present, else LANGUAGE_CODE (zh-hans).
"""

from django.conf import settings
from django.utils import translation


class ChineseFirstLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
