"""cnppm.pdf: the shared renderer lays out the same bytes as WeasyPrint called directly, and the
garbage collector it pauses during a layout comes back exactly as it was."""

from __future__ import annotations

import gc

import pytest

from cnppm import pdf

HTML_DOC = '<html lang="ru"><body><h1>Карта ИОМ</h1><table><tr><th>№</th><td>Мероприятие</td></tr></table></body></html>'


def test_same_bytes_as_weasyprint_directly():
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    direct = HTML(string=HTML_DOC, base_url=".").write_pdf(font_config=FontConfiguration())
    assert pdf.write_pdf(HTML_DOC, base_url=".") == direct
    assert pdf.font_config() is pdf.font_config()  # one per process


def test_collector_paused_during_layout_and_restored():
    assert gc.isenabled()
    seen = []
    with pdf.collector_paused():
        seen.append(gc.isenabled())
        with pdf.collector_paused():  # nested (a layout inside a layout's caller)
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_collector_left_off_when_it_was_off():
    gc.disable()
    try:
        pdf.write_pdf(HTML_DOC, base_url=".")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_collector_restored_after_a_failed_layout(monkeypatch):
    import weasyprint

    def broken(self, **kwargs):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    with pytest.raises(RuntimeError):
        pdf.write_pdf(HTML_DOC, base_url=".")
    assert gc.isenabled()
