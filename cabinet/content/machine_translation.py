"""Machine translation of the owner's texts, optional: the editors' "Suggest a translation"
fills the empty inputs of one language from the default language's, never what the owner wrote.

One interface (`Translator`), chosen by `MACHINE_TRANSLATION_BACKEND`: "none" (the default: no
button) or "libretranslate" (its `/translate` API, which a business may host itself), reached
through the egress guard like every outbound call. Tests use a local fake
(tests/support/fake_translate.py); nothing leaves the machine in tests.
"""

import logging
from collections.abc import MutableMapping
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cabinet.content.translations import translation_field_name
from tenants import egress

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 15
MAX_ANSWER_BYTES = 512 * 1024


class TranslationFailed(Exception):
    """The service could not translate now (unreachable, refused, an answer we cannot read)."""


class Translator(Protocol):
    def translate(self, texts: list[str], *, source: str, target: str) -> list[str]:
        """`texts` in `target`, in the same order."""


class LibreTranslate:
    """LibreTranslate's POST /translate: {"q": [...], "source", "target", "format", "api_key"}
    answered by {"translatedText": [...]}."""

    def __init__(self, url: str, api_key: str = "", *, allow_private: bool = False) -> None:
        self.url = url.rstrip("/") + "/translate"
        self.api_key = api_key
        self.allow_private = allow_private

    def translate(self, texts: list[str], *, source: str, target: str) -> list[str]:
        payload: dict[str, object] = {"q": texts, "source": source, "target": target,
                                      "format": "text"}  # fmt: skip
        if self.api_key:
            payload["api_key"] = self.api_key
        guarded = egress.session(allow_private=self.allow_private, timeout=TIMEOUT_SECONDS,
                                 max_bytes=MAX_ANSWER_BYTES)  # fmt: skip
        try:
            with guarded as http:
                response = http.post(self.url, json=payload)
            response.raise_for_status()
            answer = response.json().get("translatedText")
        except (egress.RequestFailed, ValueError, AttributeError) as exc:
            logger.warning("machine translation failed: %s", type(exc).__name__)
            raise TranslationFailed(type(exc).__name__) from exc
        if isinstance(answer, str):
            answer = [answer]
        if not isinstance(answer, list) or len(answer) != len(texts):
            raise TranslationFailed("unexpected answer")
        return [str(text) for text in answer]


def translator() -> Translator | None:
    """The configured translator, or None when machine translation is off."""
    backend = settings.MACHINE_TRANSLATION_BACKEND
    if backend in ("", "none"):
        return None
    if backend == "libretranslate":
        if not settings.MACHINE_TRANSLATION_URL:
            raise ImproperlyConfigured("MACHINE_TRANSLATION_URL is needed for libretranslate")
        return LibreTranslate(
            settings.MACHINE_TRANSLATION_URL,
            settings.MACHINE_TRANSLATION_API_KEY,
            allow_private=settings.MACHINE_TRANSLATION_ALLOW_PRIVATE,
        )
    raise ImproperlyConfigured(f"unknown MACHINE_TRANSLATION_BACKEND {backend!r}")


def suggest_into(
    data: MutableMapping[str, str],
    *,
    fields: list[str],
    source: str,
    target: str,
    service: Translator,
) -> list[str]:
    """Fill `data`'s empty `<field>__<target>` inputs with the translation of `<field>`; an input
    with text in it is left as it is. Returns the names of the fields filled."""
    wanted = [
        field
        for field in fields
        if str(data.get(field, "")).strip()
        and not str(data.get(translation_field_name(field, target), "")).strip()
    ]
    if not wanted:
        return []
    texts = service.translate([str(data[field]) for field in wanted], source=source,
                              target=target)  # fmt: skip
    for field, text in zip(wanted, texts, strict=True):
        data[translation_field_name(field, target)] = text
    return wanted
