"""The certificate as PDF (WeasyPrint) from templates/courses/pdf/certificate.html. Pure rendering:
no scoping, no logging; the render task (courses.services.certificates) and the views do that."""

from __future__ import annotations

import re

from django.conf import settings
from django.template.loader import render_to_string

from cnppm.russian import past_verb, with_number

TEMPLATE = "courses/pdf/certificate.html"


def pdf_name(certificate) -> str:
    """Where the file lives in the private storage: one file per certificate, named by its number."""
    safe = re.sub(r"[^\w-]+", "_", certificate.registration_number).strip("_")
    return f"certificates/{certificate.region_id}/{certificate.register_year}/{safe}.pdf"


def _passed(certificate) -> str:
    holder = certificate.holder
    if holder.sex:
        return "прошла" if holder.sex == "female" else "прошёл"
    return past_verb(holder, "прошёл", "прошла")


def certificate_context(certificate, *, issuer: str, head: str = "") -> dict:
    """What the template prints. `certificate` comes with holder, programme, training record and
    original loaded (see `render_queryset`)."""
    record = certificate.training_record
    programme = certificate.programme
    hours = programme.hours if programme else record.hours
    return {
        "c": certificate,
        "original": certificate.original,
        "issuer": issuer,
        "head": head,
        "city": "",
        "passed": _passed(certificate),
        "programme_title": programme.title if programme else record.title,
        "hours_label": with_number(hours, "час") if hours else "",
        "starts_on": record.starts_on,
        "ends_on": record.ends_on,
        "PORTAL_NAME": settings.PORTAL_NAME,
    }


def certificate_html(certificate, *, issuer: str, head: str = "") -> str:
    return render_to_string(TEMPLATE, certificate_context(certificate, issuer=issuer, head=head))


def render_certificate_pdf(certificate, *, issuer: str, head: str = "") -> bytes:
    from cnppm.pdf import write_pdf

    html = certificate_html(certificate, issuer=issuer, head=head)
    return write_pdf(html, base_url=str(settings.BASE_DIR))
