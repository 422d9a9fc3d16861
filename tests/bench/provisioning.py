"""Provisioning benchmark: signup -> usable cabinet, side by side, in one run.

    make bench-provisioning        (= .venv/bin/python -m tests.bench.provisioning)

Three ways of making the new tenant's schema, each for the real tenant schema and for one padded
with 25 more tables (the bench-only tenant app tests.bench.padding):

  (a) warm pool    tenants.pool.spare_claim renames a spare cloned ahead of time (the default);
  (b) clone        the pool is empty (TENANT_POOL_SIZE=0): tenants.schema_templates.clone_template
                   copies the vertical's template schema (django-tenants' clone_schema function);
  (c) migrations   what django-tenants does without a template (TenantMixin.create_schema):
                   CREATE SCHEMA + `migrate_schemas --tenant --schema=<name>`. No production code
                   changes for it: the server runs with KABINET_BENCH_SCHEMA_STEP=migrate, so its
                   settings take the platform host's URLs from tests.bench.stock_signup_urls,
                   which, when the server imports it, points tenants.services' spare_claim and
                   clone_template at tests.bench.stock_schema (no spare; CREATE SCHEMA + migrate).

Measured twice:
  - the schema step alone, in-process (tests.bench.provisioning_agent), each repetition inside
    a transaction on a fresh database connection, committed (commit timed apart), then dropped;
  - the whole signup over HTTP against gunicorn (2 sync workers): POST /api/v1/signup/ on
    `localhost`, GET and POST the hand-off URL on `<slug>.localhost` (keeping the cookies),
    GET /staff/ (must be 200 and name the business): that sequence is "signup -> usable cabinet".
    Signups run one after another; for (a) the bench refills the pool between them, outside the
    timing (the server's own on-commit refill task goes to a filesystem broker that no worker
    reads, in a temporary data directory).
Where the signup POST's time goes is reported twice: from the server itself, in every HTTP
signup (tests.bench.server_timing, a bench-only middleware, answers with a Server-Timing header:
Argon2, schema step, receivers, COMMIT, SQL), and for an in-process warm-pool signup in more
detail (form validation, on-commit hooks, hand-off token).

Databases: kabinet_bench_prov_real and kabinet_bench_prov_padded, dropped and created at the
start and dropped at the end, on DATABASE_URL's server when it is set, else on 127.0.0.1:5432
when something listens there, else on the embedded PostgreSQL of `make run`. Only 127.0.0.1 is
contacted. Runs in about two minutes.
"""

import http.client
import json
import os
import re
import secrets
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.bench.harness import (
    BASE_DIR,
    PYTHON,
    BenchError,
    bench_env,
    database_name,
    drop_database,
    exit_cleanly_on_sigterm,
    gunicorn,
    quantile,
    recreate_database,
    say,
    server_url,
    stop_process_group,
    tail,
)
from tests.bench.loadgen import LOCALHOST

VERTICAL = "hotel"
PLATFORM_HOST = "localhost"
SIGNUP_PATH = "/api/v1/signup/"
WORKERS = 2
# The pool size the server runs with in mode (a): the project's default.
POOL_SIZE = 2
AGENT_TIMEOUT_SECONDS = 300
HTTP_TIMEOUT_SECONDS = 120

# Repetitions: the in-process schema step, then the signups over HTTP (after WARMUP_SIGNUPS that
# are not measured: a worker's first requests load URLconfs, templates and the migration graph).
STEP_REPS = {"claim": 20, "clone": 20, "migrate": 10}
SIGNUPS = {"claim": 15, "clone": 15, "migrate": 8}
WARMUP_SIGNUPS = 2
PROFILE_SIGNUPS = 5
CLONE_LEAK_CYCLES = 10

# The issue's goals.
GOAL_CLAIM_MS = 20.0
GOAL_FLAT_RATIO = 1.5  # padded/real p50 of the warm-pool step: "flat in schema size"
GOAL_SIGNUP_SECONDS = 0.25

MIN_PADDED_TABLES = 40


@dataclass(frozen=True)
class Variant:
    name: str
    database: str
    settings: str


@dataclass(frozen=True)
class Mode:
    key: str  # the agent's name for its schema step
    letter: str
    label: str
    server_env: dict[str, str]


