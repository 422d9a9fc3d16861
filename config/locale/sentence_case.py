"""Write config/locale/en/LC_MESSAGES/django.po: django-allauth's Title Case headings and buttons
("Sign In", "Email Addresses", "Two-Factor Authentication") in sentence case, as the rest of
the product writes them ("Sign in", "Email addresses", "Two-factor authentication"). Our locale
folder is searched before allauth's, so the English pages read as one product.

    .venv/bin/python config/locale/sentence_case.py     (again after upgrading allauth)
"""

from pathlib import Path

import allauth
import polib

KEEP = {"ID", "IP", "TOTP", "OpenID", "URL"}  # acronyms and names stay as they are
HERE = Path(__file__).parent


def sentence_case(text: str) -> str:
    first, *rest = text.split(" ")
    head, *tail = first.split("-")
    first = "-".join([head, *(_lower(part) for part in tail)])
    return " ".join([first, *(_lower(word) for word in rest)])


def _lower(word: str) -> str:
    parts = word.split("-")
    return "-".join(
        part if part in KEEP or "%(" in part or not part[:1].isupper() else part.lower()
        for part in parts
    )


def title_cased(msgid: str) -> bool:
    words = msgid.split(" ")
    return (
        "\n" not in msgid
        and len(msgid) <= 60
        and not msgid.endswith((".", ":"))
        and len(words) >= 2
        and sentence_case(msgid) != msgid
    )


def main() -> None:
    source = Path(allauth.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
    catalogue = polib.POFile()
    catalogue.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": "en",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    seen = set()
    for entry in polib.pofile(str(source)):
        key = (entry.msgctxt, entry.msgid)
        if entry.msgid_plural or key in seen or not title_cased(entry.msgid):
            continue
        seen.add(key)
        catalogue.append(
            polib.POEntry(
                msgctxt=entry.msgctxt, msgid=entry.msgid, msgstr=sentence_case(entry.msgid)
            )
        )
    target = HERE / "en" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(target / "django.po"))
    catalogue.save_as_mofile(str(target / "django.mo"))


if __name__ == "__main__":
    main()
