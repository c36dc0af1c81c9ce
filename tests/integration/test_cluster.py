"""`scripts/cluster` at a small size: hosts in network namespaces holding a PostgreSQL primary
and its streaming replica, a broker, two API nodes behind HAProxy and a close worker. Through
the balancer: reads come from the replica, a repayment (and its retry) lands once, is audited
with the caller's own address (not the balancer's) and reaches the replica; an API node stopped, the balancer still answers every request; the replica
stopped, reads come from the primary; the close runs on the worker through the broker; the
ledger proves at the end. Needs root (network namespaces): skipped elsewhere, a failure in CI.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "scripts" / "cluster"
BALANCER = "http://10.231.0.10:8080"
PRIMARY = "postgresql://postgres@10.231.0.11:5432/lms"
REPLICA = "postgresql://postgres@10.231.0.12:5432/lms"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 and not IN_CI, reason="network namespaces need root"
)


def _cluster(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(CLUSTER), *args], env=env, capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def cluster() -> Iterator[tuple[dict[str, str], Path, str]]:
    """A cluster with a demo book of 30 loans; torn down after, whatever happened."""
    state = Path(f"/var/tmp/lms-cluster-test-{uuid.uuid4().hex[:8]}")  # the servers' user
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}  # reads it
    env["LMS_CLUSTER_DIR"] = str(state)
    try:
        shown = _cluster(env, "up", "--loans", "30")
        token = re.search(r"Bearer (lms_s_\S+)", shown)
        assert token is not None, shown
        yield env, state, token.group(1)
    finally:
        _cluster(env, "down")
    assert not state.exists()
    hosts = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert "lms-" not in hosts


def _replica_count(sql: str) -> int:
    done = subprocess.run(["psql", REPLICA, "-Atc", sql], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_the_cluster_serves_through_the_balancer_survives_failures_and_closes_on_the_worker(
    cluster: tuple[dict[str, str], Path, str],
) -> None:
    env, state, token = cluster
    api = httpx.Client(base_url=BALANCER, headers={"Authorization": f"Bearer {token}"})
    summaries = [api.get("/api/v1/portfolio/summary") for _ in range(4)]
    assert [(r.status_code, r.headers["X-Read-From"]) for r in summaries] == [(200, "replica")] * 4
    for node in ("api1", "api2"):  # the balancer shares the requests between the nodes
        assert "GET /api/v1/portfolio/summary 200" in (state / f"{node}.log").read_text()

    loan = api.get("/api/v1/loans", params={"status": "active", "limit": 1}).json()["items"][0]
    body = {"amount": "1000.00", "value_date": date.today().isoformat(),
            "reference": "UTR-CLUSTER-1", "channel": "upi"}  # fmt: skip
    key = {"Idempotency-Key": "cluster-payment-1", "X-Forwarded-For": "203.0.113.9"}  # a claim
    first = api.post(f"/api/v1/loans/{loan['id']}/repayments", json=body, headers=key)
    again = api.post(f"/api/v1/loans/{loan['id']}/repayments", json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 200), first.text + again.text
    assert again.json()["id"] == first.json()["id"]
    sql = "SELECT count(*) FROM loan_events WHERE reference = 'UTR-CLUSTER-1'"
    for _ in range(50):  # streamed to the replica within moments
        if _replica_count(sql) == 1:
            break
        time.sleep(0.1)
    assert _replica_count(sql) == 1
    audited = subprocess.run(  # the caller's own address, as the balancer saw it (not claimed)
        ["psql", PRIMARY, "-Atc", "SELECT DISTINCT address FROM audit_records WHERE"
         f" request_id = '{first.headers['X-Request-Id']}'"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert audited == ["10.231.0.1"]

    _cluster(env, "stop", "api1")
    answers = [api.get("/api/v1/loans", params={"limit": 5}).status_code for _ in range(8)]
    assert answers == [200] * 8

    _cluster(env, "stop", "replica")
    read = api.get("/api/v1/portfolio/summary")
    assert (read.status_code, read.headers["X-Read-From"]) == (200, "primary")
    assert read.json()["cells"] == summaries[0].json()["cells"]

    closed = _cluster(env, "close")
    assert re.search(r"snapshot \d+", closed), closed
    check = subprocess.run([str(ROOT / ".venv" / "bin" / "lms"), "ledger", "check",
                            "--database-url", PRIMARY], capture_output=True, text=True,
                           env={**env, **json.loads((state / "env.json").read_text())})  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
