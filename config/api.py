"""/api/: read-only REST endpoints, with the OpenAPI schema at /api/schema/ (signed-in users only)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from casework.api import CaseViewSet
from meetings.api import ResolutionViewSet
from notifications.api import NotificationViewSet
from referral.api import ReferralViewSet
from supervision.api import SupervisionViewSet

router = DefaultRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("supervisions", SupervisionViewSet, basename="supervision")
router.register("resolutions", ResolutionViewSet, basename="resolution")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="schema"),
    path("", include(router.urls)),
]
