"""Web routes under /o/<org_slug>/pairs/."""

from django.urls import path

from sessions import hr_views, views

app_name = "sessions"

urlpatterns = [
    path("cohorts/<int:cohort_pk>/commitments/", hr_views.CohortCommitmentsView.as_view(),
         name="cohort_commitments"),
    path("<int:pair_pk>/", views.WorkspaceView.as_view(), name="workspace"),
    path("<int:pair_pk>/sessions/", views.SessionListView.as_view(), name="session_list"),
    path("<int:pair_pk>/sessions/new/", views.SessionScheduleView.as_view(),
         name="session_schedule"),
    path("<int:pair_pk>/sessions/log/", views.SessionLogNewView.as_view(),
         name="session_log_new"),
    path("<int:pair_pk>/sessions/<int:session_pk>/", views.SessionDetailView.as_view(),
         name="session_detail"),
    path("<int:pair_pk>/sessions/<int:session_pk>/edit/", views.SessionEditView.as_view(),
         name="session_edit"),
    path("<int:pair_pk>/sessions/<int:session_pk>/cancel/", views.SessionCancelView.as_view(),
         name="session_cancel"),
    path("<int:pair_pk>/sessions/<int:session_pk>/log/", views.SessionLogView.as_view(),
         name="session_log"),
    path("<int:pair_pk>/sessions/<int:session_pk>/note/", views.SessionNoteView.as_view(),
         name="session_note"),
    path("<int:pair_pk>/sessions/<int:session_pk>/invite.ics", views.SessionIcsView.as_view(),
         name="session_ics"),
    path("<int:pair_pk>/sessions/<int:session_pk>/actions/new/",
         views.ActionItemAddView.as_view(), name="action_item_add"),
    path("<int:pair_pk>/sessions/<int:session_pk>/commitments/new/",
         views.CommitmentAddView.as_view(), name="session_commitment_add"),
    path("<int:pair_pk>/actions/<int:action_pk>/", views.ActionItemView.as_view(),
         name="action_item"),
    path("<int:pair_pk>/notes/", views.PairNoteView.as_view(), name="pair_note"),
    path("<int:pair_pk>/goals/new/", views.GoalAddView.as_view(), name="goal_add"),
    path("<int:pair_pk>/goals/<int:goal_pk>/", views.GoalDetailView.as_view(),
         name="goal_detail"),
    path("<int:pair_pk>/goals/<int:goal_pk>/edit/", views.GoalEditView.as_view(),
         name="goal_edit"),
    path("<int:pair_pk>/commitments/new/", views.CommitmentAddView.as_view(),
         name="commitment_add"),
    path("<int:pair_pk>/commitments/<int:commitment_pk>/", views.CommitmentView.as_view(),
         name="commitment"),
    path("<int:pair_pk>/commitments/<int:commitment_pk>/edit/",
         views.CommitmentEditView.as_view(), name="commitment_edit"),
]
