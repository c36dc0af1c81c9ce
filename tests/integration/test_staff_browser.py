"""The staff application in a real browser (Debian's Chromium through Playwright), served by
the product: a loan officer signs in, finds a loan with the search box, previews a payment,
posts it and sees the schedule change; a maker asks for a charge to be waived and a checker
approves it; each dashboard draws the API's figures; every page passes the accessibility rules
of axe-core and fits a tablet; with no console error and nothing loaded from another
host. Screenshots of each step are kept in test-artifacts/ (or $LMS_TEST_ARTIFACTS).

The book is the read-side tests' (book_setup.nine_loans_closed): loan 2 (application R-2,
Borrower 2, PUN01) owes its November EMI of 8,884.88 at the business date 27 Nov 2026.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyotp
import pytest
from api_client import PASSWORD, api_client, new_user
from axe_playwright_python.sync_playwright import Axe
from book_setup import nine_loans_closed
from group_setup import OCT6, group_book, group_lent
from playwright.sync_api import Page, expect, sync_playwright
from served import serving

from lms.close.dashboards import NAMES
from lms.platform import business_date as calendar
from lms.platform.db import UnitOfWork, make_engine

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("LMS_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts"))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """A loan officer of PUN01 over the book."""
    with _served(tmp_path, ("loan_officer",), ["PUN01"]) as found:
        yield found


@contextmanager
def _served(
    tmp_path: Path, roles: tuple[str, ...], branches: list[str] | None
) -> Iterator[tuple[str, str, str]]:
    """(the server's address, a new user's name, the book's URL) over the book."""
    url = f"sqlite:///{tmp_path / 'staff.sqlite3'}"
    engine = make_engine(url)
    nine_loans_closed(url, engine)
    engine.dispose()
    officer, _ = new_user(url, roles, branches)
    with serving(url) as address:
        yield address, officer, url


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"staff-{name}.png"), full_page=True)


def test_a_loan_officer_finds_a_loan_posts_a_payment_and_sees_the_schedule_change(
    served: tuple[str, str, str],
) -> None:
    server, officer, _ = served
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        hosts: set[str] = set()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
        page.goto(f"{server}/app")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.get_by_label("User name").fill(officer)
        page.get_by_label("Password").fill(PASSWORD)
        _shot(page, "1-sign-in")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        _shot(page, "2-dashboard")

        search = page.get_by_label("Find a loan or customer")
        search.fill("R-2")
        search.press("Enter")
        expect(page.get_by_role("heading", name="Loan 2")).to_be_visible()
        row = page.locator("#schedule-table tbody tr").nth(1)
        expect(row).to_contain_text("overdue")
        expect(page.locator(".cards")).to_contain_text("₹8,884.88")  # overdue before

        page.get_by_label("Amount (₹)").fill("8884.88")
        page.get_by_label("Reference (UTR, receipt no.)").fill("UTR-BROWSER-1")
        page.locator("form[action$='/payments']").get_by_role("button", name="Preview").click()
        preview = page.get_by_role("status", name="Preview")
        expect(preview).to_contain_text("Principal outstanding after: ₹84,151.39")
        expect(preview.locator("tbody td")).to_have_text(["2", "26 Nov 2026", "7,963.73", "921.15"])
        _shot(page, "3-preview")

        page.get_by_role("button", name="Post this payment").click()
        expect(page.get_by_text("Payment UTR-BROWSER-1 posted.")).to_be_visible()
        row = page.locator("#schedule-table tbody tr").nth(1)
        expect(row).to_contain_text("paid")
        expect(row.locator("td").nth(6)).to_have_text("0.00")  # nothing unpaid of it
        expect(page.locator(".cards div").nth(1)).to_contain_text("₹0.00")  # overdue after
        _shot(page, "4-posted")
        browser.close()
    assert errors == []
    assert hosts == {server.split("/")[2]}


