"""Fill config/locale/de/LC_MESSAGES/django.po from a JSON file of {msgid: msgstr} (a plural
message: {msgid: [singular, plural]}), then compile the .mo file and list what is still empty.

    .venv/bin/python manage.py makemessages -l de --ignore '.venv/*' --ignore 'tests/*'
    .venv/bin/python config/locale/translate_de.py [new_messages.json]

The .po file is the German text's home (makemessages keeps what is translated); this script only
fills empty or fuzzy entries, so a translator may equally edit the .po file directly.

Glossary — one word for one thing, formal «Sie», as German products write it:
    cabinet (the business's portal)  Portal          the product's name  Kabinet (a name, kept)
    client                           Kunde/Kunden    staff               Team / Mitarbeitende
    owner                            Inhaber         booking             Buchung
    order                            Bestellung      stay                Aufenthalt
    event                            Veranstaltung   service             Leistung
    offer                            Angebot         tier                Stufe
    loyalty (programme), points      Treueprogramm, Punkte
    membership                       Mitgliedschaft  wallet, balance     Guthaben
    top up                           aufladen        refund              Erstattung
    invoice                          Rechnung        voucher             Gutschein
    work request, work item          Anfrage, Aufgabe
    queue                            Warteschlange   canned answer       Textbaustein
    appointment                      Termin          review, survey      Bewertung, Umfrage
    custom field                     eigenes Feld    personal data       personenbezogene Daten
    sign in / out / up               anmelden / abmelden / registrieren
    email                            E-Mail          two-factor          Zwei-Faktor-
    audit trail                      Protokoll       role, permission    Rolle, Berechtigung

Long single words that label a phone's tab bar carry a soft hyphen (U+00AD, invisible unless the
line breaks there): Warte\u00adschlange, Nach\u00adrichten, Leis\u00adtungen, Rück\u00adsendungen,
Mein Aufent\u00adhalt; so do two long headings: Arbeits\u00adwarte\u00adschlange,
Benachrichtigungs\u00adeinstellungen.
"""

import json
import sys
from pathlib import Path

import polib

PO = Path(__file__).parent / "de" / "LC_MESSAGES" / "django.po"
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"
FORMS = 2  # German: singular and plural


def apply(catalogue: polib.POFile, texts: dict[str, str | list[str]]) -> int:
    filled = 0
    for entry in catalogue:
        text = texts.get(entry.msgid)
        if text is None:
            continue
        if entry.msgid_plural:
            if isinstance(text, list) and len(text) == FORMS:
                entry.msgstr_plural = dict(enumerate(text))
                filled += 1
        elif isinstance(text, str):
            entry.msgstr = text
            filled += 1
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    return filled


def main() -> None:
    catalogue = polib.pofile(str(PO))
    catalogue.metadata.update(
        {"Language": "de", "Plural-Forms": PLURAL_FORMS, "Language-Team": "Deutsch"}
    )
    for name in sys.argv[1:]:
        texts = json.loads(Path(name).read_text(encoding="utf-8"))
        print(f"{name}: {apply(catalogue, texts)} filled")  # noqa: T201
    catalogue.save(str(PO))
    catalogue.save_as_mofile(str(PO.with_suffix(".mo")))
    for entry in catalogue:
        empty = not all(entry.msgstr_plural.values()) if entry.msgid_plural else not entry.msgstr
        if empty or "fuzzy" in entry.flags:
            print(f"untranslated: {entry.msgid!r}")  # noqa: T201


if __name__ == "__main__":
    main()
