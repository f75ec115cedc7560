"""Web routes under /o/<org_slug>/dashboard/ (HR analytics under hr/)."""

from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("print/", views.DashboardPrintView.as_view(), name="print"),
    path("dashboard.csv", views.DashboardCsvView.as_view(), name="csv"),
    path("panels/<slug:panel_key>.csv", views.PanelCsvView.as_view(), name="panel_csv"),
    path("hr/", views.HRDashboardView.as_view(), name="hr"),
    path("hr/print/", views.HRDashboardPrintView.as_view(), name="hr_print"),
    path("hr/hr-analytics.csv", views.HRDashboardCsvView.as_view(), name="hr_csv"),
    path("hr/panels/<slug:panel_key>.csv", views.HRPanelCsvView.as_view(),
         name="hr_panel_csv"),
]