VARIANTS = (
    Variant("real", "kabinet_bench_prov_real", "tests.bench.provisioning_settings"),
    Variant("padded", "kabinet_bench_prov_padded", "tests.bench.provisioning_settings_padded"),
)
MODES = (
    Mode("claim", "a", "(a) warm pool", {"TENANT_POOL_SIZE": str(POOL_SIZE)}),
    Mode("clone", "b", "(b) clone", {"TENANT_POOL_SIZE": "0"}),
    Mode(
        "migrate",
        "c",
        "(c) migrations",
        {"TENANT_POOL_SIZE": "0", "KABINET_BENCH_SCHEMA_STEP": "migrate"},
    ),
)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def p50_p95(samples: Sequence[float]) -> str:
    return f"{ms(quantile(samples, 0.5))} / {ms(quantile(samples, 0.95))}"


# --- The Django side: one agent process per variant -----------------------------------------------


class Agent:
    """tests.bench.provisioning_agent under a variant's settings, in its own process group."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [PYTHON, "-m", "tests.bench.provisioning_agent"],
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                start_new_session=True,
            )

    def call(self, op: str, **arguments: Any) -> Any:
        stdin, stdout = self.process.stdin, self.process.stdout
        if stdin is None or stdout is None:
            raise BenchError("the agent has no pipes")
        try:
            stdin.write(json.dumps({"op": op, **arguments}) + "\n")
            stdin.flush()
        except BrokenPipeError as exc:
            raise BenchError(f"the agent died:\n{tail(self.log_path)}") from exc
        readable, _, _ = select.select([stdout], [], [], AGENT_TIMEOUT_SECONDS)
        line = stdout.readline() if readable else ""
        if not line:
            raise BenchError(f"the agent did not answer {op!r}:\n{tail(self.log_path)}")
        answer = json.loads(line)
        if not answer["ok"]:
            raise BenchError(f"agent {op}: {answer['error']}\n{tail(self.log_path)}")
        return answer["result"]

    def close(self) -> None:
        if self.process.poll() is None and self.process.stdin is not None:
            with suppress(OSError):
                self.process.stdin.write('{"op": "quit"}\n')
                self.process.stdin.close()
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        stop_process_group(self.process)


@contextmanager
def agent(env: dict[str, str], log_path: Path) -> Iterator[Agent]:
    running = Agent(env, log_path)
    try:
        yield running
    finally:
        running.close()


# --- The HTTP client ----------------------------------------------------------------------------


class HttpClient:
    """http.client to 127.0.0.1 with a Host header per request (so `*.localhost` needs no DNS)
    and a cookie jar per host, as a browser keeps one."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, SimpleCookie] = {}

    def request(
        self,
        method: str,
        host: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        jar = self.cookies.setdefault(host, SimpleCookie())
        sent = {"Host": host, **(headers or {})}
        if jar:
            sent["Cookie"] = "; ".join(f"{key}={morsel.value}" for key, morsel in jar.items())
        connection = http.client.HTTPConnection(LOCALHOST, self.port, timeout=HTTP_TIMEOUT_SECONDS)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            jar.load(cookie)
        return response.status, response.headers, content


@dataclass
class SignupSample:
    post: float
    handoff_get: float
    handoff_post: float
    staff_get: float
    server: dict[str, float]  # the signup POST's Server-Timing, in seconds

    @property
    def total(self) -> float:
        return self.post + self.handoff_get + self.handoff_post + self.staff_get


CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def expect(condition: bool, what: str, status: int, body: bytes) -> None:
    if not condition:
        raise BenchError(f"{what}: answered {status} {body[:400]!r}")


def signup_to_cabinet(port: int, slug: str) -> SignupSample:
    """One business signs up over HTTP and reaches its staff back office, signed in."""
    client = HttpClient(port)
    platform = f"{PLATFORM_HOST}:{port}"
    name = f"Bench {slug}"
    payload = {
        "business_name": name,
        "slug": slug,
        "vertical": VERTICAL,
        "owner_email": f"owner@{slug}.example.com",
        "password": secrets.token_urlsafe(16),
        "language": "en",
    }
    started = time.perf_counter()
    status, headers, body = client.request(
        "POST",
        platform,
        SIGNUP_PATH,
        json.dumps(payload).encode(),
        {"Content-Type": "application/json"},
    )
    posted = time.perf_counter()
    expect(status == 201, f"POST {SIGNUP_PATH}", status, body)
    server = server_timing(headers.get("Server-Timing", ""))
    handoff = urlsplit(json.loads(body)["handoff_url"])
    cabinet = handoff.netloc
    status, _, page = client.request("GET", cabinet, f"{handoff.path}?{handoff.query}")
    shown = time.perf_counter()
    csrf = CSRF_INPUT.search(page)
    expect(status == 200 and csrf is not None, f"GET {handoff.path} on {cabinet}", status, page)
    assert csrf is not None
    form = urlencode(
        {"t": parse_qs(handoff.query)["t"][0], "csrfmiddlewaretoken": csrf[1].decode()}
    ).encode()
    status, headers, body = client.request(
        "POST",
        cabinet,
        handoff.path,
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://{cabinet}",
        },
    )
    signed_in = time.perf_counter()
    location = headers.get("Location", "")
    expect(status == 302 and location.endswith("/staff/"), "POST the hand-off", status, body)
    status, _, page = client.request("GET", cabinet, urlsplit(location).path)
    done = time.perf_counter()
    expect(status == 200 and name.encode() in page, f"GET /staff/ on {cabinet}", status, page)
    return SignupSample(
        posted - started, shown - posted, signed_in - shown, done - signed_in, server
    )


