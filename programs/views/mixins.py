"""What the web views about one cohort share (programs' and the apps above it)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from programs.models import Cohort


class CohortMixin:
    """The cohort named by ``cohort_pk`` in the URL, loaded once per request with its program
    and organization. Safe because the request's tenant scope is open: a cohort of another
    organization does not exist here, so it is a 404 like a missing one."""

    def get_cohort(self) -> Cohort:
        if not hasattr(self, "_cohort"):
            self._cohort = get_object_or_404(
                Cohort.objects.select_related("program", "organization"),
                pk=self.kwargs["cohort_pk"])
        return self._cohort
