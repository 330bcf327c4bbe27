from django.urls import path  # noqa: F401

urlpatterns: list = []

# --- Assignment of curators, tutors and mentors (engineer B) ---
from cnppm.api.routers import Router  # noqa: E402

from .views_assignment import CaseloadView, SupportAssignmentViewSet, SupportPoolView  # noqa: E402

_assignments = Router()
_assignments.register("assignments", SupportAssignmentViewSet, basename="assignment")
urlpatterns += _assignments.urls
urlpatterns += [
    path("caseload/", CaseloadView.as_view(), name="caseload"),
    path("support-pool/", SupportPoolView.as_view(), name="support-pool"),
]

# --- Route cards, the catalogue, comments, verdicts, corrections (engineer A) ---
from .views import CatalogueViewSet, CommentViewSet, CorrectionViewSet, ReviewViewSet, RouteViewSet  # noqa: E402

_routes = Router()
_routes.register("catalogue", CatalogueViewSet, basename="catalogue-activity")
_routes.register("routes", RouteViewSet, basename="route")
_routes.register("route-comments", CommentViewSet, basename="route-comment")
_routes.register("route-reviews", ReviewViewSet, basename="route-review")
_routes.register("route-corrections", CorrectionViewSet, basename="route-correction")
urlpatterns += _routes.urls

# --- The other pages' actions: bulk assignment, balancing, supporter profiles, card archives (issue 10.4) ---
from .views_actions import (  # noqa: E402
    BalanceView,
    BulkAssignView,
    CardArchiveViewSet,
    SupporterProfileViewSet,
)

_actions = Router()
_actions.register("supporter-profiles", SupporterProfileViewSet, basename="supporter-profile")
_actions.register("card-archives", CardArchiveViewSet, basename="card-archive")
urlpatterns += [
    path("assignments/bulk/", BulkAssignView.as_view(), name="assignment-bulk"),
    path("assignments/balance/", BalanceView.as_view(), name="assignment-balance"),
]
urlpatterns += _actions.urls
