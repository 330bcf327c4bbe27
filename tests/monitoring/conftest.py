import pytest

from cnppm.choices import Role
from monitoring.services.computation import computation_execute, computation_request, period_get_or_create
from tests.monitoring import factories as f


def compute(code: str, actor=None):
    period = period_get_or_create(code)
    run = computation_request(actor=actor, period=period, enqueue=False)
    computation_execute(run_id=run.pk)
    period.refresh_from_db()
    return period


@pytest.fixture(autouse=True)
def _definitions(request):
    """Tests run without migrations: create the indicator definitions the data migration makes."""
    if (
        "db" in request.fixturenames
        or "world" in request.fixturenames
        or request.node.get_closest_marker("django_db")
    ):
        from monitoring.definitions import ensure_definitions

        request.getfixturevalue("db")
        ensure_definitions()


@pytest.fixture
def monitored(world):
    """The world with data: in M1 (school O1) 4 diagnosed, 3 with an ИОМ; in M2 (O3) 2 diagnosed,
    1 with an ИОМ; official headcounts 300 (M1) and 100 (M2); Q2 2022 computed."""
    o1, o3 = world["o1"], world["o3"]
    f.refstat(world["m1"], 2022, teachers_total=300, schools_total=10)
    f.refstat(world["m2"], 2022, teachers_total=100, schools_total=5)
    for org, n_diag, n_iom in ((o1, 4, 3), (o3, 2, 1)):
        for i in range(n_diag):
            p = f.teacher(org, last_name=f"Участник{org.pk}_{i}")
            a = f.attempt(p, results={"ict": "high"})
            if i < n_iom:
                f.route(p, entry=a, activities=[{"competences": ["ict"]}])
    world["period"] = compute("2022-Q2", actor=world["operator"].user)
    return world


__all__ = ["compute", "Role"]
