"""The region seal of certificates and course imports (issue 8.3 extended to issue 12.4–12.6): region
2's operator, tutor and teacher try to issue or duplicate region 1's certificates and to import
programmes, groups and training naming region 1's programme and school; every attempt answers a 404
or a refusal and changes none of region 1's rows. The shared walk
(tests/cnppm/test_region_seal_writes.py) lists these URLs as sealed here."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from courses import importers
from courses.models import Certificate, CertificateCounter, Enrolment, Group, Programme, TrainingRecord
from courses.services.certificates import certificate_issue
from tests.courses.certificate_data import programme, record
from tests.courses.test_course_imports import _xlsx

pytestmark = pytest.mark.django_db

REGION2_ROLES = ("operator", "tutor", "teacher")
API = "/api/v1/courses"


@pytest.fixture(autouse=True)
def _no_pdfs(monkeypatch):
    monkeypatch.setattr("courses.services.certificates.pdfs_queue", lambda certificates: [])


def _fingerprint(region) -> dict:
    return {
        "programme": list(Programme.objects.filter(region=region).order_by("pk").values_list()),
        "group": list(Group.objects.filter(programme__region=region).order_by("pk").values_list()),
        "enrolment": list(
            Enrolment.objects.filter(group__programme__region=region).order_by("pk").values_list()
        ),
        "record": list(
            TrainingRecord.objects.filter(organization__municipality__region=region)
            .order_by("pk")
            .values_list()
        ),
        "certificate": list(Certificate.objects.filter(region=region).order_by("pk").values_list()),
        "counter": list(CertificateCounter.objects.filter(region=region).order_by("pk").values_list()),
    }


def _files(title: str) -> dict[str, bytes]:
    school = ["Первый район", "Школа 1", "Логинова", "Анна", "", ""]
    return {
        "programmes": _xlsx(
            {
                "Программы": [
                    list(importers.PROGRAMME_COLUMNS),
                    [
                        title,
                        "семинар",
                        2,
                        "очная",
                        "",
                        "",
                        "без документа",
                        "",
                        "нет",
                        "",
                        0,
                        "нет",
                        "открыта",
                    ],
                ]
            }
        ),
        "groups": _xlsx(
            {
                "Группы": [
                    list(importers.GROUP_COLUMNS),
                    [title, "Группа 1", "01.02.2026", "20.02.2026", 5, ""],
                ],
                "Слушатели": [list(importers.PARTICIPANT_COLUMNS), [*school, title, "Группа 1", "завершил"]],
            }
        ),
        "trainings": _xlsx(
            {
                "Обучение": [
                    list(importers.TRAINING_COLUMNS),
                    [*school, title, "ИРО", 36, "01.02.2024", "20.02.2024", "да", "нет", "", ""],
                ]
            }
        ),
    }


def test_region2_cannot_issue_duplicate_or_import_into_region1(client, two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    region1 = r1["m1"].region
    prog = programme(region1, title="Программа первого региона")
    certificate = certificate_issue(actor=r1["operator"].user, training_record=record(r1["teacher"], prog))
    pending = record(r1["other_teacher"], prog)
    before = _fingerprint(region1)
    requests = {
        "courses:record_certificate_issue": (
            "post",
            reverse("courses:record_certificate_issue", args=[pending.pk]),
            {},
            False,
        ),
        "courses:certificate_duplicate": (
            "post",
            reverse("courses:certificate_duplicate", args=[certificate.pk]),
            {"reason": "утрата"},
            False,
        ),
        "course-certificate-issue": (
            "post",
            f"{API}/certificates/issue/",
            {"training_record": pending.pk},
            True,
        ),
        "course-certificate-duplicate": (
            "post",
            f"{API}/certificates/{certificate.pk}/duplicate/",
            {"reason": "утрата"},
            True,
        ),
    }
    failures = []
    for name, (_method, url, data, is_api) in requests.items():
        for role in REGION2_ROLES:
            client.force_login(r2[role].user)
            if is_api:
                response = client.post(url, data, content_type="application/json")
            else:
                response = client.post(url, data)
            if response.status_code not in ({400, 403, 404} if is_api else {302, 403, 404}):
                failures.append(f"{name}: {role}: {response.status_code}")
            if _fingerprint(region1) != before:
                failures.append(f"{name}: {role} changed region 1")
    # Imports land in the actor's own region: region 1's programme title, school and people are not found there.
    for kind, content in _files(prog.title).items():
        for role in REGION2_ROLES:
            client.force_login(r2[role].user)
            upload = io.BytesIO(content)
            upload.name = f"{kind}.xlsx"
            response = client.post(reverse(f"courses:import_{kind}"), {f"{kind}-file": upload})
            if response.status_code not in (302, 403, 404):
                failures.append(f"courses:import_{kind}: {role}: {response.status_code}")
            upload = io.BytesIO(content)
            upload.name = f"{kind}.xlsx"
            response = client.post(reverse(f"api-import-{kind}"), {"file": upload})
            if response.status_code not in (201, 202, 400, 403, 404):
                failures.append(f"api-import-{kind}: {role}: {response.status_code}")
            if _fingerprint(region1) != before:
                failures.append(f"import {kind}: {role} changed region 1")
    assert not failures, "\n".join(failures)
    # The harness can fail: region 1's operator does issue.
    client.force_login(r1["operator"].user)
    client.post(reverse("courses:record_certificate_issue", args=[pending.pk]))
    assert _fingerprint(region1) != before
