from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView
from django.views.generic.base import ContextMixin, TemplateResponseMixin

from accounts import selectors, services
from accounts.forms import (
    ApiTokenForm,
    InvitationForm,
    NotificationPreferencesForm,
    OrganizationSettingsForm,
    QuietHoursForm,
    RoleForm,
    SelfSignupDomainsForm,
)
from accounts.models import Invitation, Membership, Role
from accounts.permissions import ADMIN_ONLY, OrganizationMixin
from core.home import panels_for
from core.models import NotificationPreference
from core.notifications import notification_preferences_set, notifications_mark_read
from core.web import action_submit, form_post


class HomeView(LoginRequiredMixin, View):
    """One organization: go straight in. Several: the switcher. None: an explanation."""

    def get(self, request):
        memberships = selectors.memberships_of_user(user=request.user)
        if len(memberships) == 1:
            return redirect("org_home", org_slug=memberships[0].organization.slug)
        return redirect("organization_switcher")


class OrganizationSwitcherView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/organization_switcher.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = selectors.memberships_of_user(user=self.request.user)
        return context


class OrganizationHomeView(OrganizationMixin, TemplateView):
    template_name = "accounts/org_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["panels"] = panels_for(self.request)
        return context


MEMBERS_PER_PAGE = 50
INVITATIONS_PER_PAGE = 25


class OrganizationSettingsMixin(OrganizationMixin):
    """The settings page's content: shared by the page and by the forms posted from it (a
    refused form shows the page again with its errors)."""

    template_name = "accounts/org_settings.html"
    allowed_roles = ADMIN_ONLY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", OrganizationSettingsForm(instance=self.request.organization))
        context.setdefault("invite_form", InvitationForm())
        context.setdefault("signup_form",
                           SelfSignupDomainsForm(instance=self.request.organization))
        search = self.request.GET.get("q", "").strip()
        role = self.request.GET.get("role", "")
        members = selectors.memberships_of_organization(
            search=search, role=role if role in Role.values else "")
        page = Paginator(members, MEMBERS_PER_PAGE).get_page(self.request.GET.get("page"))
        context.update(members=page.object_list, members_page=page, member_search=search,
                       member_role=role, member_count=page.paginator.count)
        invitation_search = self.request.GET.get("iq", "").strip()[:254]
        invitations = Paginator(selectors.pending_invitations(search=invitation_search),
                                INVITATIONS_PER_PAGE).get_page(self.request.GET.get("ipage"))
        context.update(invitations=invitations.object_list, invitations_page=invitations,
                       invitation_search=invitation_search,
                       invitation_count=invitations.paginator.count)
        context["role_form"] = RoleForm()
        return context


class OrganizationSettingsView(OrganizationSettingsMixin, TemplateView):
    def post(self, request, org_slug):
        form = OrganizationSettingsForm(request.POST, instance=request.organization)
        if not form.is_valid():
            request.organization.refresh_from_db()
            return self.render_to_response(self.get_context_data(form=form), status=400)
        services.organization_update(organization=request.organization, **form.cleaned_data)
        messages.success(request, "Organization settings saved.")
        return redirect("org_settings", org_slug=org_slug)


class SettingsActionView(OrganizationSettingsMixin, TemplateResponseMixin, ContextMixin, View):
    """A form posted from the settings page (its own view, not the page's)."""

    http_method_names = ["post"]


class MemberInviteView(SettingsActionView):

    def post(self, request, org_slug):
        return form_post(
            self, InvitationForm(request.POST),
            lambda data: services.invitation_create(
                organization=request.organization, invited_by=request.user, **data),
            field="email", form_name="invite_form",
            success=lambda invitation: f"Invitation sent to {invitation.email}.",
            then=lambda _: redirect("org_settings", org_slug=org_slug))


class SelfSignupDomainsView(SettingsActionView):
    """The "Self-sign-up" part of the settings page (accounts/signup_policy.py)."""

    def post(self, request, org_slug):
        form = SelfSignupDomainsForm(request.POST, instance=request.organization)
        if not form.is_valid():
            request.organization.refresh_from_db()
            return self.render_to_response(self.get_context_data(signup_form=form), status=400)
        organization = services.organization_set_signup_domains(
            organization=request.organization,
            domains=form.cleaned_data["self_signup_domains"])
        if organization.self_signup_domain_list:
            messages.success(request, "Self-sign-up is open for "
                             f"{', '.join(organization.self_signup_domain_list)}.")
        else:
            messages.success(request, "Self-sign-up is closed: people join by invitation or "
                                      "import only.")
        return redirect("org_settings", org_slug=org_slug)