def test_each_dashboard_draws_its_chart_with_the_apis_figures(tmp_path: Path) -> None:
    with _served(tmp_path, ("risk",), None) as (server, risk, url):
        with api_client(url, ("risk",)) as api:
            wanted = {name: api.get(f"/api/v1/dashboards/{name}").json() for name in NAMES}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{server}/app/sign-in?next=/app/dashboards")
            page.get_by_label("User name").fill(risk)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Dashboards")).to_be_visible()
            for name, table in wanted.items():
                if not table["rows"]:  # one closed date: no roll rates, vintages, promises yet
                    assert name in ("roll_rates", "vintages", "promises", "agents"), name
                    expect(page.locator(f"#table-{name}")).to_contain_text(
                        "Nothing in this period."
                    )
                    continue
                chart = page.locator(f"#chart-{name}")
                expect(chart).to_have_attribute("data-drawn", str(len(table["rows"])))
                shown = page.locator(f"#table-{name} tbody tr")
                expect(shown).to_have_count(len(table["rows"]))
                first = [str(v) for v in table["rows"][0]]
                cells = shown.nth(0).locator("th, td").all_inner_texts()
                assert [c.replace(",", "") for c in cells] == first, name
            _shot(page, "5-dashboards")
            browser.close()
        assert errors == []


def _sign_in(page: Page, server: str, name: str, secret: str | None, next_page: str) -> None:
    page.goto(f"{server}/app/sign-in?next={next_page}")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    if secret is not None:
        page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()


def test_a_maker_asks_for_a_waiver_and_a_checker_approves_it(
    served: tuple[str, str, str],
) -> None:
    """The officer levies a 1,000 legal charge (GST 180) on loan 2 and asks for 590 of it to be
    waived (GST share 90.00); a branch manager of PUN01 approves it in the queue; the loan's
    charges then show 590.00 waived and 590.00 unpaid."""
    server, officer, url = served
    manager, secret = new_user(url, ("branch_manager",), ["PUN01"])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1024, "height": 1300})  # a tablet's width
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        _sign_in(page, server, officer, None, "/app/loans/2")
        page.get_by_label("Reference (e.g. legal:notice-1)").fill("legal:notice-1")
        page.get_by_label("Amount before GST (₹)").fill("1000")
        page.locator("form[action$='/charges'] button").click()
        expect(page.get_by_role("status", name="Charge preview")).to_contain_text("₹1,180.00")
        page.get_by_role("button", name="Levy this charge").click()
        expect(page.get_by_text("Charge legal:notice-1 levied.")).to_be_visible()

        page.get_by_label("Amount to waive, with GST (₹)").fill("590")
        page.get_by_label("Why").last.select_option("goodwill")
        page.locator("form[action$='/waivers'] button").click()
        expect(page.get_by_role("status", name="Waiver preview")).to_contain_text(
            "forgive ₹590.00 (of which GST ₹90.00)"
        )
        _shot(page, "6-waiver-preview")
        page.get_by_role("button", name="Ask for this waiver").click()
        expect(page.get_by_text("waits for a second person")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()

        _sign_in(page, server, manager, secret, "/app/approvals")
        request = page.locator("article.request", has_text="Waive 590.00 of legal:notice-1")
        expect(request).to_be_visible()
        request.get_by_label("Note").fill("first slip in two years")
        _shot(page, "7-approvals")
        request.get_by_role("button", name="Approve").click()
        expect(page.get_by_role("status")).to_contain_text("decided")
        page.goto(f"{server}/app/loans/2#charges")
        cells = page.locator("#charges-table tbody tr").nth(0).locator("td")
        expect(cells).to_have_text(["legal:notice-1", "27 Nov 2026", "fee", "1,000.00",
                                    "180.00", "0.00", "590.00", "590.00"])  # fmt: skip
        _shot(page, "8-waived")
        browser.close()
    assert errors == []


def test_a_manager_asks_for_a_settlement_and_finance_agrees_it(tmp_path: Path) -> None:
    """Loan 3 (nothing paid: October's and November's EMIs due, 1,921.15 of interest) is
    offered a settlement of 50,000 in two instalments by a collections agent; the preview
    shows what it owes and what would be waived; finance agrees it in the queue; the loan's
    page then lists the settlement, open."""
    with _served(tmp_path, ("collections_agent",), ["PUN01"]) as (server, agent, url):
        checker, secret = new_user(url, ("finance",))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1024, "height": 1300})
            _sign_in(page, server, agent, None, "/app/loans/3")
            page.get_by_label("Agreed sum (₹)").fill("50000")
            page.get_by_label("Plan: a line per instalment").fill(
                "2026-12-15 25000\n2027-01-15 25000"
            )
            page.locator("form[action$='/settlements'] button").click()
            expect(page.get_by_role("status", name="Settlement preview")).to_contain_text(
                "The loan owes ₹1,01,921.15 today. If ₹50,000.00 is paid by the plan"
                " (2 instalments, the last on 15 Jan 2027), about ₹51,921.15 is waived"
            )
            _shot(page, "9-settlement-preview")
            page.get_by_role("button", name="Ask for this settlement").click()
            expect(page.get_by_text("waits for a second person")).to_be_visible()
            page.get_by_role("button", name="Sign out").click()
            _sign_in(page, server, checker, secret, "/app/approvals")
            request = page.locator("article.request", has_text="Settle loan 3 for 50000.00")
            request.get_by_role("button", name="Approve").click()
            expect(page.get_by_role("status")).to_contain_text("decided")
            page.goto(f"{server}/app/loans/3#recovery")
            cells = page.locator("#settlements-table tbody tr").nth(0).locator("td")
            expect(cells).to_have_text(["27 Nov 2026", "1,01,921.15", "50,000.00",
                                        "2026-12-15: 25000.00; 2027-01-15: 25000.00", "0.00",
                                        "open", ""])  # fmt: skip
            _shot(page, "10-settlement-agreed")
            browser.close()


