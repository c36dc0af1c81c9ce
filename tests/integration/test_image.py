"""The container image and the compose file (deploy/): scripts/image builds the image from
this checkout (on a base made here by debootstrap: no registry is reachable), and in the image
every module imports (each dependency declared), the command line runs, and the API, the
borrower portal's pages and the static files fetched at set-up are served, by a user that is
not root; the compose file gives every `lms` container the
same settings, names only settings that exist, and its balancer sends to exactly its API
nodes. The build needs root and podman (scripts/image installs it on Debian): skipped
elsewhere, a failure in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from lms.platform.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
LMS_SERVICES = ("migrate", "api1", "api2", "worker")
IMPORT_ALL = (  # every module but the migrations' environment (which runs them when imported)
    "import importlib, pkgutil, lms\n"
    "names = [m.name for m in pkgutil.walk_packages(lms.__path__, 'lms.')\n"
    "         if not m.name.startswith('lms.platform.db.migrations')]\n"
    "for name in names: importlib.import_module(name)\n"
    "print(len(names))"
)


def test_every_lms_container_of_the_compose_file_gets_the_same_real_settings() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    images = {name: services[name]["image"] for name in LMS_SERVICES}
    assert images == dict.fromkeys(LMS_SERVICES, "localhost/lms:latest")
    settings = [services[name]["environment"] for name in LMS_SERVICES]
    assert all(s == settings[0] for s in settings)  # one database, broker, keyring, store
    known = {f"LMS_{name.upper()}" for name in Settings.model_fields}
    assert sorted(set(settings[0]) - known) == []
    assert [services[n]["command"][0] for n in LMS_SERVICES] == ["db", "serve", "serve", "worker"]
    balanced = re.findall(r"^\s+server (\S+) (\S+):8000 check$",
                          (ROOT / "deploy" / "haproxy.cfg").read_text(), re.M)  # fmt: skip
    assert balanced == [("api1", "api1"), ("api2", "api2")]
    balancer = (ROOT / "deploy" / "haproxy.cfg").read_text()
    frontend = balancer[balancer.index("frontend api") : balancer.index("backend nodes")]
    assert "option forwardfor" in balancer  # the caller's address added for the nodes,
    assert "http-request del-header X-Forwarded-For" in frontend  # a caller's own claim gone
    if shutil.which("haproxy"):  # the balancer's own check of its configuration
        checked = subprocess.run(["haproxy", "-c", "-f", str(ROOT / "deploy" / "haproxy.cfg")],
                                 capture_output=True, text=True)  # fmt: skip
        assert checked.returncode == 0, checked.stdout + checked.stderr
    address = services["balancer"]["networks"]["default"]["ipv4_address"]
    assert settings[0]["LMS_TRUSTED_PROXIES"] == address  # the balancer alone is believed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _podman(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    runtime = ["--runtime", "runc"] if subprocess.run(["which", "runc"], capture_output=True
                                                      ).returncode == 0 else []  # fmt: skip
    return subprocess.run(["podman", *runtime, *args], capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


@pytest.mark.skipif(os.geteuid() != 0 and not IN_CI, reason="building an image needs root")
def test_the_image_builds_from_this_checkout_and_serves_the_api() -> None:
    tag = f"localhost/lms:test-{uuid.uuid4().hex[:8]}"
    built = subprocess.run([str(ROOT / "scripts" / "image"), "--base", "local", "--tag", tag],
                           capture_output=True, text=True, timeout=1200)  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    port, name = _free_port(), f"lms-test-{uuid.uuid4().hex[:8]}"
    limits = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"]
    try:
        version = _podman("run", "--rm", *limits, tag, "--version")
        assert (version.returncode, version.stdout) == (0, "lms 0.1.0\n"), version.stderr
        imported = _podman("run", "--rm", *limits, "--entrypoint", "python3", tag, "-c", IMPORT_ALL)
        assert (imported.returncode, imported.stderr) == (0, ""), imported.stderr[-3000:]
        assert int(imported.stdout) > 300  # every module of the package, its dependencies there
        started = _podman("run", "-d", "--name", name, "--network", "host", *limits, tag,
                          "serve", "--host", "127.0.0.1", "--port", str(port))  # fmt: skip
        assert started.returncode == 0, started.stderr
        ready = None
        for _ in range(120):  # the embedded database made and migrated, then ready
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert ready is not None and ready.status_code == 200, _podman("logs", name).stderr
        refused = httpx.get(f"http://127.0.0.1:{port}/api/v1/loans")
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        portal = httpx.get(f"http://127.0.0.1:{port}/my/sign-in")  # packaged templates
        assert (portal.status_code, "loan_number" in portal.text) == (200, True)
        script = httpx.get(f"http://127.0.0.1:{port}/static/vendor/htmx.min.js")
        assert script.status_code == 200 and len(script.content) > 10_000  # the npm assets
        user = _podman("exec", name, "id", "-un")
        assert user.stdout == "lms\n"  # not root
    finally:
        _podman("rm", "-f", "-v", name)
        _podman("rmi", "-f", tag)
