"""API routes under /api/v1/o/<org_slug>/surveys/."""

from django.urls import path

from feedback import api

urlpatterns = [
    path("surveys/", api.SurveyListView.as_view(), name="api_surveys"),
    path("surveys/mine/", api.MySurveyListView.as_view(), name="api_my_surveys"),
    path("surveys/mine/<int:survey_pk>/", api.MySurveyDetailView.as_view(),
         name="api_my_survey"),
    path("surveys/mine/<int:survey_pk>/responses/", api.MyResponseCreateView.as_view(),
         name="api_my_survey_responses"),
    path("surveys/<int:survey_pk>/", api.SurveyDetailView.as_view(), name="api_survey"),
    path("surveys/<int:survey_pk>/publish/", api.SurveyPublishView.as_view(),
         name="api_survey_publish"),
    path("surveys/<int:survey_pk>/close/", api.SurveyCloseView.as_view(),
         name="api_survey_close"),
    path("surveys/<int:survey_pk>/copy/", api.SurveyCopyView.as_view(), name="api_survey_copy"),
    path("surveys/<int:survey_pk>/questions/", api.QuestionListView.as_view(),
         name="api_survey_questions"),
    path("surveys/<int:survey_pk>/questions/<int:question_pk>/",
         api.QuestionDetailView.as_view(), name="api_survey_question"),
    path("surveys/<int:survey_pk>/results/", api.ResultsView.as_view(),
         name="api_survey_results"),
]