PAGES = ("/app", "/app/loans", "/app/loans/2", "/app/search?q=Borrower", "/app/customers",
         "/app/customers/2", "/app/products", "/app/products/1", "/app/branches",
         "/app/benchmarks", "/app/approvals", "/app/payments", "/app/payments/files",
         "/app/payments/upi", "/app/payments/settlements", "/app/payments/refunds",
         "/app/dashboards", "/app/risk", "/app/reports", "/app/reports/sma", "/app/close",
         "/app/users", "/app/gold", "/app/centres", "/app/colending")  # fmt: skip


def test_every_page_passes_the_accessibility_rules_and_fits_a_tablet(tmp_path: Path) -> None:
    """axe-core's rules (WCAG 2.1 A and AA, and best practices) find nothing on any page an
    administrator sees; at a tablet's width (768 px) no page scrolls sideways (a wide table
    scrolls inside itself); the keyboard reaches "Skip to content" first and it moves focus to
    the page's content."""
    with _served(tmp_path, ("administrator",), None) as (server, _, url):
        admin, secret = new_user(url, ("administrator",))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 768, "height": 1024})
            _sign_in(page, server, admin, secret, "/app")
            expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
            axe, found, wide = Axe(), {}, {}
            for path in PAGES:
                page.goto(server + path)
                violations = axe.run(page).response["violations"]
                found[path] = [(v["id"], v["nodes"][0]["html"][:80]) for v in violations]
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > 768:
                    wide[path] = width
            page.goto(f"{server}/app/loans/2")
            page.keyboard.press("Tab")
            expect(page.locator(":focus")).to_have_text("Skip to content")
            page.keyboard.press("Enter")
            assert page.evaluate("location.hash") == "#main"
            _shot(page, "9-tablet-loan")
            browser.close()
    assert {p: v for p, v in found.items() if v} == {}
    assert wide == {}


