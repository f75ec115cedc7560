"""Web routes under /o/<org_slug>/matching/."""

from matching.views import health, pairs, runs

app_name = "matching"

urlpatterns = [*pairs.urlpatterns, *runs.urlpatterns, *health.urlpatterns]
