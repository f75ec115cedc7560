"""API routes of check-ins under /api/v1/o/<org_slug>/."""

from django.urls import path

from sessions.checkins import api

urlpatterns = [
    path("pairs/<int:pair_pk>/check-in/", api.PairCheckInView.as_view(),
         name="api_pair_check_in"),
    path("pairs/<int:pair_pk>/fit-check/", api.PairFitCheckView.as_view(),
         name="api_pair_fit_check"),
    path("check-ins/", api.MyCheckInListView.as_view(), name="api_my_check_ins"),
    path("fit-checks/", api.MyFitCheckListView.as_view(), name="api_my_fit_checks"),
    path("cohorts/<int:cohort_pk>/hr-alerts/", api.CohortAlertListView.as_view(),
         name="api_hr_alerts"),
    path("cohorts/<int:cohort_pk>/check-in-schedule/", api.CheckInScheduleView.as_view(),
         name="api_check_in_schedule"),
    path("hr-alerts/<int:alert_pk>/", api.AlertDetailView.as_view(), name="api_hr_alert"),
    path("hr-alerts/<int:alert_pk>/acknowledge/", api.AlertAcknowledgeView.as_view(),
         name="api_hr_alert_acknowledge"),
    path("hr-alerts/<int:alert_pk>/resolve/", api.AlertResolveView.as_view(),
         name="api_hr_alert_resolve"),
]