class MembershipRoleView(OrganizationMixin, View):
    allowed_roles = ADMIN_ONLY

    def post(self, request, org_slug, membership_pk):
        membership = get_object_or_404(Membership, pk=membership_pk)
        form = RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose one of the listed roles.")
        else:
            action_submit(
                request, lambda: services.membership_change_role(membership=membership,
                                                                 **form.cleaned_data),
                success=lambda _: f"{membership.user.display_name} is now "
                                  f"{form.cleaned_data['role']}.")
        return redirect("org_settings", org_slug=org_slug)


class MembershipRemoveView(OrganizationMixin, View):
    allowed_roles = ADMIN_ONLY

    def post(self, request, org_slug, membership_pk):
        membership = get_object_or_404(Membership, pk=membership_pk)
        action_submit(request, lambda: services.membership_remove(membership=membership),
                      success=lambda _: f"{membership.user.display_name} was removed.")
        return redirect("org_settings", org_slug=org_slug)


class InvitationRevokeView(OrganizationMixin, View):
    allowed_roles = ADMIN_ONLY

    def post(self, request, org_slug, invitation_pk):
        invitation = get_object_or_404(Invitation, pk=invitation_pk)
        services.invitation_revoke(invitation=invitation)
        messages.success(request, f"Invitation to {invitation.email} withdrawn.")
        return redirect("org_settings", org_slug=org_slug)


class ApiTokenListView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/api_tokens.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ApiTokenForm())
        context["tokens"] = selectors.api_tokens_of_user(user=self.request.user)
        return context

    def post(self, request):
        form = ApiTokenForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        issued = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        return self.render_to_response(self.get_context_data(new_key=issued.key))


class ApiTokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, token_pk):
        if services.api_token_revoke(user=request.user, token_id=token_pk):
            messages.success(request, "Token revoked: it no longer works.")
        return redirect("api_tokens")


class NotificationListView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/notifications.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["notifications"] = selectors.notifications_of_user(user=self.request.user)[:100]
        return context

    def post(self, request):
        notifications_mark_read(user=request.user)
        messages.success(request, "All notifications marked as read.")
        return redirect("notification_list")


class NotificationPreferencesView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/notification_preferences.html"

    def _current(self) -> dict[str, str]:
        return dict(NotificationPreference.objects.filter(user=self.request.user)
                    .values_list("kind", "channel"))

    def _quiet_form(self, data=None) -> QuietHoursForm:
        user = self.request.user
        return QuietHoursForm(data, initial={"quiet_hours_start": user.quiet_hours_start,
                                             "quiet_hours_end": user.quiet_hours_end})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", NotificationPreferencesForm(current=self._current(),
                                                               user=self.request.user))
        context.setdefault("quiet_form", self._quiet_form())
        return context

    def post(self, request):
        form = NotificationPreferencesForm(request.POST, current=self._current(),
                                           user=request.user)
        quiet_form = self._quiet_form(request.POST)
        if not (form.is_valid() & quiet_form.is_valid()):
            return self.render_to_response(
                self.get_context_data(form=form, quiet_form=quiet_form), status=400)
        notification_preferences_set(user=request.user, channels=form.cleaned_data)
        services.user_quiet_hours_set(user=request.user,
                                      start=quiet_form.cleaned_data["quiet_hours_start"],
                                      end=quiet_form.cleaned_data["quiet_hours_end"])
        messages.success(request, "Notification settings saved.")
        return HttpResponseRedirect(reverse("notification_preferences"))


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return False
    return True


def _broker_status() -> str:
    from django.conf import settings

    if not settings.REDIS_URL:
        return "eager"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1,
                                      socket_connect_timeout=1)
        client.ping()
    except Exception:
        return "down"
    return "ok"


def healthz(request):
    """Liveness and dependencies, for load balancers: 200 while the database answers.

    The broker is reported but does not fail the check: pages keep working without it.
    """
    database = _database_ok()
    broker = _broker_status()
    return JsonResponse(
        {"status": "ok" if database else "error", "database": "ok" if database else "down",
         "broker": broker},
        status=200 if database else 503,
    )
