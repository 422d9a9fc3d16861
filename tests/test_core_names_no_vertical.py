"""Nothing outside a vertical names it (issue 21): the core's code — everything but the installed
verticals' own folders, tests, migrations and catalogues — holds no import of a vertical's
modules and no string that is a vertical's key, module path, URL namespace, permission or model
label, or template folder; the core's templates name none either. Prose is not scanned (comments
are not read, and a text merely mentioning "a hotel" is not one of the shapes above), so the
English word "shop" in a sentence collides with nothing. The one place a vertical is named is its
line in INSTALLED_APPS."""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from cabinet.verticals import verticals

ROOT = Path(__file__).resolve().parent.parent
CORE_PACKAGES = ("api", "cabinet", "config", "rbac", "billing", "tenants")
SKIPPED_PARTS = {"migrations", "locale", "__pycache__", "tests"}
# Its line in INSTALLED_APPS is how a vertical is installed: the one place that names it.
INSTALLED_APPS_FILE = Path("config/settings.py")


@dataclass(frozen=True)
class Names:
    key: str
    module: str  # "cabinet.hotel"
    label: str  # the app label: permissions "hotel.view_stay", models "hotel.Stay"
    folder: Path  # its code


def installed() -> list[Names]:
    return [
        Names(v.vertical_key, v.name, v.label, Path(v.path).relative_to(ROOT)) for v in verticals()
    ]


def core_files(names: list[Names], suffix: str, roots: tuple[str, ...]) -> list[Path]:
    files = []
    for root in roots:
        for path in sorted((ROOT / root).rglob(f"*{suffix}")):
            relative = path.relative_to(ROOT)
            if SKIPPED_PARTS & set(relative.parts):
                continue
            if any(relative.is_relative_to(n.folder) for n in names):
                continue
            files.append(relative)
    return files


def string_names(value: str, n: Names) -> bool:
    """A string literal that is (or begins with) a name of the vertical's: its key, a URL name
    in its namespaces ("hotel:", "hotel-staff:"), a permission or model label ("hotel."), a
    template of its folder ("hotel/"), or its module path anywhere."""
    if n.module in value:
        return True
    if value in (n.key, n.label):
        return True
    prefixes = (f"{n.label}:", f"{n.label}-staff:", f"{n.label}.", f"{n.label}/", f"{n.key}:")
    return value.startswith(prefixes)


def hits_in_python(path: Path, names: list[Names], text: str | None = None) -> list[str]:
    source = (ROOT / path).read_text() if text is None else text
    tree = ast.parse(source, filename=str(path))
    hits = []
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        for module in modules:
            hits += [
                f"{path}:{node.lineno} imports {module}"
                for n in names
                if module == n.module or module.startswith(f"{n.module}.")
            ]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if path == INSTALLED_APPS_FILE and node.value in {n.module for n in names}:
                continue
            hits += [
                f"{path}:{node.lineno} names {n.key!r} in {node.value[:60]!r}"
                for n in names
                if string_names(node.value, n)
            ]
    return hits


def template_pattern(n: Names) -> re.Pattern[str]:
    """In a template: its URL names ({% url 'hotel-staff:map' %}), its templates
    ({% include "hotel/_x.html" %}), its module path."""
    label = re.escape(n.label)
    return re.compile(
        rf"""["']{label}(-staff)?:|["']{label}/|{re.escape(n.module)}\b|vertical\s*==\s*["']"""
    )


def test_the_scan_knows_the_installed_verticals():
    names = installed()
    assert len(names) >= 3
    assert all(n.key and (ROOT / n.folder / "apps.py").exists() for n in names)


def test_no_core_python_module_names_a_vertical():
    # given
    names = installed()

    # when
    hits = [
        hit
        for path in core_files(names, ".py", CORE_PACKAGES)
        for hit in hits_in_python(path, names)
    ]

    # then
    assert hits == []


def test_no_core_template_names_a_vertical():
    # given
    names = installed()
    folders = {Path("frontend_templates") / n.label for n in names}

    # when
    hits = [
        f"{path}:{text.count(chr(10), 0, match.start()) + 1} {match.group(0)!r}"
        for path in core_files(names, ".html", ("frontend_templates",))
        if not any(path.is_relative_to(folder) for folder in folders)
        for n in names
        for text in [(ROOT / path).read_text()]
        for match in template_pattern(n).finditer(text)
    ]

    # then
    assert hits == []


def test_the_scan_finds_what_it_looks_for():
    # given: the shapes a core module could name a vertical in
    n = installed()[0]
    source = (
        f"from {n.module}.models import Thing\n"
        f"import {n.module}.services\n"
        f"KEY = {n.key!r}\n"
        f"URL = '{n.label}-staff:thing'\n"
        f"PERMISSION = '{n.label}.view_thing'\n"
        f"TEMPLATE = '{n.label}/_thing.html'\n"
        f"ENUMS = {{'ThingEnum': '{n.module}.models.Thing.Status'}}\n"
        f"PROSE = 'a word about a {n.key} in a sentence'\n"
    )

    # when
    hits = hits_in_python(Path("cabinet/probe.py"), [n], text=source)

    # then: every shape but the prose
    assert len(hits) == 8  # the two imports give the module and the module.name forms
    assert not any("a sentence" in hit for hit in hits)
