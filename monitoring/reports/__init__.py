"""The reports of the monitoring: a registry of report classes by kind (monitoring.choices.ReportKind)."""

from __future__ import annotations

from cnppm.services import DomainError

from .analytic import AnalyticReport
from .base import Report, Table
from .comparison import ComparisonReport
from .municipal_letter import MunicipalLetterReport
from .quarterly import QuarterlyReport

REGISTRY: dict[str, type[Report]] = {
    cls.kind: cls for cls in (AnalyticReport, QuarterlyReport, MunicipalLetterReport, ComparisonReport)
}


def report_class(kind: str) -> type[Report]:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise DomainError(f"Неизвестный вид отчёта: {kind}") from None


def kinds_for(user) -> list[type[Report]]:
    """The report classes the user's roles allow (the scope is checked per request)."""
    return [cls for cls in REGISTRY.values() if cls.role_allows(user)]


__all__ = ["REGISTRY", "Report", "Table", "kinds_for", "report_class"]
