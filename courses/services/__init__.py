"""Writes of the courses app: programmes and groups, enrolment (with the waiting list), attendance
and assessment, completion (training record, certificate, the ИОМ activity marked done)."""
