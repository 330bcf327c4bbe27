"""Monitoring: indicator definitions, plans, stored snapshots and generated reports (issue 5)."""
