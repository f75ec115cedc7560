"""URL map. Everything tenant-owned lives under /o/<org_slug>/ (web) or
/api/v1/o/<org_slug>/ (API); tests enumerate these prefixes for isolation checks."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api_urls as accounts_api_urls
from accounts import urls as accounts_urls

admin.site.login = secure_admin_login(admin.site.login)

org_web_patterns = [
    *accounts_urls.org_urlpatterns,
    path("programs/", include("programs.urls")),
    path("matching/", include("matching.urls")),
    path("pairs/", include("sessions.urls")),
    path("", include("sessions.checkins.urls")),
    path("surveys/", include("feedback.urls")),
    path("dashboard/", include("dashboards.urls")),
]

org_api_patterns = [
    *accounts_api_urls.org_urlpatterns,
    path("", include("programs.api_urls")),
    path("", include("matching.api_urls")),
    path("", include("sessions.api_urls")),
    path("", include("sessions.checkins.api_urls")),
    path("", include("feedback.api_urls")),
    path("", include("dashboards.api_urls")),
]

urlpatterns = [
    path("", include(accounts_urls.urlpatterns)),
    path("o/<slug:org_slug>/", include(org_web_patterns)),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(accounts_api_urls.urlpatterns)),
    path("api/v1/o/<slug:org_slug>/", include(org_api_patterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI under the same strict CSP as every page: the split view serves its init
    # script from ?script (not inline), and our template drops the inline <style>.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(
        url_name="schema", template_name="api/swagger_ui.html"), name="swagger-ui"),
    # The admin signs in through allauth (two-factor, rate limits), never its own form.
    path("django-admin/", admin.site.urls),
]
