"""API routes under /api/v1/o/<org_slug>/ for programs, cohorts, topics, participants and
invitations into cohorts."""

from rest_framework.routers import SimpleRouter

from programs import api

router = SimpleRouter(trailing_slash=True)
router.register("programs", api.ProgramViewSet, basename="program")
router.register("cohorts", api.CohortViewSet, basename="cohort")
router.register("topics", api.TopicViewSet, basename="topic")
router.register("participants", api.ParticipantViewSet, basename="participant")
router.register("cohort-invitations", api.CohortInvitationViewSet, basename="cohort-invitation")

urlpatterns = router.urls
