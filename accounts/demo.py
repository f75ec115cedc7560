"""Demo data for accounts: two organizations with an HR admin, an executive and members."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from accounts.models import Membership, Organization, Role, User
from core.tenancy import organization_scope

DEMO_PASSWORD = "flipside-demo"  # noqa: S105  demo-only, printed by `make run`


@dataclass
class DemoOrg:
    slug: str
    name: str
    time_zone: str
    domain: str
    admin: str
    executive: str
    members: list[tuple[str, str]] = field(default_factory=list)


DEMO_ORGS = [
    DemoOrg("acme", "Acme Retail", "Europe/London", "acme.example", "Harriet Ross",
            "Edward Vance",
            [("Maya Chen", "maya"), ("Leo Okafor", "leo"), ("Priya Nair", "priya"),
             ("Sam Rivera", "sam"), ("Grace Whitfield", "grace"), ("Tom Becker", "tom")]),
    DemoOrg("globex", "Globex Energy", "America/New_York", "globex.example", "Hank Scorpio",
            "Olivia Grant",
            [("Ana Souza", "ana"), ("Ben Adler", "ben"), ("Chloe Kim", "chloe"),
             ("Dev Patel", "dev")]),
]


@cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)  # hashed once: demo seeding creates many users


def ensure_user(email: str, full_name: str) -> User:
    user, _ = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "password": _demo_password_hash()})
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def ensure_membership(organization: Organization, user: User, role: str) -> Membership:
    with organization_scope(organization):
        membership, _ = Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": role}
        )
    return membership


def seed(stdout) -> list[tuple[str, str]]:
    """Create (idempotently) the demo organizations; returns (login, description) pairs."""
    logins = []
    for spec in DEMO_ORGS:
        organization, _ = Organization.objects.get_or_create(
            slug=spec.slug, defaults={"name": spec.name, "time_zone": spec.time_zone}
        )
        admin_email = f"hr@{spec.domain}"
        ensure_membership(organization, ensure_user(admin_email, spec.admin), Role.ADMIN)
        logins.append((admin_email, f"HR admin, {spec.name}"))
        exec_email = f"exec@{spec.domain}"
        ensure_membership(organization, ensure_user(exec_email, spec.executive), Role.EXECUTIVE)
        logins.append((exec_email, f"executive, {spec.name}"))
        for full_name, local in spec.members:
            email = f"{local}@{spec.domain}"
            ensure_membership(organization, ensure_user(email, full_name), Role.MEMBER)
        logins.append((f"{spec.members[0][1]}@{spec.domain}", f"member, {spec.name}"))
    return logins
