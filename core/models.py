"""The platform's own tables: the notification outbox and inbox, and people's preferences.

Every app sends through them (``core/notifications.py``). The tables were created by the
accounts app and keep their names (``accounts_notification``, ``accounts_notificationpreference``):
the move to core was a change of Django's state only (``core/migrations/0001_initial.py``).
Organizations and users are referred to by name, so core imports nothing from accounts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class NotificationChannel(models.TextChoices):
    EMAIL = "email", "Email and in-app"
    IN_APP = "in_app", "In-app only"
    OFF = "off", "Off"


class Notification(models.Model):
    """One message to one recipient: the outbox row and the in-app inbox entry.

    ``key`` is the idempotency key (recipient, kind, subject object, period). The unique
    constraint makes enqueueing twice a no-op, and the send task claims the row with a lock
    before sending, so a retried task, a duplicate beat or two racing workers send one email.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped (preference)"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey("accounts.Organization", null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="notifications")
    email = models.EmailField()
    kind = models.CharField(max_length=64)
    key = models.CharField(max_length=255, unique=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    send_email = models.BooleanField(default=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_notification"  # created by accounts; moved here in state only
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["recipient", "read_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.email} ({self.status})"


class NotificationPreference(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(max_length=64)
    channel = models.CharField(max_length=16, choices=NotificationChannel.choices,
                               default=NotificationChannel.EMAIL)

    class Meta:
        db_table = "accounts_notificationpreference"  # see Notification.Meta.db_table
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="unique_pref_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}={self.channel}"
