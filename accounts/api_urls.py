from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts import api

router = SimpleRouter(trailing_slash=True)
router.register("memberships", api.MembershipViewSet, basename="membership")

urlpatterns = [
    path("me", api.MeView.as_view(), name="api_me"),
]

org_urlpatterns = [
    path("", api.OrganizationDetailView.as_view(), name="api_organization"),
    *router.urls,
]
