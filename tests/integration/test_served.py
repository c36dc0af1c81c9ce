"""The product as a server, used as its users use it: the API's interactive documentation in a
real browser (Chromium through Playwright), served by the product itself under its own
content security policy, renders every operation with no console error and loads nothing
from another host; `lms serve` writes its access log."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from served import free_port, serving

from lms.interfaces.api.security import ROUTES
from lms.platform.db.migrate import upgrade

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'docs.sqlite3'}"
    upgrade(url)
    with serving(url) as address:
        yield address


def test_the_docs_render_every_operation_under_the_security_policy(server: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        errors: list[str] = []
        hosts: set[str] = set()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
        page.goto(f"{server}/docs")
        page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
        operations = page.locator(".opblock").count()
        authorize = page.locator("button.authorize").count()
        browser.close()
    assert operations == len(ROUTES)  # every route of the API, each once
    assert authorize == 1  # the bearer scheme: a token can be given
    assert errors == []
    assert hosts == {server.split("/")[2]}


def test_lms_serve_writes_one_access_line_per_request(tmp_path: Path) -> None:
    """`lms serve` logs each request (method, path without its query, status, time, request
    id, actor) to standard error."""
    import httpx

    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    port = free_port()
    lms = str(Path(sys.executable).with_name("lms"))
    process = subprocess.Popen(
        [lms, "serve", "--database-url", url, "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for _ in range(150):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/loans?q=9876543210",
                                   headers={"X-Request-ID": "req-7"})  # fmt: skip
                break
            except httpx.TransportError:
                time.sleep(0.1)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert answer.status_code == 401
    [line] = [entry for entry in err.splitlines() if "lms.access" in entry]
    assert line.split("lms.access ")[1].startswith("GET /api/v1/loans 401 ")
    assert line.endswith(" req-7 -") and "9876543210" not in line
