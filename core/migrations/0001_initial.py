"""The notification outbox and preferences, moved from accounts (accounts 0007).

State only: the tables were created by accounts/migrations/0001_initial.py and keep their names
and rows; the index names are the ones they already have. The content types move with the
models, so permissions granted on them stay valid.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ["notification", "notificationpreference"]


def content_types_to_core(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="core", model__in=MOVED).exists():
        ContentType.objects.filter(app_label="accounts", model__in=MOVED).update(app_label="core")


def content_types_to_accounts(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="accounts", model__in=MOVED).exists():
        ContentType.objects.filter(app_label="core", model__in=MOVED).update(app_label="accounts")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0007_notifications_move_to_core'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('email', models.EmailField(max_length=254)),
                        ('kind', models.CharField(max_length=64)),
                        ('key', models.CharField(max_length=255, unique=True)),
                        ('subject', models.CharField(max_length=255)),
                        ('body_text', models.TextField()),
                        ('body_html', models.TextField(blank=True)),
                        ('link', models.CharField(blank=True, max_length=500)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('skipped', 'Skipped (preference)'), ('failed', 'Failed')], default='pending', max_length=16)),
                        ('send_email', models.BooleanField(default=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('last_error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organization')),
                        ('recipient', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'accounts_notification',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['status', 'created_at'], name='accounts_no_status_586bbe_idx'), models.Index(fields=['recipient', 'read_at'], name='accounts_no_recipie_82f910_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='NotificationPreference',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=64)),
                        ('channel', models.CharField(choices=[('email', 'Email and in-app'), ('in_app', 'In-app only'), ('off', 'Off')], default='email', max_length=16)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notification_preferences', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'accounts_notificationpreference',
                        'constraints': [models.UniqueConstraint(fields=('user', 'kind'), name='unique_pref_per_kind')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_core, content_types_to_accounts, elidable=True),
    ]
