"""How fast the event store writes and the rate limiter decides, per backend and writer count.

    python -m benchmarks.store [--backends sqlite,postgresql] [--writers 1,4,16] [--ops 2000]

Each configuration gets a fresh database (a temporary SQLite file, or a
temporary PostgreSQL schema that is dropped afterwards). Writers are threads,
each acting for its own client, as concurrent users of one replica would.
Limit checks use limits high enough that every check is counted, the slower
path. Prints a table; asserts nothing.

On a shared machine the wall-clock p95 mostly measures waiting for a CPU, so
the table also gives the p95 of the thread's own CPU time per check.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from safety.clock import utc_now
from safety.ratelimit import RateLimiter, RateLimits
from safety.store import EventStore, RequestEvent
from safety.verdict import Action

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COUNT_EVERYTHING = RateLimits(per_minute=10**9, per_day=10**9, block_cooldown_count=None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--writers", default="1,4,16")
    parser.add_argument("--ops", type=int, default=2000, help="events and checks per run")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SAFECANVAS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
    )
    args = parser.parse_args(argv)
    writer_counts = [int(count) for count in args.writers.split(",")]

    print(
        f"{'backend':<11}{'writers':>8}{'events/s':>10}{'checks/s':>10}"
        f"{'check p50 ms':>14}{'check p95 ms':>14}{'CPU p95 ms':>12}"
    )
    for backend in args.backends.split(","):
        for writers in writer_counts:
            try:
                with fresh_database(backend, args.postgres_url) as url:
                    row = measure(url, writers, args.ops)
            except Exception as error:  # report and go on: one backend down is still a result
                print(f"{backend:<11}{writers:>8}  unavailable: {type(error).__name__}: {error}")
                break
            print(
                f"{backend:<11}{writers:>8}{row.events_per_s:>10.0f}{row.checks_per_s:>10.0f}"
                f"{row.check_p50_ms:>14.2f}{row.check_p95_ms:>14.2f}{row.check_cpu_p95_ms:>12.2f}"
            )
    print(
        f"\nSQLite {sqlite3.sqlite_version}, WAL: events commit with synchronous=FULL, "
        f"limit checks with NORMAL; {os.cpu_count()} CPUs"
    )
    print("command:", " ".join(["python -m benchmarks.store", *(argv or sys.argv[1:])]))


@contextmanager
def fresh_database(backend: str, postgres_url: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{Path(directory) / 'bench.db'}"
        return
    if backend != "postgresql":
        raise ValueError(f"unknown backend {backend!r}")
    schema = f"safecanvas_bench_{secrets.token_hex(4)}"
    admin = create_engine(postgres_url, connect_args={"connect_timeout": 3})
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@dataclass(frozen=True)
class Row:
    events_per_s: float
    checks_per_s: float
    check_p50_ms: float
    check_p95_ms: float
    check_cpu_p95_ms: float


def measure(url: str, writers: int, ops: int) -> Row:
    """Throughput and limit-check latency for `writers` threads sharing `ops` of each."""
    with EventStore.from_url(url, write_timeout_s=60) as store:
        limiter = RateLimiter(store, COUNT_EVERYTHING, utc_now)
        clients = [secrets.token_hex(16) for _ in range(writers)]
        per_writer = max(1, ops // writers)

        def write_events(index: int) -> list[Timing]:
            event = sample_event(clients[index])
            return timed(per_writer, lambda: store.record_event(event))

        def check_limits(index: int) -> list[Timing]:
            return timed(per_writer, lambda: limiter.acquire(clients[index]))

        events_wall, _ = run_threads(writers, write_events)
        checks_wall, timings = run_threads(writers, check_limits)
    total = per_writer * writers
    wall = statistics.quantiles([timing.wall for timing in timings], n=100)
    cpu = statistics.quantiles([timing.cpu for timing in timings], n=100)
    return Row(
        total / events_wall, total / checks_wall, wall[49] * 1e3, wall[94] * 1e3, cpu[94] * 1e3
    )


def sample_event(client_hash: str) -> RequestEvent:
    return RequestEvent(
        time=utc_now(),
        client_hash=client_hash,
        session_id=secrets.token_hex(8),
        mode="txt2img",
        prompt="a watercolour lighthouse on a cliff at dusk, soft light",
        normalized_prompt="a watercolour lighthouse on a cliff at dusk, soft light",
        negative_prompt="blurry, low quality",
        action=Action.ALLOW,
        categories=("violence",),
        scores={"violence": 0.02, "sexual": 0.01, "self_harm": 0.0},
        checks=("keywords", "semantic", "image"),
        model_id="bundled/tiny-sd",
        policy_version="1",
        timings={"prompt_checks_ms": 11.2, "generate_ms": 2400.0, "image_checks_ms": 28.0},
        details={"seed": 1234, "steps": 20, "width": 512, "height": 512},
    )


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # this thread's own CPU time: what the operation costs, minus waiting


def timed(count: int, operation: Callable[[], object]) -> list[Timing]:
    timings = []
    for _ in range(count):
        wall, cpu = time.perf_counter(), time.thread_time()
        operation()
        timings.append(Timing(time.perf_counter() - wall, time.thread_time() - cpu))
    return timings


def run_threads(writers: int, work: Callable[[int], list[float]]) -> tuple[float, list[float]]:
    """Start all writers together; (wall seconds, every operation's latency)."""
    start = threading.Barrier(writers + 1)

    def worker(index: int) -> list[Timing]:
        start.wait()
        return work(index)

    with ThreadPoolExecutor(writers) as pool:
        futures = [pool.submit(worker, index) for index in range(writers)]
        start.wait()
        began = time.perf_counter()
        results = [future.result() for future in futures]
        wall = time.perf_counter() - began
    return wall, [timing for result in results for timing in result]


if __name__ == "__main__":
    main()
