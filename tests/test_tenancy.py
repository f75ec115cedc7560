"""Tenant scoping fails closed on every tenant-owned model, found through the app registry so
that models added later are covered too."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.template import engines
from django.template.response import TemplateResponse
from django.test import RequestFactory
from django.views.generic import TemplateView
from django_scopes import ScopeError

from accounts.models import Invitation, Membership, Organization
from accounts.permissions import OrganizationMixin
from core.tenancy import TenantModel, organization_scope
from tests.factories.accounts import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db

TENANT_MODELS = [model for model in apps.get_models() if issubclass(model, TenantModel)]
EACH_TENANT_MODEL = pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label)


def test_accounts_models_are_tenant_models():
    assert {Membership, Invitation} <= set(TENANT_MODELS)
    assert Organization not in TENANT_MODELS


@EACH_TENANT_MODEL
def test_tenant_model_belongs_to_an_organization(model):
    field = model._meta.get_field("organization")

    assert field.related_model is Organization
    assert not field.null


@EACH_TENANT_MODEL
def test_query_without_scope_raises(model):
    for manager in (model.objects, model._default_manager):
        with pytest.raises(ScopeError):
            list(manager.all())
        with pytest.raises(ScopeError):
            manager.count()
        with pytest.raises(ScopeError):
            manager.filter(pk=1).exists()
        with pytest.raises(ScopeError):
            manager.get(pk=1)


@EACH_TENANT_MODEL
def test_none_scope_matches_nothing_without_asking_the_database(model,
                                                               django_assert_num_queries):
    with organization_scope(None), django_assert_num_queries(0):
        assert list(model.objects.all()) == []


@EACH_TENANT_MODEL
def test_scope_filters_on_the_organization(model, organization):
    with organization_scope(organization):
        sql = str(model.objects.all().query)

    table = model._meta.db_table
    assert f'"{table}"."organization_id" = {organization.pk}' in sql


def test_scope_of_one_org_never_returns_another_orgs_rows(organization, other_organization):
    # given rows in both organizations
    own = MembershipFactory(organization=organization)
    MembershipFactory(organization=other_organization)
    own_invitation = InvitationFactory(organization=organization)
    InvitationFactory(organization=other_organization)

    # then each scope sees only its own
    with organization_scope(organization):
        assert list(Membership.objects.all()) == [own]
        assert list(Invitation.objects.all()) == [own_invitation]
        assert Membership.objects.filter(organization=other_organization).count() == 0
    with organization_scope(None):
        assert Membership.objects.count() == 0
        assert Invitation.objects.count() == 0


def test_view_templates_render_inside_the_tenant_scope(rf: RequestFactory, admin_user,
                                                       organization):
    """Templates are rendered after the view returns (TemplateResponse); queries made while
    rendering (related managers, lazy callables) must still see the tenant scope."""

    class CountView(OrganizationMixin, TemplateView):
        def get_context_data(self, **kwargs):
            return {"count": Membership.objects.count}  # called by the template

        def render_to_response(self, context, **kwargs):
            template = engines["django"].from_string("members={{ count }}")
            return TemplateResponse(self.request, template, context)

    request = rf.get("/")
    request.user = admin_user

    response = CountView.as_view()(request, org_slug=organization.slug)
    if hasattr(response, "render") and not response.is_rendered:
        response.render()

    assert response.content == b"members=1"
