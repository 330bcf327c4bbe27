"""Every action a person can take in the browser has an endpoint in the API (issue 10.4).

The pages' actions are found, not listed by hand: every page URL whose view accepts a POST
(tests/cnppm/browser_actions.py walks the URL resolver). Each must be mapped here to an operation
of the OpenAPI schema, or be one of the few that make no sense in an API (with the reason). A new
page action without an endpoint fails this test with its name."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from cnppm.api.permissions import PortalUserPermission
from tests.cnppm.browser_actions import post_actions

# url name of the page action → (method, API path as in the schema)
API_OF_ACTION = {
    # cabinet, consent, tokens, imports
    "profile_edit": ("patch", "/api/v1/me/profile/"),
    "consent_withdraw": ("post", "/api/v1/me/consent/withdraw/"),
    "api_token_revoke": ("delete", "/api/v1/auth/token/"),
    "imports_roster": ("post", "/api/v1/imports/roster/"),
    "imports_structure": ("post", "/api/v1/imports/structure/"),
    "imports_history": ("post", "/api/v1/imports/history/"),
    "imports_events": ("post", "/api/v1/imports/events/"),
    "imports_staff_training": ("post", "/api/v1/imports/staff_training/"),
    "import_job_confirm": ("post", "/api/v1/import-jobs/{id}/confirm/"),  # a dry run, confirmed
    # diagnostics: taking, expert, retakes
    "diagnostics:instrument_start": ("post", "/api/v1/attempts/"),
    "diagnostics:answer_save": ("put", "/api/v1/attempts/{id}/answers/{item_id}/"),
    "diagnostics:attempt_finish": ("post", "/api/v1/attempts/{id}/finish/"),
    "diagnostics:retake_grant": ("post", "/api/v1/attempts/{id}/retake/"),
    "diagnostics:expert_check": ("post", "/api/v1/expert/answers/{id}/check/"),
    "diagnostics:expert_correct": ("post", "/api/v1/expert/answers/{id}/correct/"),
    # diagnostics: authoring with the publish workflow
    "diagnostics:block_list": ("post", "/api/v1/authoring/blocks/"),
    "diagnostics:block_edit": ("put", "/api/v1/authoring/blocks/{id}/"),
    "diagnostics:instrument_create": ("post", "/api/v1/authoring/instruments/"),
    "diagnostics:instrument_edit": ("put", "/api/v1/authoring/instruments/{id}/"),
    "diagnostics:instrument_transition": ("post", "/api/v1/authoring/instruments/{id}/transition/"),
    "diagnostics:instrument_new_version": ("post", "/api/v1/authoring/instruments/{id}/new-version/"),
    "diagnostics:variant_add": ("post", "/api/v1/authoring/instruments/{id}/variants/"),
    "diagnostics:variant_delete": ("delete", "/api/v1/authoring/instruments/{id}/variants/{number}/"),
    "diagnostics:item_create": ("post", "/api/v1/authoring/instruments/{id}/variants/{number}/items/"),
    "diagnostics:item_edit": ("put", "/api/v1/authoring/items/{id}/"),
    "diagnostics:item_delete": ("delete", "/api/v1/authoring/items/{id}/"),
    "diagnostics:items_import": ("post", "/api/v1/imports/items/"),
    "diagnostics:items_import_preview": ("post", "/api/v1/item-imports/{id}/confirm/"),  # issue 10.1
    "diagnostics:results_import": ("post", "/api/v1/imports/results/"),
    # routes: the card and its workflow
    "routes:create": ("post", "/api/v1/routes/"),
    "routes:edit": ("post", "/api/v1/routes/{id}/update-card/"),
    "routes:recommendations": ("post", "/api/v1/routes/{id}/activities/"),
    "routes:activity_add": ("post", "/api/v1/routes/{id}/activities/"),
    "routes:activity_edit": ("post", "/api/v1/routes/{id}/activities/{activity_pk}/edit/"),
    "routes:activity_remove": ("post", "/api/v1/routes/{id}/activities/{activity_pk}/remove/"),
    "routes:activity_mark": ("post", "/api/v1/routes/{id}/activities/{activity_pk}/mark/"),
    "routes:transition": ("post", "/api/v1/routes/{id}/transition/"),
    "routes:review": ("post", "/api/v1/routes/{id}/review/"),
    "routes:comment_add": ("post", "/api/v1/routes/{id}/comments/"),
    "routes:correction_sign": ("post", "/api/v1/routes/{id}/corrections/{correction_pk}/sign/"),
    "routes:correction_acknowledge": ("post", "/api/v1/routes/{id}/corrections/{correction_pk}/acknowledge/"),
    "routes:conclusions": ("post", "/api/v1/routes/{id}/conclusions/"),
    "routes:conclusions_sign": ("post", "/api/v1/routes/{id}/conclusions/sign/"),
    "routes:conclusions_acknowledge": ("post", "/api/v1/routes/{id}/conclusions/acknowledge/"),
    "routes:final_event_mark": ("post", "/api/v1/routes/{id}/final-event/"),
    # routes: catalogue, assignment, archives
    "routes:catalogue_create": ("post", "/api/v1/catalogue/"),
    "routes:catalogue_edit": ("put", "/api/v1/catalogue/{id}/"),
    "routes:catalogue_import": ("post", "/api/v1/imports/catalogue/"),
    "routes:assignment_bulk": ("post", "/api/v1/assignments/bulk/"),
    "routes:assignment_person": ("post", "/api/v1/assignments/"),
    "routes:assignment_end": ("post", "/api/v1/assignments/{id}/end/"),
    "routes:balance_apply": ("post", "/api/v1/assignments/balance/"),
    "routes:archives": ("post", "/api/v1/card-archives/"),
    "routes:supporter_profile_edit": ("put", "/api/v1/supporter-profiles/{id}/"),
    # monitoring
    "monitoring:periods": ("post", "/api/v1/monitoring/runs/"),
    "monitoring:period_compute": ("post", "/api/v1/monitoring/runs/"),
    "monitoring:period_close": ("post", "/api/v1/monitoring/periods/{id}/close/"),
    "monitoring:period_reopen": ("post", "/api/v1/monitoring/periods/{id}/reopen/"),
    "monitoring:statistics": ("post", "/api/v1/monitoring/reference/statistics/"),
    "monitoring:statistics_import": ("post", "/api/v1/imports/reference/"),
    "monitoring:org_facts": ("post", "/api/v1/monitoring/reference/organizations/"),
    "monitoring:events": ("post", "/api/v1/monitoring/reference/events/"),
    "monitoring:event_delete": ("delete", "/api/v1/monitoring/reference/events/{id}/"),
    "monitoring:plans": ("post", "/api/v1/monitoring/reference/plans/"),
    "monitoring:reports": ("post", "/api/v1/monitoring/reports/"),
    "monitoring:quarterly_request": ("post", "/api/v1/monitoring/reports/"),
    # courses (issue 12): the courses API
    "courses:programme_create": ("post", "/api/v1/courses/programmes/"),
    "courses:programme_edit": ("put", "/api/v1/courses/programmes/{id}/"),
    "courses:programme_status": ("post", "/api/v1/courses/programmes/{id}/status/"),
    "courses:group_create": ("post", "/api/v1/courses/groups/"),
    "courses:group_edit": ("put", "/api/v1/courses/groups/{id}/"),
    "courses:group_status": ("post", "/api/v1/courses/groups/{id}/status/"),
    "courses:group_enrol": ("post", "/api/v1/courses/groups/{id}/enrol/"),
    "courses:group_finish": ("post", "/api/v1/courses/groups/{id}/finish/"),
    "courses:session_create": ("post", "/api/v1/courses/groups/{id}/sessions/"),
    "courses:session_edit": ("put", "/api/v1/courses/sessions/{id}/"),
    "courses:session_delete": ("delete", "/api/v1/courses/sessions/{id}/"),
    "courses:attendance": ("post", "/api/v1/courses/sessions/{id}/attendance/"),
    "courses:assessment": ("post", "/api/v1/courses/enrolments/{id}/assessment/"),
    "courses:enrolment_request": ("post", "/api/v1/courses/enrolments/"),
    "courses:enrolment_transition": ("post", "/api/v1/courses/enrolments/{id}/transition/"),
    "courses:enrolment_finish": ("post", "/api/v1/courses/enrolments/{id}/finish/"),
    "courses:record_certificate_issue": ("post", "/api/v1/courses/certificates/issue/"),
    "courses:certificate_duplicate": ("post", "/api/v1/courses/certificates/{id}/duplicate/"),
    "courses:import_programmes": ("post", "/api/v1/imports/programmes/"),
    "courses:import_groups": ("post", "/api/v1/imports/groups/"),
    "courses:import_trainings": ("post", "/api/v1/imports/trainings/"),
}

# Page actions that make no sense in an API, each with the reason.
NOT_IN_API = {
    "consent": "consent is given by a person reading its text on the page; the API refuses every request "
    "until it is given (PortalUserPermission), so an API client cannot be the one to give it",
    "account_activate": "a one-time e-mailed link sets the first password of an imported account and signs "
    "the browser in; the API authenticates with tokens (POST /api/v1/auth/token/)",
}
# Sign-in and account pages of django-allauth: sessions, passwords and e-mail addresses of a browser.
ACCOUNT_PAGES = re.compile(r"^account_")
ACCOUNT_REASON = "browser session and password pages (django-allauth); the API signs in with a token"
# Django's admin is the back office's own generic editor, not one of the portal's pages.
ADMIN = re.compile(r"^admin:")


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _needs_api(name: str) -> bool:
    return not (name in NOT_IN_API or ACCOUNT_PAGES.match(name) or ADMIN.match(name))


def test_every_page_action_has_an_api_endpoint(schema):
    actions = post_actions()
    # The finder finds what it should: a form page, a POST-only action, a helper-handled form.
    for known in ("profile_edit", "routes:conclusions_sign", "diagnostics:item_create", "monitoring:plans"):
        assert known in actions, known
    missing = sorted(name for name in actions if _needs_api(name) and name not in API_OF_ACTION)
    assert not missing, "page actions without an API endpoint (map them in API_OF_ACTION):\n" + "\n".join(
        f"  {name}: /{actions[name]}" for name in missing
    )
    absent = sorted(
        f"{name}: {method.upper()} {path}"
        for name, (method, path) in API_OF_ACTION.items()
        if method not in schema["paths"].get(path, {})
    )
    assert not absent, "mapped operations missing from the OpenAPI schema:\n" + "\n".join(absent)
    stale = sorted(set(API_OF_ACTION) - set(actions))
    assert not stale, f"mapped page actions that no longer exist: {stale}"
    assert ACCOUNT_REASON and all(NOT_IN_API.values())


def test_every_import_kind_with_an_upload_has_its_endpoint(schema):
    from cnppm.import_jobs import UPLOADS

    for kind in UPLOADS:
        assert "post" in schema["paths"].get(f"/api/v1/imports/{kind}/", {}), kind


@pytest.mark.django_db
def test_every_action_endpoint_refuses_anonymous_and_checks_the_portal_gates(schema):
    """Each mapped endpoint is behind the portal's gates (signed in, consent, password changed), from
    which HasRole derives; anonymous callers change nothing."""
    from django.urls import resolve

    client, factory = APIClient(), APIRequestFactory()
    for method, path in sorted(set(API_OF_ACTION.values())):
        url = re.sub(r"\{[^}]+\}", "1", path)
        match = resolve(url)
        view = match.func
        cls = getattr(view, "cls", None) or view.view_class
        instance = cls(**(getattr(view, "initkwargs", None) or {}))
        instance.action = (getattr(view, "actions", None) or {}).get(method)
        instance.request = Request(getattr(factory, method)(url))
        instance.args, instance.kwargs, instance.format_kwarg = (), match.kwargs, None
        permissions = instance.get_permissions()
        assert any(isinstance(p, PortalUserPermission) for p in permissions), (
            f"{method} {path}: {permissions}"
        )
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code in (401, 403), f"{method} {path}: {response.status_code}"