def server_timing(header: str) -> dict[str, float]:
    """tests.bench.server_timing's header: {label: seconds}, and "statements": a count."""
    timings: dict[str, float] = {}
    for entry in filter(None, (part.strip() for part in header.split(","))):
        label, _, rest = entry.partition(";")
        if rest.startswith("dur="):
            timings[label] = float(rest.removeprefix("dur=")) / 1000
        elif rest.startswith("desc="):
            timings[label] = float(rest.removeprefix("desc=").strip('"'))
    return timings


# --- The run ------------------------------------------------------------------------------------


@dataclass
class VariantResult:
    variant: Variant
    tables: dict[str, int] = field(default_factory=dict)
    steps: dict[str, Any] = field(default_factory=dict)
    signups: dict[str, list[SignupSample]] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    clone_leak: dict[str, Any] = field(default_factory=dict)


def run_variant(
    variant: Variant, url: str, workdir: Path, run_tag: str, *, with_leak: bool
) -> VariantResult:
    result = VariantResult(variant)
    data_dir = workdir / variant.name
    env = bench_env(url, settings_module=variant.settings, data_dir=data_dir, TENANT_POOL_SIZE="0")
    for inherited in ("REDIS_URL", "CELERY_BROKER_URL", "KABINET_BENCH_SCHEMA_STEP"):
        env.pop(inherited, None)  # no shared broker or cache: the temporary data dir has both
    say(f"[{variant.name}] database {database_name(url)}, settings {variant.settings}")
    with agent(env, workdir / f"agent-{variant.name}.log") as django_side:
        setup = django_side.call("setup")
        say(
            "  setup: "
            + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in setup["seconds"].items())
        )
        result.tables = django_side.call("tables", vertical=VERTICAL)
        say(f"  tables per schema: {result.tables}")

        started = time.monotonic()
        result.steps = django_side.call("steps", vertical=VERTICAL, reps=STEP_REPS)
        say(
            f"  schema step in-process, {STEP_REPS} repetitions: {time.monotonic() - started:.0f} s"
        )
        if with_leak:
            result.clone_leak = django_side.call(
                "clone_leak", vertical=VERTICAL, cycles=CLONE_LEAK_CYCLES
            )

        for mode in MODES:
            result.signups[mode.key] = http_signups(
                django_side, env, mode, variant, workdir, run_tag
            )

        django_side.call("pool_fill", vertical=VERTICAL, size=POOL_SIZE)
        result.profile = django_side.call(
            "profile",
            vertical=VERTICAL,
            signups=PROFILE_SIGNUPS,
            slug_prefix=f"p{variant.name[0]}-{run_tag}",
            pool_size=POOL_SIZE,
        )
    return result


