"""``/unsubscribe/<token>/``: the one-click "stop emails of this kind" link (RFC 8058).

GET shows a confirmation page (link checkers and previews follow GETs and must change
nothing); POST turns the kind off. The POST is exempt from CSRF because a mail client's
one-click POST cannot carry a token, and it is safe to be: the signed token names the one
person and kind it may change, and the only change it can make is to stop emails
(``accounts/unsubscribe.py``).
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from accounts.models import User
from accounts.unsubscribe import notification_kind_stop_emails, unsubscribe_read
from core.notifications import KIND_LABELS


@method_decorator([never_cache, csrf_exempt], name="dispatch")
class UnsubscribeView(View):
    template_name = "accounts/unsubscribe.html"

    def _read(self, token):
        claim = unsubscribe_read(token)
        if claim is None:
            return None, None
        user = User.objects.filter(pk=claim[0]).only("email").first()
        return (claim, user) if user is not None else (None, None)

    def get(self, request, token):
        claim, user = self._read(token)
        if claim is None:
            return render(request, self.template_name, {"invalid": True}, status=404)
        return render(request, self.template_name, {
            "label": KIND_LABELS[claim[1]], "email": user.email})

    def post(self, request, token):
        claim, user = self._read(token)
        if claim is None:
            return render(request, self.template_name, {"invalid": True}, status=404)
        notification_kind_stop_emails(user_id=user.pk, kind=claim[1])
        return render(request, self.template_name, {"done": True,
                                                     "label": KIND_LABELS[claim[1]]})
