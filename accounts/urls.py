from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("orgs/", views.OrganizationSwitcherView.as_view(), name="organization_switcher"),
    path("invitations/<str:token>/", views.InvitationAcceptView.as_view(),
         name="invitation_accept"),
    path("me/api-tokens/", views.ApiTokenListView.as_view(), name="api_tokens"),
    path("me/api-tokens/<int:token_pk>/revoke/", views.ApiTokenRevokeView.as_view(),
         name="api_token_revoke"),
    path("me/notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path("me/notifications/settings/", views.NotificationPreferencesView.as_view(),
         name="notification_preferences"),
]

org_urlpatterns = [
    path("", views.OrganizationHomeView.as_view(), name="org_home"),
    path("settings/", views.OrganizationSettingsView.as_view(), name="org_settings"),
    path("settings/invite/", views.MemberInviteView.as_view(), name="member_invite"),
    path("settings/members/<int:membership_pk>/role/", views.MembershipRoleView.as_view(),
         name="membership_role"),
    path("settings/members/<int:membership_pk>/remove/", views.MembershipRemoveView.as_view(),
         name="membership_remove"),
    path("settings/invitations/<int:invitation_pk>/revoke/",
         views.InvitationRevokeView.as_view(), name="invitation_revoke"),
]
