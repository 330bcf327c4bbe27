"""Every report kind rendered at region scale keeps every box on its pages (issue 9): 45 municipalities
with long names, hundreds of schools, competence blocks with long names, the quarterly form, the
municipal letter, the comparison and the ИОМ card. The check walks WeasyPrint's layout
(cnppm.pdf_layout) and fails on any box past a page's edge; the quarterly form's indicator table
must also fit on one page."""

from __future__ import annotations

import pytest

from cnppm.pdf_layout import html_overflows
from monitoring.reports import report_class

pytestmark = pytest.mark.django_db

LONG = (
    "Ленинск-Кузнецкий муниципальный округ Кемеровской области — Кузбасса (городской округ, "
    "объединённый с сельскими территориями)"
)


@pytest.fixture(scope="module")
def region_scale(django_db_setup, django_db_blocker):
    """A generated region (bench.generate_region) with long municipality and block names, its year
    computed; module-scoped so that the five documents share one region."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            from bench.generate_region import generate
            from cnppm.models import Municipality
            from diagnostics.models import CompetenceBlock
            from monitoring.definitions import ensure_definitions
            from monitoring.services.computation import (
                computation_execute,
                computation_request,
                period_get_or_create,
            )

            ensure_definitions()
            info = generate(
                n_teachers=3000,
                n_municipalities=45,
                n_organizations=300,
                n_attempts=2000,
                n_routes=1500,
                region_code="LAYOUT",
            )
            region = info["region"]
            for n, m in enumerate(Municipality.objects.filter(region=region).order_by("pk")[:6]):
                m.name = f"{LONG} {n + 1}"
                m.save(update_fields=["name"])
            for b in CompetenceBlock.objects.filter(code__startswith="layout-"):
                b.name = (
                    f"{b.name}: профессиональные компетенции в области проектирования и реализации программ"
                )
                b.save(update_fields=["name"])
            periods = {}
            for code in ("2021", "2022"):
                period = period_get_or_create(code, region=region)
                run = computation_request(actor=None, period=period, enqueue=False)
                computation_execute(run_id=run.pk)
                periods[code] = period
            municipality = Municipality.objects.filter(region=region).order_by("pk").first()
            yield {"region": region, "periods": periods, "municipality": municipality}
            transaction.set_rollback(True)


def _report_html(kind, period, **kwargs):
    report = report_class(kind)(period=period, **kwargs)
    return report.render_html()


@pytest.mark.parametrize("kind", ["analytic", "quarterly", "municipal_letter", "comparison"])
def test_every_report_stays_inside_its_pages(region_scale, kind):
    periods = region_scale["periods"]
    kwargs = {}
    if kind == "municipal_letter":
        kwargs["municipality"] = region_scale["municipality"]
    if kind == "comparison":
        kwargs["compare_with"] = periods["2021"]
    found, pages = html_overflows(_report_html(kind, periods["2022"], **kwargs))
    assert not found, f"{kind}: {len(found)} блоков за краем страницы:\n" + "\n".join(map(str, found[:15]))
    assert pages >= 1


def test_quarterly_indicator_table_fits_one_page(region_scale):
    """The quarterly form's six indicators fit one page (a narrow column stretched it over three)."""
    from weasyprint import HTML

    html = _report_html("quarterly", region_scale["periods"]["2022"])
    document = HTML(string=html).render()
    pages_with_rows = [n for n, page in enumerate(document.pages, 1) if {"1.", "6."} & _texts(page._page_box)]
    assert pages_with_rows == [1], pages_with_rows


def _texts(box) -> set[str]:
    """The texts of a page's text boxes (the form's row numbers «1.» … «6.» are boxes of their own)."""
    out = {(box.text or "").strip()} if getattr(box, "text", None) else set()
    for child in getattr(box, "children", []) or []:
        out |= _texts(child)
    return out


def test_bar_chart_labels_fit_left_of_the_bars():
    """A chart label is anchored at its end left of the bars; a long one was cut on the left edge.
    Labels are shortened to the room at the widest glyph, the full text kept in <title>."""
    import re

    from monitoring.charts import GLYPH_PX, bar_chart

    svg = bar_chart([(LONG, 5), ("Короткая", 3)], title="Доли")
    labels = re.findall(r'text-anchor="end">([^<]*)<title>([^<]*)</title>', str(svg))
    assert labels[1] == ("Короткая", "Короткая")
    short, full = labels[0]
    assert short.endswith("…") and len(short) * GLYPH_PX <= 230 - 6
    assert full.startswith("Ленинск-Кузнецкий муниципальный округ")