def http_signups(
    django_side: Agent, env: dict[str, str], mode: Mode, variant: Variant, workdir: Path, tag: str
) -> list[SignupSample]:
    started = time.monotonic()
    if mode.key == "claim":
        django_side.call("pool_fill", vertical=VERTICAL, size=POOL_SIZE)
    else:
        django_side.call("pool_drain")
    server_env = {**env, **mode.server_env}
    log_path = workdir / f"gunicorn-{variant.name}-{mode.key}.log"
    samples: list[SignupSample] = []
    refills: list[float] = []
    with gunicorn(
        server_env,
        log_path,
        probe_path="/",
        probe_host=PLATFORM_HOST,
        workers=WORKERS,
        extra_args=("--timeout", str(HTTP_TIMEOUT_SECONDS)),
    ) as port:
        prefix = f"{variant.name[0]}{mode.letter}-{tag}-"
        for index in range(WARMUP_SIGNUPS + SIGNUPS[mode.key]):
            slug = f"{prefix}{index}"
            try:
                sample = signup_to_cabinet(port, slug)
            except (BenchError, OSError, http.client.HTTPException) as exc:
                raise BenchError(f"{mode.label}, {variant.name}: {exc}\n{tail(log_path)}") from exc
            if index >= WARMUP_SIGNUPS:
                samples.append(sample)
            if mode.key == "claim":
                fill = django_side.call("pool_fill", vertical=VERTICAL, size=POOL_SIZE)
                refills.append(fill["seconds"])
    # Each signup must have made its schema the way its mode says.
    provisioned = django_side.call("provisioned", slug_prefix=prefix)
    wrong = provisioned["not_from_pool" if mode.key == "claim" else "from_pool"]
    if wrong or sum(provisioned.values()) != WARMUP_SIGNUPS + len(samples):
        raise BenchError(f"{mode.label}, {variant.name}: schemas made otherwise: {provisioned}")
    refilled = (
        f" (pool refilled after each: {sum(refills) / len(refills):.2f} s on average, "
        f"last {refills[-1]:.2f} s)"
        if refills
        else ""
    )
    say(
        f"  {mode.label}: {WARMUP_SIGNUPS} + {len(samples)} signups over HTTP, "
        f"{time.monotonic() - started:.0f} s{refilled}"
    )
    return samples


# --- Report -------------------------------------------------------------------------------------


def report(results: list[VariantResult]) -> bool:
    by_name = {result.variant.name: result for result in results}
    say()
    say("Tables per tenant schema (information_schema, BASE TABLE):")
    for result in results:
        counts = result.steps["tables"]
        say(
            f"  {result.variant.name:<7} {counts['claim']} (warm pool) / {counts['clone']} (clone) "
            f"/ {counts['migrate']} (migrations); template {result.tables.get('tpl_base')}"
        )
    say()
    header = (
        f"{'mode':<16}{'schema':<8}{'tables':>7}{'schema step ms':>18}{'commit ms':>11}"
        f"{'HTTP POST ms':>18}{'signup->usable ms':>22}{'n':>5}"
    )
    say("p50 / p95; schema step in-process (commit apart); HTTP over 127.0.0.1, one at a time")
    say(header)
    say("-" * len(header))
    for mode in MODES:
        for result in results:
            step = result.steps[mode.key]
            signups = result.signups[mode.key]
            say(
                f"{mode.label:<16}{result.variant.name:<8}{result.steps['tables'][mode.key]:>7}"
                f"{p50_p95(step['seconds']):>18}{ms(quantile(step['commit_seconds'], 0.5)):>11}"
                f"{p50_p95([s.post for s in signups]):>18}"
                f"{p50_p95([s.total for s in signups]):>22}{len(signups):>5}"
            )
    say()
    say("Signup -> usable cabinet over HTTP, p50 per request (ms):")
    say(f"  {'mode':<16}{'schema':<8}{'POST signup':>12}{'GET handoff':>13}{'POST handoff':>14}"
        f"{'GET /staff/':>13}")  # fmt: skip
    for mode in MODES:
        for result in results:
            signups = result.signups[mode.key]
            parts = [
                quantile([getattr(s, part) for s in signups], 0.5)
                for part in ("post", "handoff_get", "handoff_post", "staff_get")
            ]
            say(
                f"  {mode.label:<16}{result.variant.name:<8}{ms(parts[0]):>12}{ms(parts[1]):>13}"
                f"{ms(parts[2]):>14}{ms(parts[3]):>13}"
            )
    report_server_timing(results)
    report_details(results)
    return report_goals(by_name)


