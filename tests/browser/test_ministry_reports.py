"""A Playwright journey: the ministry user logs in, opens the quarterly reports, requests one for a
period and downloads the PDF; the PDF holds the plan against the achieved values."""
# ruff: noqa: F811

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from tests.monitoring.test_reports_data import report_world  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ministry_downloads_a_quarterly_pdf(page, sign_in, shots, report_world, tmp_path):
    from playwright.sync_api import expect

    sign_in(report_world["ministry"])
    page.get_by_role("button", name="Мониторинг").click()
    page.get_by_role("link", name="Ежеквартальные отчёты").click()
    expect(page.get_by_role("heading", name="Ежеквартальные отчёты")).to_be_visible()
    expect(page.get_by_text("Готовых ежеквартальных отчётов пока нет.")).to_be_visible()
    # The ministry sees aggregates only: no person-level menu items.
    expect(page.get_by_role("link", name="Справочник педагогов")).to_have_count(0)

    page.get_by_label("Период").select_option(label="2022-Q2 (01.04.2022–30.06.2022)")
    page.get_by_role("button", name="Запросить отчёт за период").click()
    expect(page.get_by_text("Ежеквартальный отчёт за период 2022-Q2 поставлен в очередь.")).to_be_visible()
    page.reload()
    row = page.get_by_role("row").filter(has_text="2022-Q2")
    expect(row).to_contain_text("01.04.2022 – 30.06.2022")
    shots("ministry-quarterly")

    with page.expect_download() as info:
        row.get_by_role("link", name=re.compile("Скачать PDF")).click()
    download = info.value
    # the ministry gets the de-identified rendering
    assert download.suggested_filename == "quarterly_2022-Q2_aggregate.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(target).pages).replace("\u00a0", " ").split()
    )
    assert "Форма ежеквартального мониторинга" in text
    assert " 5 1,92 " in text  # the plan as entered, the achieved share with the form's two decimals
