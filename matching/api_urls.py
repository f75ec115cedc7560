"""API routes under /api/v1/o/<org_slug>/matching/."""

from django.urls import path

from matching import api

urlpatterns = [
    path("matching/runs/", api.RunListView.as_view(), name="api_matching_runs"),
    path("matching/runs/<int:run_pk>/", api.RunDetailView.as_view(),
         name="api_matching_run"),
    path("matching/runs/<int:run_pk>/cancel/", api.RunCancelView.as_view(),
         name="api_matching_run_cancel"),
    path("matching/runs/<int:run_pk>/retry/", api.RunRetryView.as_view(),
         name="api_matching_run_retry"),
    path("matching/runs/<int:run_pk>/publish/", api.RunPublishView.as_view(),
         name="api_matching_run_publish"),
    path("matching/runs/<int:run_pk>/proposals/", api.ProposalListView.as_view(),
         name="api_matching_proposals"),
    path("matching/runs/<int:run_pk>/proposals/<int:proposal_pk>/",
         api.ProposalDetailView.as_view(), name="api_matching_proposal"),
    path("matching/runs/<int:run_pk>/proposals/<int:proposal_pk>/lock/",
         api.ProposalLockView.as_view(), name="api_matching_proposal_lock"),
    path("matching/runs/<int:run_pk>/proposals/<int:proposal_pk>/reject/",
         api.ProposalRejectView.as_view(), name="api_matching_proposal_reject"),
    path("matching/runs/<int:run_pk>/swap/", api.ProposalSwapView.as_view(),
         name="api_matching_run_swap"),
    path("matching/cohorts/<int:cohort_pk>/assess/", api.PairAssessView.as_view(),
         name="api_matching_pair_assess"),
    path("matching/cohorts/<int:cohort_pk>/locks/", api.PairLockView.as_view(),
         name="api_matching_pair_lock"),
    path("matching/pairs/", api.PairListView.as_view(), name="api_matching_pairs"),
    path("matching/pairs/mine/", api.MyPairListView.as_view(), name="api_matching_my_pairs"),
]
