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

from accounts.selectors import unsubscribe_claim_of_token
from accounts.unsubscribe import notification_kind_stop_emails
from core.notifications import KIND_LABELS


@method_decorator([never_cache, csrf_exempt], name="dispatch")
class UnsubscribeView(View):
    template_name = "accounts/unsubscribe.html"

    def get(self, request, token):
        claim = unsubscribe_claim_of_token(token=token)
        if claim is None:
            return render(request, self.template_name, {"invalid": True}, status=404)
        return render(request, self.template_name, {
            "label": KIND_LABELS[claim.kind], "email": claim.user.email})

    def post(self, request, token):
        claim = unsubscribe_claim_of_token(token=token)
        if claim is None:
            return render(request, self.template_name, {"invalid": True}, status=404)
        notification_kind_stop_emails(user_id=claim.user.pk, kind=claim.kind)
        return render(request, self.template_name, {"done": True,
                                                     "label": KIND_LABELS[claim.kind]})
