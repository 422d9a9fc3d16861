"""Load generators for the benchmarks: wrk when it is installed (apt-get install wrk), else a
threaded Python client with http.client keep-alive. Both only ever talk to 127.0.0.1."""

import http.client
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass

LOCALHOST = "127.0.0.1"


@dataclass(frozen=True)
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors, timeouts and non-2xx answers
    error_detail: str = ""


def ensure_wrk() -> str | None:
    """The path of wrk, installing it with apt when we may; None when it cannot be had."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    quiet = {
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
        "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        "timeout": 180,
    }
    try:
        subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, **quiet)
    except subprocess.TimeoutExpired:
        return None
    return shutil.which("wrk")


_DURATION_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _wrk_duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if match is None:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match[1]) * _DURATION_UNITS_MS[match[2]]


def parse_wrk(output: str) -> LoadResult:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (rps and total and p50 and p99):
        raise ValueError(f"cannot read wrk's output:\n{output}")
    errors = 0
    details = []
    socket_errors = re.search(r"Socket errors: .*", output)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors[0]))
        details.append(socket_errors[0])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx[1])
        details.append(non_2xx[0])
    return LoadResult(
        requests_per_second=float(rps[1]),
        p50_ms=_wrk_duration_ms(p50[1]),
        p99_ms=_wrk_duration_ms(p99[1]),
        requests=int(total[1]),
        errors=errors,
        error_detail="; ".join(details),
    )


def run_wrk(
    wrk: str, *, port: int, path: str, host: str, seconds: float, threads: int, connections: int
) -> LoadResult:
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        "--timeout",
        "2s",
        "-H",
        f"Host: {host}",
        f"http://{LOCALHOST}:{port}{path}",
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 30
    )
    return parse_wrk(completed.stdout)


def run_python_load(
    *, port: int, path: str, host: str, seconds: float, threads: int, connections: int
) -> LoadResult:
    """The fallback: `connections` threads, each a keep-alive http.client loop (it reconnects by
    itself when the server closes, as gunicorn's sync workers do). The GIL makes it slower than
    wrk, so compare its numbers with each other only."""
    del threads  # one thread per connection here
    deadline = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def worker(index: int) -> None:
        client = http.client.HTTPConnection(LOCALHOST, port, timeout=2)
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    client.request("GET", path, headers={"Host": host})
                    response = client.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    errors[index] += 1
                    client.close()
                    continue
                latencies[index].append(time.perf_counter() - started)
                if response.status != 200:
                    errors[index] += 1
        finally:
            client.close()

    started = time.monotonic()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.monotonic() - started
    samples = sorted(sample for per_thread in latencies for sample in per_thread)
    if len(samples) < 2:
        raise RuntimeError(f"the Python load generator got no answers from {path}")
    cut_points = statistics.quantiles(samples, n=100, method="inclusive")
    return LoadResult(
        requests_per_second=len(samples) / elapsed,
        p50_ms=cut_points[49] * 1000,
        p99_ms=cut_points[98] * 1000,
        requests=len(samples),
        errors=sum(errors),
        error_detail=f"{sum(errors)} failed requests or non-200 answers" if any(errors) else "",
    )
