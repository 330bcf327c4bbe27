"""Writes of the monitoring. Kept import-light: import the module you need.

- `monitoring.services.computation`: periods (`period_get_or_create`, `period_close`,
  `period_reopen`), computation runs (`computation_request`, `computation_execute`);
- `monitoring.services.reference`: reference statistics, organization facts, regional events,
  indicator plans (each records who entered it and when), XLSX import of reference statistics;
- `monitoring.services.reports` (engineer B): report runs.
"""
