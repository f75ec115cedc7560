"""What the web views about one cohort share (programs' and the apps above it)."""

from __future__ import annotations

from django.http import Http404

from programs.models import Cohort
from programs.selectors import cohort_with_program


class CohortMixin:
    """The cohort named by ``cohort_pk`` in the URL, loaded once per request with its program
    and organization. Safe because the request's tenant scope is open: a cohort of another
    organization does not exist here, so it is a 404 like a missing one."""

    def get_cohort(self, *, fresh: bool = False) -> Cohort:
        """The URL's cohort; ``fresh``: another copy as stored (a ModelForm bound to the
        cached one changes it while it validates)."""
        if fresh or not hasattr(self, "_cohort"):
            cohort = cohort_with_program(pk=self.kwargs["cohort_pk"])
            if cohort is None:
                raise Http404("No cohort here.")
            if fresh:
                return cohort
            self._cohort = cohort
        return self._cohort
