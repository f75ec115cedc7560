from django.urls import path

from accounts import invitation_views, login_link_views, unsubscribe_views, views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("orgs/", views.OrganizationSwitcherView.as_view(), name="organization_switcher"),
    path("invitations/<str:token>/", invitation_views.InvitationAcceptView.as_view(),
         name="invitation_accept"),
    path("invitations/<str:token>/fresh/", invitation_views.InvitationFreshView.as_view(),
         name="invitation_fresh"),
    # Personal sign-in links from emails (accounts/login_links.py): not under /o/, they work
    # before the person has chosen an organization.
    path("l/", login_link_views.LoginLinkRequestView.as_view(), name="login_link_request"),
    path("l/<str:token>/", login_link_views.LoginLinkView.as_view(), name="login_link"),
    path("l/<str:token>/fresh/", login_link_views.LoginLinkFreshView.as_view(),
         name="login_link_fresh"),
    path("me/api-tokens/", views.ApiTokenListView.as_view(), name="api_tokens"),
    path("me/api-tokens/<int:token_pk>/revoke/", views.ApiTokenRevokeView.as_view(),
         name="api_token_revoke"),
    path("unsubscribe/<str:token>/", unsubscribe_views.UnsubscribeView.as_view(),
         name="unsubscribe"),
    path("me/notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path("me/notifications/settings/", views.NotificationPreferencesView.as_view(),
         name="notification_preferences"),
]

org_urlpatterns = [
    path("", views.OrganizationHomeView.as_view(), name="org_home"),
    path("settings/", views.OrganizationSettingsView.as_view(), name="org_settings"),
    path("settings/invite/", views.MemberInviteView.as_view(), name="member_invite"),
    path("settings/self-sign-up/", views.SelfSignupDomainsView.as_view(),
         name="self_signup_domains"),
    path("settings/members/<int:membership_pk>/role/", views.MembershipRoleView.as_view(),
         name="membership_role"),
    path("settings/members/<int:membership_pk>/remove/", views.MembershipRemoveView.as_view(),
         name="membership_remove"),
    path("settings/invitations/<int:invitation_pk>/revoke/",
         views.InvitationRevokeView.as_view(), name="invitation_revoke"),
]
