"""The owner's texts on the API, in the reader's language (cabinet.content_i18n): the request's
Accept-Language when it names one of the interface languages, else the person's own language,
else the active one (the cabinet's default)."""

from django.conf import settings
from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework import serializers
from rest_framework.request import Request

from cabinet.content_i18n import tr


def api_language(request: Request | None) -> str | None:
    if request is None:
        return None
    known = dict(settings.LANGUAGES)
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        base = code.split("-")[0].lower()
        if base in known:
            return base
    user = getattr(request, "user", None)
    language = getattr(user, "language", "") if user and user.is_authenticated else ""
    return language if language in known else None


class Localized(serializers.CharField):
    """A translatable text of the object, read in the request's language."""

    def __init__(self, field: str, **kwargs: object) -> None:
        self.text_field = field
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: object) -> str:
        return tr(value, self.text_field, api_language(self.context.get("request")))


class TranslationsField(serializers.DictField):
    """{"de": {"name": "…", "description": "…"}, …}: the texts in the cabinet's other content
    languages (the ordinary fields hold its default language's)."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault(
            "help_text",
            "Texts per content language other than the cabinet's default: "
            '{"de": {"name": "…"}}. A language or field left out has no translation.',
        )
        super().__init__(child=serializers.DictField(child=serializers.CharField()), **kwargs)
