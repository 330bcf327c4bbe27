"""Statistics pages (aggregates, scoped by cnppm.access) and the results export per person (scoped,
logged as personal data)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from cnppm import access
from cnppm.models import PersonalDataAccess
from cnppm.services import personal_data_log

from .. import exporters
from ..choices import DeficitLevel
from ..models import CompetenceBlock
from ..selectors import instruments as instrument_sel
from ..selectors import statistics as sel

statistics_roles = access.role_required(*sel.STATISTICS_ROLES)


def _instrument(request, pk):
    try:
        return sel.statistics_instruments(user=request.user).get(pk=pk)
    except Exception:  # noqa: BLE001 - missing, malformed or draft: the same 404
        raise Http404 from None


def _block(request, instrument):
    block_id = request.GET.get("block")
    if not block_id:
        return None
    try:
        return instrument.blocks.get(pk=block_id)
    except (CompetenceBlock.DoesNotExist, ValueError):
        raise Http404 from None


@statistics_roles
def statistics_index(request):
    return render(
        request,
        "diagnostics/statistics/index.html",
        {"instruments": sel.statistics_instruments(user=request.user)},
    )


@statistics_roles
def statistics_detail(request, pk):
    instrument = _instrument(request, pk)
    block = _block(request, instrument)
    stats = sel.instrument_statistics(user=request.user, instrument=instrument, block=block)
    return render(
        request,
        "diagnostics/statistics/detail.html",
        {
            "instrument": instrument,
            "stats": stats,
            "block": block,
            "blocks": instrument.blocks.filter(is_scored=True),
            "group_tables": [(kind, title, stats.groups[kind]) for kind, title in sel.GROUPINGS.items()],
            "source_note": f" — блок «{block.name}»" if block else " — итог по работе",
            "level_labels": [DeficitLevel(lvl).label for lvl in sel.LEVELS],
            "can_export_results": access.has_role(request.user, *instrument_sel.RESULTS_EXPORT_ROLES),
        },
    )


@statistics_roles
def statistics_export(request, pk):
    instrument = _instrument(request, pk)
    stats = sel.instrument_statistics(
        user=request.user, instrument=instrument, block=_block(request, instrument)
    )
    response = HttpResponse(exporters.statistics_to_xlsx(stats), content_type=exporters.XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="statistics-{instrument.code}.xlsx"'
    return response


@access.role_required(*instrument_sel.RESULTS_EXPORT_ROLES)
def results_export(request, pk):
    instrument = _instrument(request, pk)
    rows, blocks = instrument_sel.results_rows(user=request.user, instrument=instrument)
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.EXPORT,
        object_type="diagnostics.results",
        object_id=instrument.pk,
        records=len(rows),
        path=request.get_full_path(),
    )
    response = HttpResponse(exporters.results_to_xlsx(rows, blocks), content_type=exporters.XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="results-{instrument.code}.xlsx"'
    return response
