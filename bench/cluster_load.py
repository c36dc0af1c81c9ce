"""Mixed load on the cluster of `scripts/cluster` (two API nodes behind HAProxy, a PostgreSQL
primary and standby, a broker, a close worker), with faults on a timetable, from locust in
this process: staff reads (the loan list, the portfolio summary, a loan, its schedule),
repayments, borrowers signing in to the portal (a code by e-mail) and viewing their loans,
and the payment gateway's webhooks (an order, then its capture reported twice), at a stated
mix (users 7 staff : 3 payers : 2 borrowers : 1 gateway), for a bounded time. Prints
throughput, p50/p95/p99 and failures per kind, then checks that nothing was lost: every
acknowledged repayment and every captured gateway payment is in the book once, the close
finished, the ledger proves.

The outside parties run beside it (bench/peers.py): a mail server taking the sign-in codes and
the gateway's order API; the nodes are pointed at them with `scripts/cluster up --set`.
Borrowers sign in from 32 addresses of their own on the bridge, as they would from their
phones (the portal limits code attempts per address; the balancer forwards each caller's).

Faults (seconds from the start): the broker restarted (5), an API node killed (10), the
standby stopped (15), the close started on the worker (20), the worker killed mid-close (22)
and started again (24), the API node back (30), the standby back (35).

Run: .venv/bin/python bench/cluster_load.py [--loans 2000] [--seconds 60] [--users 26]
(builds the cluster, runs, tears it down; needs root). No peer runs this shape here.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()  # before anything opens a socket: locust's users are gevent greenlets

import argparse  # noqa: E402
import hashlib  # noqa: E402
import hmac  # noqa: E402
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
from requests.adapters import HTTPAdapter  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = str(ROOT / "scripts" / "cluster")
BALANCER = "http://10.231.0.10:8080"
PRIMARY = "postgresql://postgres@10.231.0.11:5432/lms"
TOKEN: list[str] = []
LOANS: list[int] = []
ACKNOWLEDGED: list[str] = []
TIMELINE: list[str] = []
BORROWERS: list[tuple[str, str]] = []  # (loan number, e-mail) of active loans
CODES: dict[str, list[str]] = {}  # e-mail: the codes the mail server took for it, in order
CAPTURED: list[str] = []  # gateway payments whose capture was acknowledged
HOST = "10.231.0.1"  # this machine on the cluster's bridge
SOURCES = [f"10.231.0.{100 + k}" for k in range(32)]  # the borrowers' own addresses
SMTP_PORT, GATEWAY_PORT = 2525, 8099
WEBHOOK_SECRET = uuid.uuid4().hex
SETTINGS = {
    "LMS_SMTP_HOST": HOST, "LMS_SMTP_PORT": str(SMTP_PORT),
    "LMS_RAZORPAY_URL": f"http://{HOST}:{GATEWAY_PORT}", "LMS_RAZORPAY_KEY_ID": "rzp_load",
    "LMS_RAZORPAY_KEY_SECRET": uuid.uuid4().hex, "LMS_RAZORPAY_WEBHOOK_SECRET": WEBHOOK_SECRET,
}  # fmt: skip


class Signed(HttpUser):
    """A user of the API with the demo's staff token."""

    abstract = True

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKEN[0]}"


class Staff(Signed):
    """A branch officer or analyst reading: lists, the summary, a loan and its schedule."""

    weight = 7
    wait_time = between(0.05, 0.25)

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


class Payer(Signed):
    """Repayments arriving (a UPI or NACH integration), each with its idempotency key."""

    weight = 3
    wait_time = between(0.05, 0.25)

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


