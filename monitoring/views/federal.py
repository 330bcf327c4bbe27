"""The federal page «Регионы» (issue 10.3): for the federal role (the ministry of the federation, the
Academy) every region's indicators side by side for a period, the federal aggregate, and the same
figures as XLSX. Region-level aggregates only (monitoring.federal); the federal role reaches no
person-level page (cnppm.access gives it no region, municipality or organization scope)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from cnppm import access
from cnppm.choices import Role

from .. import federal

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _table(request) -> dict:
    code = (request.GET.get("period") or "").strip().upper()
    table = federal.federal_table(request.user, code, cumulative=request.GET.get("mode", "cum") != "period")
    if code and code not in table["codes"]:
        raise Http404
    return table


@access.role_required(Role.FEDERAL)
def regions(request):
    table = _table(request)
    rows = [
        {
            **r,
            "cells": [
                {
                    "indicator": i,
                    "figure": r["values"].get(i["code"]),
                    "value": federal.shown_value(i, r["values"].get(i["code"])),
                }
                for i in table["indicators"]
            ],
        }
        for r in table["regions"]
    ]
    totals = [{"indicator": i, "figure": table["total"][i["code"]]} for i in table["indicators"]]
    return render(request, "monitoring/federal.html", {"t": table, "rows": rows, "totals": totals})


@access.role_required(Role.FEDERAL)
def regions_xlsx(request):
    table = _table(request)
    if not table["code"]:
        raise Http404
    mode = "cum" if table["cumulative"] else "period"
    response = HttpResponse(federal.render_xlsx(table), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="regions_{table["code"]}_{mode}.xlsx"'
    return response
