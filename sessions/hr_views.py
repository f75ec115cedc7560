"""HR pages of the sessions app (admins only), linked from matching's pair health.

Security boundary: ``OrganizationMixin`` with ``ADMIN_ONLY`` (member of the URL's organization
or 404, admin or 403); the cohort is fetched inside the tenant scope (another tenant's cohort
is 404). What is shown is what :mod:`sessions.hr_selectors` returns: counts for everyone,
texts only of commitments shared with the program.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.permissions import ADMIN_ONLY, OrganizationMixin
from programs.models import Cohort
from sessions.hr_selectors import cohort_commitments_for_hr


class CohortCommitmentsView(OrganizationMixin, TemplateView):
    """A cohort's commitments: follow-through for the cohort and per pair, and the texts
    their owners shared with the program."""

    template_name = "sessions/hr_commitments.html"
    allowed_roles = ADMIN_ONLY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cohort = get_object_or_404(Cohort.objects.select_related("program", "organization"),
                                   pk=self.kwargs["cohort_pk"])
        today = timezone.now().astimezone(ZoneInfo(cohort.organization.time_zone or "UTC")).date()
        context.update(cohort=cohort,
                       commitments=cohort_commitments_for_hr(cohort=cohort, today=today))
        return context
