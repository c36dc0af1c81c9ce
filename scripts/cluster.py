"""The product as several hosts on one Linux machine: each host a network namespace on a bridge
(10.231.0.0/24), holding a PostgreSQL primary and its streaming replica, a Redis broker, two
API nodes behind HAProxy, and a close worker. The same shape a lender deploys on real
machines (see docs/deployment.md); here to test and measure it.

    scripts/cluster up [--loans N] [--set LMS_NAME=VALUE ...]
                                     build it: hosts, databases, a demo book of N loans, nodes
                                     (each --set a setting every node gets: a mail server ...)
    scripts/cluster status           what runs, the replica's lag, the balancer's answer
    scripts/cluster stop NAME        stop one part (api1, api2, replica, broker, worker)
    scripts/cluster start NAME       start it again
    scripts/cluster close            close the business date on the worker (through the broker)
    scripts/cluster down             stop everything and remove the hosts and the bridge

Needs root, iproute2, PostgreSQL 15's server binaries, redis-server and haproxy (Debian's
packages; `up` installs haproxy when it is missing). The state (data folders, logs, process
ids) is kept in $LMS_CLUSTER_DIR (default /var/tmp/lms-cluster).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATE = Path(os.environ.get("LMS_CLUSTER_DIR", "/var/tmp/lms-cluster"))
PG = Path("/usr/lib/postgresql/15/bin")
NET, BRIDGE = "10.231.0", "lmsbr0"
HOSTS = {"lb": 10, "db1": 11, "db2": 12, "api1": 21, "api2": 22, "broker": 31, "work1": 41}
BALANCER = f"http://{NET}.10:8080"
PRIMARY = f"postgresql://postgres@{NET}.11:5432/lms"
REPLICA = f"postgresql://postgres@{NET}.12:5432/lms"
LMS = ROOT / ".venv" / "bin" / "lms"


def run(*command: str, host: str | None = None, user: str | None = None, **kw: object) -> str:
    """Run `command` (on `host`, as `user`); its output. A failure stops the script."""
    full = [*(["ip", "netns", "exec", f"lms-{host}"] if host else []),
            *(["runuser", "-u", user, "--"] if user else []), *command]  # fmt: skip
    done = subprocess.run(full, capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    if done.returncode != 0:
        sys.exit(f"cluster: {' '.join(full)} failed:\n{done.stdout}{done.stderr}")
    return str(done.stdout)


def ip(address: str) -> str:
    return f"{NET}.{HOSTS[address]}"


def network_up() -> None:
    """The bridge (the machine itself is 10.231.0.1 on it) and one namespace per host."""
    run("ip", "link", "add", BRIDGE, "type", "bridge")
    run("ip", "addr", "add", f"{NET}.1/24", "dev", BRIDGE)
    run("ip", "link", "set", BRIDGE, "up")
    for host in HOSTS:
        run("ip", "netns", "add", f"lms-{host}")
        run("ip", "link", "add", f"lmsv-{host}", "type", "veth", "peer", "name", "eth0",
            "netns", f"lms-{host}")  # fmt: skip
        run("ip", "link", "set", f"lmsv-{host}", "master", BRIDGE, "up")
        run("ip", "addr", "add", f"{ip(host)}/24", "dev", "eth0", host=host)
        run("ip", "link", "set", "eth0", "up", host=host)
        run("ip", "link", "set", "lo", "up", host=host)
        run("ip", "route", "add", "default", "via", f"{NET}.1", host=host)


def environment() -> dict[str, str]:
    """What every node of the cluster is started with: the same databases, broker, keys."""
    saved = json.loads((STATE / "env.json").read_text())
    return {**{k: v for k, v in os.environ.items() if not k.startswith("LMS_")}, **saved}


def databases_up() -> None:
    """A primary, then a replica made from its base backup, streaming from it."""
    shutil.chown(STATE, "postgres")  # the servers make their data folders in it
    for host in ("db1", "db2"):  # each server's own socket folder (the same port on both)
        (STATE / "sockets" / host).mkdir(parents=True)
        shutil.chown(STATE / "sockets" / host, "postgres")
    run(str(PG / "initdb"), "-D", str(STATE / "pg1"), "-A", "trust", "-U", "postgres",
        "--no-sync", user="postgres")  # fmt: skip
    with (STATE / "pg1" / "postgresql.conf").open("a") as conf:
        conf.write(f"listen_addresses = '{ip('db1')}'\nunix_socket_directories = "
                   f"'{STATE / 'sockets' / 'db1'}'\nwal_level = replica\nmax_wal_senders = 5\n"
                   "hot_standby = on\nshared_buffers = 256MB\n")  # fmt: skip
    with (STATE / "pg1" / "pg_hba.conf").open("a") as hba:
        hba.write(f"host all all {NET}.0/24 trust\nhost replication all {NET}.0/24 trust\n")
    start("primary")
    run(str(PG / "psql"), "-h", ip("db1"), "-U", "postgres", "-qc", "CREATE DATABASE lms")
    run(str(PG / "pg_basebackup"), "-h", ip("db1"), "-U", "postgres", "-D", str(STATE / "pg2"),
        "-R", "-X", "stream", "--checkpoint=fast", "--no-sync", host="db2", user="postgres")  # fmt: skip
    standby = STATE / "pg2" / "postgresql.conf"
    text = standby.read_text().replace(f"'{ip('db1')}'", f"'{ip('db2')}'")
    standby.write_text(text.replace(str(STATE / "sockets" / "db1"), str(STATE / "sockets" / "db2")))
    start("replica")


def start(part: str) -> None:
    """Start one part of the cluster, and wait until it answers."""
    if part in ("primary", "replica"):
        host, folder = ("db1", "pg1") if part == "primary" else ("db2", "pg2")
        run(str(PG / "pg_ctl"), "-D", str(STATE / folder), "-l", str(STATE / f"{folder}.log"),
            "-w", "start", host=host, user="postgres")  # fmt: skip
    elif part == "broker":  # reached from other hosts: a password, not Redis's protected mode
        password = urllib.parse.urlsplit(environment()["LMS_BROKER_URL"]).password or ""
        run("redis-server", "--bind", ip("broker"), "--port", "6379", "--save", "",
            "--requirepass", password,
            "--appendonly", "no", "--daemonize", "yes", "--pidfile", str(STATE / "broker.pid"),
            "--logfile", str(STATE / "broker.log"), "--dir", str(STATE), host="broker")  # fmt: skip
    elif part == "balancer":
        config = STATE / "haproxy.cfg"
        config.write_text(HAPROXY)
        run("haproxy", "-f", str(config), "-D", "-p", str(STATE / "balancer.pid"), host="lb")
    elif part in ("api1", "api2"):
        _spawn(part, [str(LMS), "serve", "--host", ip(part), "--port", "8000"])
        _wait(f"http://{ip(part)}:8000/readyz", part)
    elif part == "worker":
        _spawn("work1", [str(LMS), "worker", "--processes", "1"], pidfile="worker")
    else:
        sys.exit(f"cluster: no part {part!r} (api1, api2, replica, primary, broker, worker)")


HAPROXY = f"""global
    maxconn 4000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch
    option forwardfor
