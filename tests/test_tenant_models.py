"""Every model that can reach an organization through foreign keys is tenant-owned
(``core.tenancy.TenantModel``: its default manager raises outside a tenant scope), or it
stands on the reviewed list below with the reason it is not. A new model fails here until it
is one or the other."""

from __future__ import annotations

from collections import deque

import pytest
from django.apps import apps
from django.db import models
from django_scopes import ScopeError

from accounts.models import Organization
from core.tenancy import TenantModel

#: Models with a foreign-key path to Organization that are not TenantModels (label → why).
NOT_TENANT_MODELS: dict[str, str] = {
    "core.Notification": (
        "a person's outbox and inbox: account emails (sign-up, password) have no "
        "organization, and every read filters by recipient (accounts.selectors)"),
    "programs.Program_focus_areas": (
        "auto-created many-to-many table between two TenantModels (Program, Topic); read "
        "only through a scoped program or topic"),
    "programs.Participant_requested_partners": (
        "auto-created many-to-many table between Participants (TenantModel); read only "
        "through scoped participants of one cohort"),
    "programs.Participant_excluded_partners": (
        "auto-created many-to-many table between Participants (TenantModel); read only "
        "through scoped participants of one cohort"),
}


def _targets(model: type[models.Model]) -> list[type[models.Model]]:
    return [field.related_model for field in model._meta.get_fields()
            if field.concrete and field.is_relation and (field.many_to_one or field.one_to_one)
            and field.related_model is not None]


def path_to_organization(model: type[models.Model]) -> list[str] | None:
    """The shortest chain of forward foreign keys from ``model`` to Organization (model
    labels), or ``None`` when there is none."""
    queue = deque([[model]])
    seen = {model}
    while queue:
        chain = queue.popleft()
        for target in _targets(chain[-1]):
            if target is Organization:
                return [m._meta.label for m in [*chain, target]]
            if target not in seen:
                seen.add(target)
                queue.append([*chain, target])
    return None


ALL_MODELS = [m for m in apps.get_models(include_auto_created=True)
              if m._meta.managed and not m._meta.proxy]
REACHING = {m._meta.label: path_to_organization(m) for m in ALL_MODELS
            if m is not Organization and path_to_organization(m)}
TENANT_MODELS = [m for m in ALL_MODELS if issubclass(m, TenantModel)]


def test_every_model_reaching_an_organization_is_tenant_owned_or_listed():
    unclassified = {
        label: " → ".join(chain) for label, chain in REACHING.items()
        if not issubclass(apps.get_model(label), TenantModel) and label not in NOT_TENANT_MODELS
    }

    assert not unclassified, (
        "These models reach an organization through foreign keys but do not inherit "
        "core.tenancy.TenantModel, so a query outside a tenant scope would return every "
        "tenant's rows. Make them TenantModels, or add them to NOT_TENANT_MODELS in "
        f"tests/test_tenant_models.py with the reason: {unclassified}")


def test_the_list_has_no_stale_or_needless_entries():
    for label in NOT_TENANT_MODELS:
        model = apps.get_model(label)
        assert label in REACHING, f"{label} no longer reaches an organization: unlist it"
        assert not issubclass(model, TenantModel), f"{label} is a TenantModel now: unlist it"


def test_listed_many_to_many_tables_join_tenant_models_only():
    for label in NOT_TENANT_MODELS:
        model = apps.get_model(label)
        if not model._meta.auto_created:
            continue
        ends = _targets(model)
        assert len(ends) == 2
        assert all(issubclass(end, TenantModel) for end in ends), label


def test_the_walk_finds_indirect_paths():
    from programs.models import Participant

    assert path_to_organization(Participant)[-1] == "accounts.Organization"
    assert REACHING["programs.Participant_requested_partners"] == [
        "programs.Participant_requested_partners", "programs.Participant",
        "accounts.Organization"]
    assert "accounts.User" not in REACHING  # people are global; memberships reach tenants
    assert len(TENANT_MODELS) >= 15


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label)
def test_tenant_models_refuse_queries_outside_a_scope(model):
    manager = model._default_manager

    assert manager is model.objects, f"{model._meta.label} replaced the scoped default manager"
    with pytest.raises(ScopeError):
        manager.all()
    with pytest.raises(ScopeError):
        manager.filter(pk=1)