class FromAddress(HTTPAdapter):
    """Connections made from one source address (a borrower's own)."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]


class Borrower(HttpUser):
    """A borrower on their phone: signs in with a code sent by e-mail, then looks at their
    loans; now and then signs in afresh (another borrower)."""

    weight = 2
    wait_time = between(0.2, 1.0)
    taken = 0

    def on_start(self) -> None:
        self.client.mount("http://", FromAddress(SOURCES[Borrower.taken % len(SOURCES)]))
        Borrower.taken += 1
        self.loans: list[str] = []
        self.sign_in()

    @task(1)
    def sign_in(self) -> None:
        number, email = BORROWERS[random.randrange(len(BORROWERS))]
        self.client.cookies.clear()
        seen = len(CODES.get(email, []))
        asked = self.client.post("/my/sign-in", data={"loan_number": number, "contact": email},
                                 name="POST /my/sign-in (code sent)")  # fmt: skip
        challenge = re.search(r'name="challenge" value="([^"]+)"', asked.text)
        for _ in range(100):  # the code arrives by e-mail within moments
            if len(CODES.get(email, [])) > seen or challenge is None:
                break
            gevent.sleep(0.05)
        if challenge is None or len(CODES.get(email, [])) <= seen:
            return
        code = CODES[email][seen]
        with self.client.post("/my/code", data={"challenge": challenge.group(1), "code": code},
                              allow_redirects=False, name="POST /my/code (signed in)",
                              catch_response=True) as answer:  # fmt: skip
            if answer.status_code != 303:
                answer.failure(f"no session: {answer.status_code}")
                return
        home = self.client.get("/my", name="GET /my (loans)")
        self.loans = re.findall(r'href="(/my/loans/\d+)"', home.text)

    @task(4)
    def view(self) -> None:
        if self.loans:
            self.client.get(random.choice(self.loans), name="GET /my/loans/{id}")


class Gateway(Signed):
    """The payment gateway: a borrower's order made (the staff API, as the portal's pay page
    does), then its capture reported by webhook, and reported again (gateways retry)."""

    weight = 1
    wait_time = between(0.2, 0.6)

    @task
    def pay(self) -> None:
        loan = random.choice(LOANS)
        made = self.client.post(f"/api/v1/loans/{loan}/payment-orders", json={"amount": "250.00"},
                                name="POST /loans/{id}/payment-orders")  # fmt: skip
        if made.status_code != 201:
            return
        payment = f"pay_LOAD{uuid.uuid4().hex[:14]}"
        entity = {"id": payment, "entity": "payment", "amount": 25000, "currency": "INR",
                  "status": "captured", "order_id": made.json()["order_ref"],
                  "created_at": int(time.time())}  # fmt: skip
        body = json.dumps({"event": "payment.captured", "payload": {"payment": {"entity": entity}}})
        signed = hmac.new(WEBHOOK_SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
        headers = {"X-Razorpay-Signature": signed, "X-Razorpay-Event-Id": f"evt_{payment}",
                   "Content-Type": "application/json"}  # fmt: skip
        for _ in range(2):
            told = self.client.post("/api/v1/gateways/razorpay/webhook", data=body,
                                    headers=headers, name="POST /gateways/razorpay/webhook")  # fmt: skip
            if told.status_code == 200 and payment not in CAPTURED:
                CAPTURED.append(payment)


def peers() -> subprocess.Popen[str]:
    """The mail server and the gateway's API (bench/peers.py), and a reader of the codes."""
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/python"), str(ROOT / "bench/peers.py"), str(SMTP_PORT),
         str(GATEWAY_PORT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            to, code = line.split()
            CODES.setdefault(to, []).append(code)

    gevent.spawn(read)
    return process


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


def in_the_book(prefix: str, acknowledged: list[str], what: str) -> None:
    """Print how many of the `acknowledged` references (each starting `prefix`) the book holds
    as loan events: missing, and more than once."""
    rows = subprocess.run(
        ["psql", PRIMARY, "-Atc", "SELECT reference, count(*) FROM loan_events"
         f" WHERE reference LIKE '{prefix}%' GROUP BY reference"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    counts = dict(row.split("|") for row in rows)
    missing = [r for r in acknowledged if r not in counts]
    twice = [r for r, n in counts.items() if n != "1"]
    print(f"{what} {len(acknowledged):,}: in the book {len(counts):,}, "
          f"missing {len(missing)}, more than once {len(twice)}")  # fmt: skip


def verify() -> None:
    """Every acknowledged repayment and captured gateway payment in the book once; the ledger
    proves."""
    in_the_book("LOAD-", ACKNOWLEDGED, "acknowledged repayments")
    in_the_book("pay_LOAD", CAPTURED, "captured gateway payments (each reported twice)")
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
    parser.add_argument("--users", type=int, default=26)
    args = parser.parse_args()
    cluster("down")
    outside = peers()
    built = time.monotonic()
    shown = cluster("up", "--loans", str(args.loans),
                    *[f"--set={k}={v}" for k, v in SETTINGS.items()])  # fmt: skip
    print(f"cluster of {args.loans:,} loans up in {time.monotonic() - built:.0f} s")
    TOKEN.append(re.findall(r"Bearer (lms_s_\S+)", shown)[0])
    ids = subprocess.run(["psql", PRIMARY, "-Atc", "SELECT id FROM loans WHERE status = 'active'"],
                         capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    LOANS.extend(int(i) for i in ids)
    nodes = json.loads(Path("/var/tmp/lms-cluster/env.json").read_text())
    listed = subprocess.run([str(ROOT / ".venv/bin/python"), str(ROOT / "bench/peers.py"),
                             "borrowers"], capture_output=True, text=True, check=True,
                            env={**os.environ, **nodes})  # fmt: skip
    BORROWERS.extend((number, email) for number, email in json.loads(listed.stdout))
    for source in SOURCES:
        subprocess.run(["ip", "addr", "add", f"{source}/24", "dev", "lmsbr0"], check=True)
    env = Environment(user_classes=[Staff, Payer, Borrower, Gateway], host=BALANCER)
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
    assert outside.stdin is not None
    outside.stdin.close()
    outside.wait(timeout=10)


if __name__ == "__main__":
    main()
