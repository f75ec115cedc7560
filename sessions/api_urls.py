"""API routes under /api/v1/o/<org_slug>/ for the signed-in participant's pairs."""

from django.urls import path

from sessions import api

PAIR = "pairs/<int:pair_pk>/"
SESSION = f"{PAIR}sessions/<int:session_pk>/"

urlpatterns = [
    path("pairs/", api.MyPairListView.as_view(), name="api_pairs"),
    path(PAIR, api.PairDetailView.as_view(), name="api_pair"),
    path(f"{PAIR}slots/", api.SlotListView.as_view(), name="api_pair_slots"),
    path(f"{PAIR}note/", api.PairNoteView.as_view(), name="api_pair_note"),
    path(f"{PAIR}sessions/", api.SessionListView.as_view(), name="api_sessions"),
    path(f"{PAIR}sessions/past/", api.PastSessionListView.as_view(), name="api_past_sessions"),
    path(SESSION, api.SessionDetailView.as_view(), name="api_session"),
    path(f"{SESSION}cancellation/", api.SessionCancellationView.as_view(),
         name="api_session_cancellation"),
    path(f"{SESSION}log/", api.SessionLogView.as_view(), name="api_session_log"),
    path(f"{SESSION}note/", api.SessionNoteView.as_view(), name="api_session_note"),
    path(f"{SESSION}action-items/", api.SessionActionItemListView.as_view(),
         name="api_session_action_items"),
    path(f"{PAIR}action-items/", api.ActionItemListView.as_view(), name="api_action_items"),
    path(f"{PAIR}action-items/<int:action_pk>/", api.ActionItemDetailView.as_view(),
         name="api_action_item"),
    path(f"{PAIR}goals/", api.GoalListView.as_view(), name="api_goals"),
    path(f"{PAIR}goals/<int:goal_pk>/", api.GoalDetailView.as_view(), name="api_goal"),
    path(f"{PAIR}goals/<int:goal_pk>/updates/", api.GoalUpdateListView.as_view(),
         name="api_goal_updates"),
    path(f"{PAIR}commitments/", api.CommitmentListView.as_view(), name="api_commitments"),
    path(f"{PAIR}commitments/<int:commitment_pk>/", api.CommitmentDetailView.as_view(),
         name="api_commitment"),
    path(f"{PAIR}commitments/<int:commitment_pk>/outcome/",
         api.CommitmentOutcomeView.as_view(), name="api_commitment_outcome"),
    path("notes/", api.MyNoteListView.as_view(), name="api_my_notes"),
]
