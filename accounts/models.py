from __future__ import annotations

import hashlib
import re
import secrets
import zoneinfo
from datetime import time, timedelta

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from accounts import names
from core.tenancy import TenantModel


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (try e.g. Europe/Berlin).")


#: Fields a user's ``display_name`` (and so ``name_key``) is derived from.
NAME_SOURCE_FIELDS = frozenset({"full_name", "first_name", "last_name", "email"})


def display_name_of(full_name: str, first_name: str, last_name: str, email: str) -> str:
    """:attr:`User.display_name` from the four columns (lists read them with values())."""
    return full_name or f"{first_name} {last_name}".strip() or email


#: The columns :func:`display_name_of` reads, in its order.
DISPLAY_NAME_FIELDS = ("full_name", "first_name", "last_name", "email")


class UserQuerySet(models.QuerySet):
    """Keeps ``User.name_key`` in step with the name on the bulk paths ``save()`` never sees.

    The manager is used in migrations too, where the historical model may predate the key
    (and has no methods): there every write passes through untouched."""

    def _keeps_name_key(self) -> bool:
        return hasattr(self.model, "refresh_name_key")

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if self._keeps_name_key():
            for user in objs:
                user.refresh_name_key()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        if self._keeps_name_key() and NAME_SOURCE_FIELDS & set(fields):
            for user in objs:
                user.refresh_name_key()
            if "name_key" not in fields:
                fields.append("name_key")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        if not self._keeps_name_key() or not NAME_SOURCE_FIELDS & kwargs.keys():
            return super().update(**kwargs)
        pks = list(self.values_list("pk", flat=True))
        count = super().update(**kwargs)
        users = list(self.model._base_manager.filter(pk__in=pks))
        for user in users:
            user.refresh_name_key()
        self.model._base_manager.bulk_update(users, ["name_key"], batch_size=500)
        return count


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def get(self, *args, **kwargs):
        """``User.objects.get(pk=…)`` through a query compiled once (core.compiled): every
        signed-in request makes it (django.contrib.auth's ``ModelBackend.get_user`` calls
        ``_default_manager.get(pk=user_id)``). The same instance and the same
        ``DoesNotExist``; any other lookup, another database or a historical model (in
        migrations) goes through the queryset as usual."""
        if (not args and kwargs.keys() == {"pk"} and type(kwargs["pk"]) is int
                and self._db is None and self.model is User):
            from accounts.selectors import user_by_pk

            user = user_by_pk(pk=kwargs["pk"])
            if user is None:
                raise User.DoesNotExist("User matching query does not exist.")
            return user
        return super().get(*args, **kwargs)

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person; the email address is the login."""

    username = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    #: ``accounts.names.name_key(display_name)``: what name search and sorting compare.
    name_key = models.CharField(max_length=400, blank=True, db_index=True, editable=False)
    #: Reminders that fall between these wall-clock times (in the person's own zone) wait
    #: until the end; both empty means no quiet hours (``sessions/due.py``).
    quiet_hours_start = models.TimeField("quiet hours from", null=True, blank=True,
                                         default=time(20, 0))
    quiet_hours_end = models.TimeField("quiet hours until", null=True, blank=True,
                                       default=time(8, 0))

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return display_name_of(self.full_name, self.first_name, self.last_name, self.email)

    def refresh_name_key(self) -> None:
        self.name_key = names.name_key(self.display_name)

    def save(self, *args, **kwargs):
        self.refresh_name_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and NAME_SOURCE_FIELDS & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)


#: Addresses anyone can get: no organization may open sign-up for them.
PUBLIC_EMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.com", "gmx.de",
    "gmx.net", "web.de", "proton.me", "protonmail.com", "mail.com", "yandex.com", "yandex.ru",
    "zoho.com", "qq.com", "163.com", "example.com",
})
_DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def split_domains(value: str) -> list[str]:
    """``"Acme.com, @acme.co.uk"`` → ``["acme.com", "acme.co.uk"]`` (order kept, no repeats)."""
    found = (part.strip().lower().lstrip("@") for part in re.split(r"[\s,;]+", value or ""))
    return list(dict.fromkeys(part for part in found if part))


def validate_self_signup_domains(value: str) -> None:
    problems = []
    for domain in split_domains(value):
        if not _DOMAIN.match(domain):
            problems.append(f"“{domain}” is not a domain name (write e.g. acme.com).")
        elif domain in PUBLIC_EMAIL_DOMAINS:
            problems.append(f"“{domain}” is a public email service: anyone can get an address "
                            "there. List your company's own domains only.")
    if problems:
        raise ValidationError(problems)


class Organization(models.Model):
    """A tenant: one company running reverse mentoring programs."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    anonymity_threshold = models.PositiveSmallIntegerField(
        "anonymity threshold (k)",
        default=settings.FLIPSIDE_DEFAULT_ANONYMITY_K,
        validators=[MinValueValidator(settings.FLIPSIDE_MIN_ANONYMITY_K)],
        help_text="Smallest group of anonymous answers for which any aggregate is shown (≥ 3).",
    )
    require_two_factor = models.BooleanField(
        "require two-factor sign-in for HR admins and executives",
        default=False,
        help_text="HR admins and executives without an authenticator app are sent to set one "
                  "up before they can open anything in this organization.",
    )
    self_signup_domains = models.TextField(
        "self-sign-up email domains", blank=True,
        validators=[validate_self_signup_domains],
        help_text="People with an address at one of these domains (one per line, e.g. "
                  "acme.com) may create an account themselves and join as members once they "
                  "confirm their address. Leave empty to admit people by invitation or import "
                  "only.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anonymity_threshold__gte=3), name="org_k_at_least_3"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        domains = split_domains(self.self_signup_domains)
        self.self_signup_domains = "\n".join(domains)
        if domains:
            # A domain opens sign-up into one organization only; which one is not revealed.
            taken = (Organization.objects.exclude(pk=self.pk)
                     .exclude(self_signup_domains="").values_list("self_signup_domains", flat=True))
            claimed = {domain for value in taken for domain in split_domains(value)}
            clashes = [domain for domain in domains if domain in claimed]
            if clashes:
                raise ValidationError({"self_signup_domains": [
                    f"“{domain}” cannot be used: ask Flipside support if your company owns it."
                    for domain in clashes]})

    @property
    def self_signup_domain_list(self) -> list[str]:
        return split_domains(self.self_signup_domains)


class Role(models.TextChoices):
    ADMIN = "admin", "HR admin"
    EXECUTIVE = "executive", "Executive"
    MEMBER = "member", "Member"


class Membership(TenantModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__email"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization_id} as {self.role}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class InvitationStatus(models.TextChoices):
    """Where an invitation stands: derived from its dates, never stored."""

    PENDING = "pending", "Pending"
    EXPIRED = "expired", "Expired"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Withdrawn"


def invitation_status_of(*, accepted_at, revoked_at, expires_at, now) -> str:
    """:class:`InvitationStatus` of an invitation with these dates at ``now`` (lists read the
    dates with values()). An accepted invitation stays accepted; a withdrawn or replaced one
    stays withdrawn; an open one expires at ``expires_at``."""
    if accepted_at is not None:
        return InvitationStatus.ACCEPTED
    if revoked_at is not None:
        return InvitationStatus.REVOKED
    return InvitationStatus.EXPIRED if now >= expires_at else InvitationStatus.PENDING


def _default_expiry():
    return timezone.now() + timedelta(days=settings.FLIPSIDE_INVITATION_DAYS)


class Invitation(TenantModel):
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_default_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} as {self.role}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired

    @property
    def status(self) -> str:
        return invitation_status_of(accepted_at=self.accepted_at, revoked_at=self.revoked_at,
                                    expires_at=self.expires_at, now=timezone.now())


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginLinkUse(models.Model):
    """A personal sign-in link that was redeemed (accounts/login_links.py): its nonce, so the
    same link never signs anyone in twice. Rows older than the longest link lifetime can be
    deleted (``accounts.services.login_link_uses_prune``)."""

    nonce = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    purpose = models.CharField(max_length=64)
    used_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.purpose} link of user {self.user_id} used {self.used_at:%Y-%m-%d %H:%M}"