frontend api
    bind {NET}.10:8080
    http-request del-header X-Forwarded-For
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /readyz
    default-server inter 1s fall 2 rise 2
    server api1 {NET}.21:8000 check
    server api2 {NET}.22:8000 check
"""


def _spawn(host: str, command: list[str], pidfile: str | None = None) -> None:
    log = (STATE / f"{pidfile or host}.log").open("ab")
    process = subprocess.Popen(
        ["ip", "netns", "exec", f"lms-{host}", *command], stdout=log, stderr=log,
        env=environment(), start_new_session=True, cwd=ROOT,
    )  # fmt: skip
    (STATE / f"{pidfile or host}.pid").write_text(str(process.pid))


def _wait(url: str, what: str, seconds: float = 60) -> None:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"cluster: {what} did not answer at {url} within {seconds:.0f} s")


def stop(part: str) -> None:
    """Stop one part (a database by a fast shutdown, a process by SIGTERM, then SIGKILL)."""
    if part in ("primary", "replica"):
        folder = STATE / ("pg1" if part == "primary" else "pg2")
        if (folder / "postmaster.pid").exists():
            run(str(PG / "pg_ctl"), "-D", str(folder), "-m", "fast", "-w", "stop",
                user="postgres")  # fmt: skip
        return
    pidfile = STATE / f"{part}.pid"
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text().split()[0])
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig) if part in ("api1", "api2", "worker") else os.kill(pid, sig)
        except ProcessLookupError:
            break
        for _ in range(50):
            if not _alive(pid):
                break
            time.sleep(0.1)
    pidfile.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # not a zombie


def up(loans: int, settings: dict[str, str]) -> None:
    if STATE.exists():
        sys.exit(f"cluster: {STATE} exists: `scripts/cluster down` first")
    if shutil.which("haproxy") is None:
        run("apt-get", "install", "-y", "haproxy")
    STATE.mkdir(parents=True, mode=0o755)
    sys.path.insert(0, str(ROOT / "src"))
    from lms.platform.db.sealed import new_key_spec

    (STATE / "env.json").write_text(json.dumps({
        "LMS_DATABASE_URL": PRIMARY, "LMS_DATABASE_REPLICA_URL": REPLICA,
        "LMS_BROKER_URL": f"redis://:{secrets.token_hex(16)}@{ip('broker')}:6379/0",
        "LMS_PII_KEYS": new_key_spec("k1"),
        "LMS_DOCUMENT_DIR": str(STATE / "documents"), "XDG_DATA_HOME": str(STATE / "data"),
        "LMS_TRUSTED_PROXIES": ip("lb"),  # the callers' own addresses, in audit and throttles
        **settings,
    }))  # fmt: skip
    network_up()
    databases_up()
    print(f"databases: primary {ip('db1')}, replica {ip('db2')} (streaming)", flush=True)
    demo = run(str(LMS), "demo", "--database-url", PRIMARY, "--loans", str(loans),
               "--no-serve", env=environment(), cwd=ROOT)  # fmt: skip
    (STATE / "demo.txt").write_text(demo)
    for part in ("broker", "api1", "api2", "worker", "balancer"):
        start(part)
    _wait(f"{BALANCER}/readyz", "the balancer")
    print(f"API behind the balancer: {BALANCER} (nodes {ip('api1')}, {ip('api2')})")
    print(demo.replace("http://127.0.0.1:8000", BALANCER).strip())


def down() -> None:
    for part in ("balancer", "api1", "api2", "worker", "broker", "replica", "primary"):
        if STATE.exists():
            stop(part)
    for host in HOSTS:
        subprocess.run(["ip", "netns", "del", f"lms-{host}"], capture_output=True)
    subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True)
    shutil.rmtree(STATE, ignore_errors=True)


def status() -> None:
    for part in ("api1", "api2", "worker", "broker", "balancer"):
        pidfile = STATE / f"{part}.pid"
        alive = pidfile.exists() and _alive(int(pidfile.read_text().split()[0]))
        print(f"{part:<9} {'running' if alive else 'stopped'}")
    for part, folder in (("primary", "pg1"), ("replica", "pg2")):
        print(
            f"{part:<9} {'running' if (STATE / folder / 'postmaster.pid').exists() else 'stopped'}"
        )
    lag = subprocess.run(
        [str(PG / "psql"), "-h", ip("db1"), "-U", "postgres", "-Atc",
         "SELECT client_addr, state, replay_lag FROM pg_stat_replication"],
        capture_output=True, text=True,
    )  # fmt: skip
    print(f"replication: {lag.stdout.strip() or lag.stderr.strip() or 'no standby'}")


def close() -> None:
    """Close the business date on the worker host's queue (the command runs on api1)."""
    print(run(str(LMS), "eod", "run", "--queue", host="api1", env=environment(), cwd=ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description="the product as several hosts on this machine")
    parser.add_argument("command", choices=["up", "down", "status", "stop", "start", "close"])
    parser.add_argument("part", nargs="?", help="for stop and start: api1, api2, replica, ...")
    parser.add_argument("--loans", type=int, default=200, help="the demo book's size (up)")
    parser.add_argument("--set", action="append", default=[], metavar="LMS_NAME=VALUE",
                        help="a setting every node gets (up; repeatable)")  # fmt: skip
    args = parser.parse_args()
    settings = dict(item.partition("=")[::2] for item in args.set)
    if any(not name.startswith("LMS_") for name in settings):
        sys.exit("cluster: --set takes LMS_NAME=VALUE")
    if os.geteuid() != 0:
        sys.exit("cluster: network namespaces need root")
    if args.command in ("stop", "start") and not args.part:
        sys.exit(f"cluster: {args.command} what? (api1, api2, replica, broker, worker)")
    actions: dict[str, Callable[[], None]] = {
        "up": lambda: up(args.loans, settings), "down": down, "status": status, "close": close,
        "stop": lambda: stop(args.part), "start": lambda: start(args.part),
    }  # fmt: skip
    actions[args.command]()


if __name__ == "__main__":
    main()
