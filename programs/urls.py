"""Web routes under /o/<org_slug>/programs/; each view module declares its own patterns."""

from programs.views import cohorts, guide, imports, participants, programs, topics

app_name = "programs"

urlpatterns = [
    *programs.urlpatterns,
    *topics.urlpatterns,
    *cohorts.urlpatterns,
    *imports.urlpatterns,
    *participants.urlpatterns,
    *guide.urlpatterns,
]
