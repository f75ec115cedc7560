"""Web routes under /o/<org_slug>/surveys/."""

from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.SurveyListView.as_view(), name="survey_list"),
    path("new/", views.SurveyCreateView.as_view(), name="survey_create"),
    path("templates/copy/", views.TemplateCopyView.as_view(), name="template_copy"),
    path("mine/", views.MySurveysView.as_view(), name="my_surveys"),
    path("results/", views.ResultsListView.as_view(), name="results_list"),
    path("<int:survey_pk>/", views.SurveyDetailView.as_view(), name="survey_detail"),
    path("<int:survey_pk>/edit/", views.SurveyEditView.as_view(), name="survey_edit"),
    path("<int:survey_pk>/publish/", views.SurveyPublishView.as_view(), name="survey_publish"),
    path("<int:survey_pk>/close/", views.SurveyCloseView.as_view(), name="survey_close"),
    path("<int:survey_pk>/delete/", views.SurveyDeleteView.as_view(), name="survey_delete"),
    path("<int:survey_pk>/copy/", views.SurveyCopyView.as_view(), name="survey_copy"),
    path("<int:survey_pk>/questions/new/", views.QuestionCreateView.as_view(),
         name="question_create"),
    path("<int:survey_pk>/questions/<int:question_pk>/", views.QuestionEditView.as_view(),
         name="question_edit"),
    path("<int:survey_pk>/questions/<int:question_pk>/delete/", views.QuestionDeleteView.as_view(),
         name="question_delete"),
    path("<int:survey_pk>/questions/<int:question_pk>/move/", views.QuestionMoveView.as_view(),
         name="question_move"),
    path("<int:survey_pk>/results/", views.ResultsView.as_view(), name="results"),
    path("<int:survey_pk>/results.csv", views.ResultsCsvView.as_view(), name="results_csv"),
    path("<int:survey_pk>/answer/", views.AnswerView.as_view(), name="answer"),
]