SERVER_PARTS = ("django", "argon2", "schema", "receivers", "commit", "sql")


def report_server_timing(results: list[VariantResult]) -> None:
    say()
    say(
        f"Inside the server, POST {SIGNUP_PATH} (tests.bench.server_timing's Server-Timing "
        "header), p50 ms:"
    )
    header = (
        f"  {'mode':<16}{'schema':<8}{'round trip':>11}{'in Django':>10}{'outside':>9}"
        f"{'argon2':>8}{'schema step':>12}{'receivers':>10}{'commit':>8}{'SQL':>7}{'stmts':>7}"
    )
    say(header)
    for mode in MODES:
        for result in results:
            signups = result.signups[mode.key]

            def p50(part: str, samples: list[SignupSample] = signups) -> float:
                return quantile([sample.server.get(part, 0.0) for sample in samples], 0.5)

            round_trip = quantile([sample.post for sample in signups], 0.5)
            outside = quantile([s.post - s.server.get("django", 0.0) for s in signups], 0.5)
            columns = "".join(
                f"{ms(p50(part)):>{width}}"
                for part, width in zip(SERVER_PARTS[1:], (8, 12, 10, 8, 7), strict=True)
            )
            say(
                f"  {mode.label:<16}{result.variant.name:<8}{ms(round_trip):>11}"
                f"{ms(p50('django')):>10}{ms(outside):>9}{columns}{p50('statements'):>7.0f}"
            )
    say(
        "  outside = round trip - in Django (gunicorn, HTTP on 127.0.0.1, the client); "
        "receivers include argon2"
    )


def report_details(results: list[VariantResult]) -> None:
    say()
    say("Where a clone's time goes (in-process, mean per clone):")
    for result in results:
        clone = result.steps["clone"]
        mean = sum(clone["seconds"]) / len(clone["seconds"])
        parts = ", ".join(f"{label} {ms(seconds)} ms" for label, seconds in clone["parts"].items())
        rest = mean - sum(clone["parts"].values())
        say(
            f"  {result.variant.name:<7} {ms(mean)} ms = {parts}, "
            f"SELECT clone_schema(...) and the rest {ms(rest)} ms"
        )
    for result in results:
        if not result.clone_leak:
            continue
        say()
        say(
            f"Clones in a row on one connection ({result.variant.name}): the statement after "
            "each clone + DROP, ms"
        )
        for variant, samples in result.clone_leak.items():
            after = " ".join(ms(seconds) for seconds in samples["next_statement"])
            clones = " ".join(ms(seconds) for seconds in samples["clone"])
            say(f"  clone function {variant:<23} next statement: {after}   (clones: {clones})")
    for result in results:
        profile = result.profile
        say()
        say(
            f"Where an in-process warm-pool signup (POST {SIGNUP_PATH}, Django's WSGI handler, no "
            f"HTTP) goes, {result.variant.name} schema, mean of {len(profile['totals'])} (ms):"
        )
        total = sum(profile["totals"]) / len(profile["totals"])
        say(f"  whole request {ms(total)} (p50 {ms(quantile(profile['totals'], 0.5))})")
        for label, seconds in profile["parts"].items():
            say(f"  {label:<66}{ms(seconds):>8}")
        accounted = sum(
            seconds for label, seconds in profile["parts"].items() if not label.startswith(" ")
        )
        say(f"  {'the rest (middleware, DRF, JSON, routing)':<66}{ms(total - accounted):>8}")
        sql = profile["sql"]
        say(f"  SQL: {sql['statements']:.0f} statements, {ms(sql['seconds'])} ms in total")


