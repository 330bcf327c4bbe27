import os
import time

import pytest

from cnppm.choices import Role, SupportRole
from tests.cnppm.factories import MunicipalityFactory, OrganizationFactory, assign_support, make_person

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The portal's days are Moscow days (settings.TIME_ZONE); tests that build dates with
# `date.today()` would otherwise disagree with the pages by a day when the suite runs between 21:00
# and 24:00 UTC. The browser (chromium reads TZ) follows the same clock.
os.environ["TZ"] = os.environ.get("TIME_ZONE", "Europe/Moscow")
time.tzset()


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Card PDFs are laid out after each card edit (eagerly: inline); tests that need it turn it on.
    settings.CARD_PDF_PRERENDER = False
    # PBKDF2 costs ~0.3 s a user; tests create dozens. Production keeps the default hashers.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Each xdist worker gets its own cache key prefix; on Redis only that prefix is cleared, so
    # workers never flush each other's sessions or rate-limit counters.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    caches = {alias: {**conf, "KEY_PREFIX": f"test-{worker}"} for alias, conf in settings.CACHES.items()}
    settings.CACHES = caches
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture
def world(db):
    """One person for every role, scoped around `teacher`: their school O1 in municipality M1.
    `other_teacher` works in M2, outside every municipal and school scope of the world."""
    m1 = MunicipalityFactory(name="Первый район", code="M1")
    m2 = MunicipalityFactory(name="Второй район", code="M2")
    o1 = OrganizationFactory(municipality=m1, short_name="Школа 1")
    o2 = OrganizationFactory(municipality=m1, short_name="Школа 2")
    o3 = OrganizationFactory(municipality=m2, short_name="Школа 3")
    centre = OrganizationFactory(municipality=m1, short_name="ЦНППМ", kind="centre")
    w = {"m1": m1, "m2": m2, "o1": o1, "o2": o2, "o3": o3, "centre": centre}
    w["teacher"] = make_person(Role.TEACHER, organization=o1, username="teacher")
    w["other_teacher"] = make_person(Role.TEACHER, organization=o3, username="other_teacher")
    w["mentor"] = make_person(Role.MENTOR, organization=o1, username="mentor")
    w["curator"] = make_person(Role.CURATOR, organization=centre, username="curator")
    w["tutor"] = make_person(Role.TUTOR, organization=centre, username="tutor")
    w["school_head"] = make_person(Role.SCHOOL_HEAD, organization=o1, username="school_head")
    w["municipal_methodist"] = make_person(Role.MUNICIPAL_METHODIST, organization=o2, username="mm")
    w["other_municipal_methodist"] = make_person(Role.MUNICIPAL_METHODIST, organization=o3, username="mm2")
    w["expert"] = make_person(Role.EXPERT, organization=centre, username="expert")
    w["regional_methodist"] = make_person(Role.REGIONAL_METHODIST, organization=centre, username="rm")
    w["operator"] = make_person(Role.OPERATOR, organization=centre, username="operator")
    w["ministry"] = make_person(Role.MINISTRY, organization=centre, username="ministry")
    # The federal level (issue 10.3): every region's aggregates, nothing person-level.
    # Not the Centre's staff (as in the demo, a federal body attached to the region's directory).
    federal_body = OrganizationFactory(municipality=m1, short_name="Минпросвещения России", kind="authority")
    w["federal"] = make_person(Role.FEDERAL, organization=federal_body, username="federal")
    assign_support(w["teacher"], w["mentor"], SupportRole.MENTOR, order_number="15-о")
    assign_support(w["teacher"], w["curator"], SupportRole.CURATOR)
    assign_support(w["teacher"], w["tutor"], SupportRole.TUTOR)
    return w


@pytest.fixture
def two_regions(world):
    """`world` is region 1; region 2 («Вторая область») has its own municipality, school and Centre
    and its own person for every role (usernames prefixed `r2_`), with the teacher supported by
    region 2's curator, tutor and mentor. Returns {"r1": world, "r2": {...}}: the region-seal tests
    check that region 2's people cannot change region 1's data."""
    from tests.cnppm.factories import RegionFactory

    region2 = RegionFactory(name="Вторая область", code="R2")
    muni = MunicipalityFactory(region=region2, name="Заречный район", code="R2M1")
    school = OrganizationFactory(municipality=muni, short_name="Школа Заречья")
    centre = OrganizationFactory(municipality=muni, short_name="ЦНППМ Заречья", kind="centre")
    r2 = {"region": region2, "m1": muni, "o1": school, "centre": centre}
    for role, org in (
        (Role.TEACHER, school),
        (Role.MENTOR, school),
        (Role.SCHOOL_HEAD, school),
        (Role.MUNICIPAL_METHODIST, school),
        (Role.CURATOR, centre),
        (Role.TUTOR, centre),
        (Role.EXPERT, centre),
        (Role.REGIONAL_METHODIST, centre),
        (Role.OPERATOR, centre),
        (Role.MINISTRY, centre),
    ):
        r2[str(role)] = make_person(
            role, organization=org, username=f"r2_{role}", last_name=f"Заречный-{role}"
        )
    assign_support(r2["teacher"], r2["mentor"], SupportRole.MENTOR, order_number="7-о")
    assign_support(r2["teacher"], r2["curator"], SupportRole.CURATOR)
    assign_support(r2["teacher"], r2["tutor"], SupportRole.TUTOR)
    return {"r1": world, "r2": r2}
