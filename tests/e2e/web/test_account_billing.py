"""The account page's Billing section in headless Chromium (issue 26): a voucher made by
``marquee billing voucher create`` is redeemed there, the Plan section shows the plan it gave,
and its invoice is listed with a link that downloads the PDF."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e import browser as e2e
from tests.e2e.conftest import SignedIn

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]


def test_a_voucher_redeemed_on_the_account_page_shows_its_plan_and_invoice(
    page: Page, platform: e2e.Served, viewer: e2e.Viewer, signed_in: SignedIn
) -> None:
    env = e2e.environment(platform.data_dir)
    made = e2e.run_marquee(env, "billing", "voucher", "create", "--plan", "premium", "--days", "30")
    code = made.strip().splitlines()[-1]
    signed_in(viewer)
    page.goto("/account")
    billing = page.get_by_role("region", name="Billing")
    expect(billing.get_by_text("No invoices yet.")).to_be_visible()
    billing.get_by_label("Voucher code").fill(code)
    billing.get_by_role("button", name="Redeem").click()
    expect(billing.get_by_role("status")).to_have_text("Voucher redeemed: your plan is on.")
    plan = page.get_by_role("region", name="Plan")
    expect(plan).to_contain_text("Premium")
    expect(plan).to_contain_text("Yours until")

    link = billing.get_by_role("link", name=re.compile(r"^Download INV-\d{6} \(PDF\)$"))
    expect(link).to_be_visible()
    number = (link.text_content() or "").split()[1]
    with page.expect_download() as downloading:
        link.click()
    download = downloading.value
    assert download.suggested_filename == f"{number}.pdf"
    text = PdfReader(download.path()).pages[0].extract_text()
    assert f"Invoice {number}" in text
    assert f"voucher {code}" in text
    assert e2e.accessibility_violations(page) == []
