"""API routes under /api/v1/o/<org_slug>/dashboard/."""

from django.urls import path

from dashboards import api

urlpatterns = [
    path("dashboard/", api.DashboardView.as_view(), name="api_dashboard"),
    path("dashboard/panels/<slug:panel_key>/", api.DashboardPanelView.as_view(),
         name="api_dashboard_panel"),
]
