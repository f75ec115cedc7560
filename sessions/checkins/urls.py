"""Web routes of check-ins (under /o/<org_slug>/): the pair's pages for its two people, the
person's own list, and HR's alert pages."""

from django.urls import path

from sessions.checkins import views

app_name = "checkins"

urlpatterns = [
    path("pairs/<int:pair_pk>/check-in/", views.CheckInView.as_view(), name="check_in"),
    path("pairs/<int:pair_pk>/fit-check/", views.FitCheckView.as_view(), name="fit_check"),
    path("check-ins/", views.MyCheckInsView.as_view(), name="mine"),
    path("check-ins/alerts/", views.OrganizationAlertsView.as_view(), name="hr_alerts_all"),
    path("check-ins/cohorts/<int:cohort_pk>/alerts/", views.CohortAlertsView.as_view(),
         name="hr_alerts"),
    path("check-ins/cohorts/<int:cohort_pk>/settings/", views.CheckInSettingsView.as_view(),
         name="settings"),
    path("check-ins/alerts/<int:alert_pk>/", views.AlertDetailView.as_view(), name="hr_alert"),
    path("check-ins/alerts/<int:alert_pk>/acknowledge/", views.AlertAcknowledgeView.as_view(),
         name="hr_alert_acknowledge"),
    path("check-ins/alerts/<int:alert_pk>/resolve/", views.AlertResolveView.as_view(),
         name="hr_alert_resolve"),
]
