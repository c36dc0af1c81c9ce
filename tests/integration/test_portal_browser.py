"""The borrower portal in a real browser on a phone's screen (Debian's Chromium through
Playwright, 390 x 844), served by the product: a borrower signs in with the code read from a
real SMTP server, downloads a statement and finds its figures in the PDF's text, pays through
the gateway (its signed webhook posting the money) and sees the outstanding fall, raises a
ticket and reads the answer a loan officer gave in the staff application, and cannot reach
another borrower's loan. Every page passes axe-core's rules, fits the phone's width, loads
nothing from another host and weighs under 100 KB with everything it loads. Screenshots are
kept in test-artifacts/ (or $LMS_TEST_ARTIFACTS).

The book is portal_setup's: on 26 Nov 2026 loan PL-1 (Asha Rao) owes 17,769.76 (its October
and November EMIs), 32 days past due, principal outstanding 1,00,000.
"""

from __future__ import annotations

import os
import subprocess
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from api_client import PASSWORD, new_user
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error, Page, Response, expect, sync_playwright
from portal_setup import code_in, gateway_event, portal_book
from providers import provider
from served import serving

from lms.platform.db import make_engine

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("LMS_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts"))
PHONE = {"width": 390, "height": 844}
BUDGET = 100 * 1024  # bytes a page may weigh, with everything it loads
WEBHOOK_SECRET = "whsec_browser"


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"portal-{name}.png"), full_page=True)


class Weighed:
    """What each page of the portal weighs: its document and everything it loaded."""

    def __init__(self) -> None:
        self.pages: dict[str, int] = {}
        self.hosts: set[str] = set()
        self.current = ""

    def took(self, response: Response) -> None:
        self.hosts.add(response.url.split("/")[2])
        if response.request.resource_type == "document":
            self.current = response.url.split("?")[0]
            self.pages[self.current] = 0
        if self.current and response.status < 300:
            try:
                self.pages[self.current] += len(response.body())
            except Error:  # a download (the statement): not part of the page
                assert response.headers.get("content-type") == "application/pdf"


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip


def test_a_borrower_on_a_phone_signs_in_downloads_pays_and_raises_a_ticket(
    tmp_path: Path, smtp: tuple[list[EmailMessage], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    received, port = smtp
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    engine = make_engine(url)
    portal_book(url, engine)
    engine.dispose()
    officer, _ = new_user(url, ("loan_officer",), ["PUN01"])
    with provider("razorpay") as gateway:
        for name, value in {"LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": str(port),
                            "LMS_RAZORPAY_URL": gateway.url, "LMS_RAZORPAY_KEY_ID": "rzp_k",
                            "LMS_RAZORPAY_KEY_SECRET": "rzp_s",
                            "LMS_RAZORPAY_WEBHOOK_SECRET": WEBHOOK_SECRET}.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        with serving(url) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                        accept_downloads=True)  # fmt: skip
            page = phone.new_page()
            weighed, errors, axe, found, wide = Weighed(), [], Axe(), {}, {}
            page.on("response", weighed.took)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            def check(name: str) -> None:
                violations = axe.run(page).response["violations"]
                found[name] = [(v["id"], v["nodes"][0]["html"][:80]) for v in violations]
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    wide[name] = width
                _shot(page, name)

            _sign_in(page, server, received)
            check("1-home")
            expect(page.locator("[data-figure=outstanding]")).to_have_text("₹1,00,000.00")
            expect(page.get_by_text("₹17,769.76 · 32 days past due")).to_be_visible()

            page.get_by_role("link", name="Details", exact=True).click()
            expect(page.get_by_role("heading", name="PL · PL-1")).to_be_visible()
            check("2-loan")
            with page.expect_download() as download:
                page.locator("form[action$='/statement']").get_by_role("button").click()
            saved = tmp_path / "statement.pdf"
            download.value.save_as(saved)
            text = _pdf_text(saved)
            for figure in ("PL-1", "Asha Rao", "1,00,000.00", "17,769.76"):
                assert figure in text, figure

            page.get_by_role("link", name="Pay now").first.click()
            check("3-pay")
            page.get_by_label("Another amount").check()
            page.get_by_label("Amount", exact=True).fill("10000")
            page.get_by_label("Card or net banking").check()
            page.get_by_role("button", name="Continue").click()
            expect(page.get_by_role("button", name="Go to the secure payment page")).to_be_visible()
            check("4-checkout")
            _webhook(server, gateway.requests[-1]["body"]["amount"])
            page.goto(f"{server}/my/loans/1")
            expect(page.locator("[data-figure=outstanding]")).to_have_text("₹91,921.15")

            page.get_by_role("link", name="Requests").click()
            page.get_by_label("What do you need?").select_option("support")
            page.get_by_label("Topic").select_option("statement")
            page.get_by_label("Subject", exact=True).fill("Statement by post")
            page.get_by_label("Message").fill("Please post a copy of my statement.")
            page.get_by_role("button", name="Send").click()
            reference = page.get_by_role("heading").first.inner_text()
            assert reference.startswith("SR-261126-")
            check("5-request")

            desk = browser.new_page(viewport={"width": 1280, "height": 900})
            desk.goto(f"{server}/app/sign-in?next=/app/requests")
            desk.get_by_label("User name").fill(officer)
            desk.get_by_label("Password").fill(PASSWORD)
            desk.get_by_role("button", name="Sign in").click()
            desk.get_by_role("link", name=reference).click()
            desk.get_by_label("Answer to the borrower").fill("Posted to you today.")
            desk.get_by_label("Resolved with this answer").check()
            desk.get_by_role("button", name="Send").click()
            expect(desk.get_by_text("Posted to you today.")).to_be_visible()
            desk.screenshot(path=str(ARTIFACTS / "portal-6-staff-answer.png"), full_page=True)

            page.reload()
            expect(page.get_by_text("Posted to you today.")).to_be_visible()
            expect(page.locator("[data-figure=status]")).to_have_text("Resolved")
            check("7-answered")
            for path in ("/my/grievance", "/my/contact", "/my/requests"):
                page.goto(server + path)
                check(path.rsplit("/", 1)[1])
            quiet = list(errors)  # the console reports the 404 that follows, as it should
            assert page.goto(f"{server}/my/loans/2").status == 404  # Bharat's loan
            page.goto(f"{server}/my/language?to=hi&back=/my")
            expect(page.get_by_role("heading", name="मेरे ऋण")).to_be_visible()
            check("8-hindi")
            browser.close()
    assert {name: v for name, v in found.items() if v} == {}
    assert wide == {}
    assert quiet == []
    assert weighed.hosts == {server.split("/")[2]}
    heavy = {page: size for page, size in weighed.pages.items() if size > BUDGET}
    assert heavy == {}, weighed.pages


def _sign_in(page: Page, server: str, received: list[EmailMessage]) -> None:
    page.goto(f"{server}/my")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Loan number").fill("PL-1")
    page.get_by_label("Mobile number or e-mail").fill("asha@example.in")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_label("One-time code")).to_be_visible()
    page.get_by_label("One-time code").fill(code_in(received[-1]))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="My loans")).to_be_visible()


def _webhook(server: str, paise: int) -> None:
    """The gateway's signed webhook: the order's payment captured."""
    body, signed = gateway_event(WEBHOOK_SECRET, "pay_B1", paise)
    answer = httpx.post(f"{server}/api/v1/gateways/razorpay/webhook", content=body,
                        headers={"X-Razorpay-Signature": signed})  # fmt: skip
    assert answer.json()["outcome"] == "posted", answer.text
