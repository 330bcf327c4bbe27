"""Background jobs of the courses app. Tasks take ids, run after the transaction commits, and record
their run; the work itself lives in services."""

from . import tasks_certificates  # noqa: F401  (certificate PDFs, issue 12.4)