def report_goals(by_name: dict[str, VariantResult]) -> bool:
    say()
    real, padded = by_name["real"], by_name["padded"]
    claim_real = real.steps["claim"]["seconds"]
    claim_padded = padded.steps["claim"]["seconds"]
    worst_p95 = max(quantile(claim_real, 0.95), quantile(claim_padded, 0.95))
    step_met = worst_p95 * 1000 <= GOAL_CLAIM_MS
    say(
        f"goal: warm-pool schema step <= {GOAL_CLAIM_MS:.0f} ms (p95, both sizes): "
        f"{'met' if step_met else 'NOT met'} (worst p95 {ms(worst_p95)} ms)"
    )
    ratios = {
        mode.key: quantile(padded.steps[mode.key]["seconds"], 0.5)
        / quantile(real.steps[mode.key]["seconds"], 0.5)
        for mode in MODES
    }
    flat_met = ratios["claim"] <= GOAL_FLAT_RATIO
    tables = f"{padded.steps['tables']['claim']}/{real.steps['tables']['claim']} tables"
    say(
        f"goal: warm-pool step flat in schema size (padded/real p50 <= {GOAL_FLAT_RATIO}, "
        f"{tables}): {'met' if flat_met else 'NOT met'} ({ratios['claim']:.2f}x; "
        f"clone {ratios['clone']:.2f}x, migrations {ratios['migrate']:.2f}x)"
    )
    signup_met = True
    for result in (real, padded):
        totals = [sample.total for sample in result.signups["claim"]]
        posts = [sample.post for sample in result.signups["claim"]]
        met = quantile(totals, 0.5) <= GOAL_SIGNUP_SECONDS
        signup_met = signup_met and met
        say(
            f"goal: warm-pool signup -> usable cabinet over HTTP p50 <= {GOAL_SIGNUP_SECONDS} s "
            f"({result.variant.name}): {'met' if met else 'NOT met'} "
            f"({quantile(totals, 0.5):.3f} s; the POST alone {quantile(posts, 0.5):.3f} s)"
        )
    padded_tables = padded.steps["tables"]["claim"]
    if padded_tables < MIN_PADDED_TABLES:
        say(
            f"WARNING: the padded schema has {padded_tables} tables, fewer than {MIN_PADDED_TABLES}"
        )
    goal_met = step_met and flat_met and signup_met
    say(f"GOALS {'MET' if goal_met else 'NOT MET'}")
    return goal_met


def main() -> int:
    exit_cleanly_on_sigterm()
    started = time.monotonic()
    run_tag = secrets.token_hex(2)
    say("provisioning benchmark")
    load_average, cpus = os.getloadavg()[0], os.cpu_count() or 1
    say(f"  {cpus} CPUs shared by client, server and PostgreSQL; 1-minute load {load_average:.2f}")
    if load_average > cpus / 2:
        say("  WARNING: the machine is busy; the numbers below will be noisy")
    say(
        f"  vertical {VERTICAL}; schema step repetitions {STEP_REPS}; signups over HTTP "
        f"{SIGNUPS} after {WARMUP_SIGNUPS} unmeasured each (fewer for migrations: slow)"
    )
    urls = {variant.name: server_url(variant.database) for variant in VARIANTS}
    results: list[VariantResult] = []
    with ExitStack() as cleanup, tempfile.TemporaryDirectory(prefix="kabinet-bench-prov-") as tmp:
        for variant in VARIANTS:
            cleanup.callback(drop_scratch_database, urls[variant.name])
            recreate_database(urls[variant.name])
        for variant in VARIANTS:
            results.append(
                run_variant(
                    variant,
                    urls[variant.name],
                    Path(tmp),
                    run_tag,
                    with_leak=variant.name == "real",
                )
            )
    report(results)  # like bench-routing: the exit status says whether it ran, not the goals
    say()
    say(
        "(c) was produced without changing production code: the server ran with "
        "KABINET_BENCH_SCHEMA_STEP=migrate, so tests.bench.provisioning_settings routed the "
        "platform host through tests.bench.stock_signup_urls, which replaced "
        "tenants.services.spare_claim/clone_template in the server process with "
        "tests.bench.stock_schema (CREATE SCHEMA + migrate_schemas, no starter content)."
    )
    say(f"total time {time.monotonic() - started:.0f} s")
    return 0


def drop_scratch_database(url: str) -> None:
    try:
        drop_database(url)
        say(f"dropped database {database_name(url)}")
    except Exception as exc:  # report, and keep dropping the others
        sys.stderr.write(f"could not drop database {database_name(url)}: {exc}\n")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.stderr.write(f"provisioning benchmark failed: {error}\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.stderr.write("provisioning benchmark interrupted\n")
        sys.exit(130)