def test_a_loan_officer_files_the_loan_agreement_and_opens_it(
    served: tuple[str, str, str], tmp_path: Path
) -> None:
    server, officer, _ = served
    agreement = tmp_path / "agreement.pdf"
    agreement.write_bytes(b"%PDF-1.7\nThe loan agreement of loan 2\n%%EOF\n")
    picture = tmp_path / "agreement.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{server}/app")
        page.get_by_label("User name").fill(officer)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{server}/app/loans/2#files")
        form = page.locator("form[action$='/files']")
        form.get_by_label("Name").fill("Loan agreement")
        form.get_by_label("File (PDF; a letter may be a JPEG or PNG)").set_input_files(str(picture))
        form.get_by_role("button", name="File it").click()  # an agreement must be a PDF
        expect(page.get_by_role("alert")).to_contain_text(
            "content_type: agreement documents are one of application/pdf"
        )
        expect(page.locator("#files-table")).to_contain_text("No document kept.")
        form = page.locator("form[action$='/files']")
        form.get_by_label("File (PDF; a letter may be a JPEG or PNG)").set_input_files(
            str(agreement)
        )
        form.get_by_role("button", name="File it").click()
        expect(page.get_by_role("status").filter(has_text="filed.")).to_be_visible()
        row = page.locator("#files-table tbody tr").first
        expect(row.locator("td")).to_have_text(
            [
                "Loan agreement",
                "agreement",
                "1",
                "27 Nov 2026",
                f"user:{officer}",
                f"{len(agreement.read_bytes())} bytes",
            ]
        )
        _shot(page, "5-document-filed")
        href = row.get_by_role("link", name="Loan agreement").get_attribute("href")
        opened = page.request.get(f"{server}{href}")  # the page's own session
        assert opened.headers["content-type"] == "application/pdf"
        assert opened.body() == agreement.read_bytes()
        browser.close()


def test_a_field_officer_fills_in_the_collection_sheet_on_a_phone(tmp_path: Path) -> None:
    """At a phone's width (390 px) the sheet of group Lotus (four members, 448.00 each) is
    filled in: Devi pays 300.00 and the group covers her other 148.00; the posted sheet shows
    what was taken, the centres page the book; both pass axe-core and do not scroll sideways."""
    url = f"sqlite:///{tmp_path / 'groups.sqlite3'}"
    engine = make_engine(url)
    sessions = group_book(url, engine)
    centre, loans = group_lent(sessions)
    with UnitOfWork(sessions) as uow:
        calendar.set_business_date(uow, OCT6)
        uow.commit()
    engine.dispose()
    officer, _ = new_user(url, ("loan_officer",), ["PUN01"])
    with serving(url) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        _sign_in(page, server, officer, None, f"/app/centres/{centre}/sheet")
        expect(page.get_by_role("heading", name="Collection sheet")).to_be_visible()
        axe, found, wide = Axe(), [], []
        found += axe.run(page).response["violations"]
        wide.append(page.evaluate("document.documentElement.scrollWidth"))
        page.locator(f"#collected-{loans[3]}").fill("300")
        page.locator(f"#cover-{loans[3]}").fill("148")
        _shot(page, "sheet-1-filled")
        page.get_by_role("button", name="Post the sheet").click()
        expect(page.locator("#posted")).to_contain_text("₹1,792.00 taken by")
        expect(page.locator("#sheet-table tbody tr").nth(3)).to_contain_text("300.00")
        found += axe.run(page).response["violations"]
        wide.append(page.evaluate("document.documentElement.scrollWidth"))
        _shot(page, "sheet-2-posted")
        page.goto(f"{server}/app/centres")
        expect(page.locator("#centres-table")).to_contain_text("81,600.00")
        found += axe.run(page).response["violations"]
        browser.close()
    assert [(v["id"], v["nodes"][0]["html"][:80]) for v in found] == []
    assert max(wide) <= 390
