"""The owner's texts on the API, in the reader's language (cabinet.content.translations):
the request's Accept-Language when it names one of the interface languages, else the person's
own language, else the active one (the cabinet's default)."""

from rest_framework import serializers

from cabinet.rest import Localized, api_language

__all__ = ["Localized", "TranslationsField", "api_language"]


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
