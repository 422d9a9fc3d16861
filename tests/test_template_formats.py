"""A scan of every template and the app code: dates for people are named styles
(config/formats), never a hard-coded pattern with a month; counts use plural forms, never "(s)";
no month names through strftime."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [
    path
    for path in (ROOT / "frontend_templates").rglob("*")
    if path.suffix in {".html", ".txt"} and "static" not in path.relative_to(ROOT).parts[1:2]
]
DATE_FILTER = re.compile(r"""\|\s*date\s*:\s*(["'])(.*?)\1""")
MONTH_CHARACTERS = re.compile(r"(?<!\\)[MFEbN]")
STYLE_NAME = re.compile(r"^[A-Z_]+$")
STRFTIME_MONTH = re.compile(r"%[bB]\b|:%[^}\"']*%[bB]")


def test_the_scan_sees_the_templates():
    assert len(TEMPLATES) > 100


def test_no_template_hard_codes_a_date_pattern_with_a_month():
    offending = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in TEMPLATES
        for match in DATE_FILTER.finditer(path.read_text())
        if not STYLE_NAME.match(match.group(2)) and MONTH_CHARACTERS.search(match.group(2))
    ]
    assert offending == [], "name a style from config/formats instead"


def test_no_template_counts_with_brackets():
    offending = [str(path.relative_to(ROOT)) for path in TEMPLATES if "(s)" in path.read_text()]
    assert offending == [], "use {% blocktranslate count %}"


def test_no_code_prints_a_month_through_strftime():
    sources = [
        path
        for folder in ("api", "billing", "cabinet", "rbac", "tenants")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    ]
    offending = [
        str(path.relative_to(ROOT)) for path in sources if STRFTIME_MONTH.search(path.read_text())
    ]
    assert offending == [], "use django.utils.formats.date_format with a named style"


def test_the_scan_catches_what_it_forbids():
    # given the patterns that used to be in the templates / then the scan would flag each
    for bad in ('{{ x|date:"j M H:i" }}', "{{ x|date:'F Y' }}", '{{ x|date:"j E" }}'):
        (match,) = DATE_FILTER.finditer(bad)
        assert MONTH_CHARACTERS.search(match.group(2))
        assert not STYLE_NAME.match(match.group(2))
    assert not MONTH_CHARACTERS.search("Y-m-d")  # machine formats (input values) stay allowed
    assert STRFTIME_MONTH.search('f"{when:%d %b %H:%M}"')
