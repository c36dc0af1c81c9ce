"""Mixed load on the cluster of `scripts/cluster` (two API nodes behind HAProxy, a PostgreSQL
primary and standby, a broker, a close worker), with faults on a timetable, from locust in
this process: staff reads (the loan list, the portfolio summary, a loan, its schedule) and
repayments, at a stated mix, for a bounded time. Prints throughput, p50/p95/p99 and failures
per kind, then checks that nothing was lost: every acknowledged repayment is in the book once,
the close finished, the ledger proves.

Faults (seconds from the start): the broker restarted (5), an API node killed (10), the
standby stopped (15), the close started on the worker (20), the worker killed mid-close (22)
and started again (24), the API node back (30), the standby back (35).

Run: .venv/bin/python bench/cluster_load.py [--loans 2000] [--seconds 60] [--users 20]
(builds the cluster, runs, tears it down; needs root). No peer runs this shape here.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()  # before anything opens a socket: locust's users are gevent greenlets

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from locust import HttpUser, between, task  # noqa: E402
from locust.env import Environment  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = str(ROOT / "scripts" / "cluster")
BALANCER = "http://10.231.0.10:8080"
PRIMARY = "postgresql://postgres@10.231.0.11:5432/lms"
TOKEN: list[str] = []
LOANS: list[int] = []
ACKNOWLEDGED: list[str] = []
TIMELINE: list[str] = []


class Staff(HttpUser):
    """A branch officer or analyst reading: lists, the summary, a loan and its schedule."""

    weight = 7
    wait_time = between(0.05, 0.25)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKEN[0]}"

    @task(3)
    def loan_list(self) -> None:
        offset = random.randrange(0, max(1, len(LOANS) - 50))
        self.client.get("/api/v1/loans", params={"limit": 50, "offset": offset},
                        name="GET /loans (list)")  # fmt: skip

    @task(2)
    def summary(self) -> None:
        self.client.get("/api/v1/portfolio/summary", name="GET /portfolio/summary")

    @task(2)
    def loan(self) -> None:
        self.client.get(f"/api/v1/loans/{random.choice(LOANS)}", name="GET /loans/{id}")

    @task(1)
    def schedule(self) -> None:
        loan = random.choice(LOANS)
        self.client.get(f"/api/v1/loans/{loan}/schedule", name="GET /loans/{id}/schedule")


class Payer(HttpUser):
    """Repayments arriving (a UPI or NACH integration), each with its idempotency key."""

    weight = 3
    wait_time = between(0.05, 0.25)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKEN[0]}"

    @task
    def repay(self) -> None:
        reference = f"LOAD-{uuid.uuid4().hex[:20]}"
        body = {"amount": "100.00", "value_date": date.today().isoformat(),
                "reference": reference, "channel": "upi"}  # fmt: skip
        with self.client.post(
            f"/api/v1/loans/{random.choice(LOANS)}/repayments", json=body,
            headers={"Idempotency-Key": reference}, name="POST /loans/{id}/repayments",
            catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code == 201:
                ACKNOWLEDGED.append(reference)
            elif answer.status_code == 422:  # a loan closed meanwhile: refused, not an error
                answer.success()


def cluster(*args: str) -> str:
    done = subprocess.run([CLUSTER, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"scripts/cluster {' '.join(args)}: {done.stdout}{done.stderr}")
    return done.stdout


def faults(started: float, closing: list[subprocess.Popen[str]]) -> None:
    def at(second: float, what: str, *args: str) -> None:
        gevent.sleep(max(0.0, started + second - time.monotonic()))
        if args[0] == "close":
            closing.append(subprocess.Popen([CLUSTER, "close"], stdout=subprocess.PIPE, text=True))
            gevent.spawn(closed, closing[0], started)
        else:
            cluster(*args)
        TIMELINE.append(f"{time.monotonic() - started:5.1f} s  {what}")

    at(5, "broker stopped", "stop", "broker")
    at(5.5, "broker started again", "start", "broker")
    at(10, "API node api1 killed", "stop", "api1")
    at(15, "standby stopped", "stop", "replica")
    at(20, "close started on the worker", "close")
    at(22, "worker killed mid-close", "stop", "worker")
    at(24, "worker started again", "start", "worker")
    at(30, "API node api1 back", "start", "api1")
    at(35, "standby back", "start", "replica")


def closed(process: subprocess.Popen[str], started: float) -> None:
    process.wait()
    TIMELINE.append(
        f"{time.monotonic() - started:5.1f} s  close finished (exit {process.returncode})"
    )


def report(env: Environment, seconds: float) -> None:
    print(
        f"\n{'kind':<30} {'requests':>9} {'per s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'failed':>7}"
    )
    for (name, _), entry in sorted(env.stats.entries.items()):
        print(f"{name:<30} {entry.num_requests:>9,} {entry.num_requests / seconds:>7.1f} "
              f"{entry.get_response_time_percentile(0.5):>4.0f}ms "
              f"{entry.get_response_time_percentile(0.95):>4.0f}ms "
              f"{entry.get_response_time_percentile(0.99):>4.0f}ms {entry.num_failures:>7}")  # fmt: skip
    total = env.stats.total
    print(f"{'all':<30} {total.num_requests:>9,} {total.num_requests / seconds:>7.1f} "
          f"{total.get_response_time_percentile(0.5):>4.0f}ms "
          f"{total.get_response_time_percentile(0.95):>4.0f}ms "
          f"{total.get_response_time_percentile(0.99):>4.0f}ms {total.num_failures:>7}")  # fmt: skip
    for error in env.stats.errors.values():
        print(f"  failure: {error.method} {error.name}: {error.error} x{error.occurrences}")


def verify() -> None:
    """Every acknowledged repayment in the book once; the ledger proves."""
    rows = subprocess.run(
        ["psql", PRIMARY, "-Atc", "SELECT reference, count(*) FROM loan_events"
         " WHERE reference LIKE 'LOAD-%' GROUP BY reference"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    counts = dict(row.split("|") for row in rows)
    missing = [r for r in ACKNOWLEDGED if r not in counts]
    twice = [r for r, n in counts.items() if n != "1"]
    print(f"acknowledged repayments {len(ACKNOWLEDGED):,}: in the book {len(counts):,}, "
          f"missing {len(missing)}, more than once {len(twice)}")  # fmt: skip
    nodes = json.loads(Path("/var/tmp/lms-cluster/env.json").read_text())  # the nodes' settings
    check = subprocess.run(
        [str(ROOT / ".venv/bin/lms"), "ledger", "check", "--database-url", PRIMARY],
        capture_output=True, text=True, env={**os.environ, **nodes},
    )  # fmt: skip
    print(f"ledger check: {'sound' if check.returncode == 0 else check.stdout + check.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    cluster("down")
    built = time.monotonic()
    shown = cluster("up", "--loans", str(args.loans))
    print(f"cluster of {args.loans:,} loans up in {time.monotonic() - built:.0f} s")
    TOKEN.append(re.findall(r"Bearer (lms_s_\S+)", shown)[0])
    ids = subprocess.run(["psql", PRIMARY, "-Atc", "SELECT id FROM loans WHERE status = 'active'"],
                         capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    LOANS.extend(int(i) for i in ids)
    env = Environment(user_classes=[Staff, Payer], host=BALANCER)
    runner = env.create_local_runner()
    runner.start(args.users, spawn_rate=args.users)
    started, closing = time.monotonic(), list[subprocess.Popen[str]]()
    gevent.spawn(faults, started, closing)
    gevent.sleep(args.seconds)
    runner.quit()
    report(env, args.seconds)
    print("\nfaults:\n  " + "\n  ".join(TIMELINE))
    if closing:
        out, _ = closing[0].communicate(timeout=900)
        print(f"close: exit {closing[0].returncode}: {out.strip()[:160]} ...")
    verify()
    cluster("down")


if __name__ == "__main__":
    main()
