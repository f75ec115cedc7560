"""Notification and NotificationPreference now belong to the core app (core/models.py).

State only: the tables keep their names (``accounts_notification``,
``accounts_notificationpreference``) and their rows; core/migrations/0001_initial.py adds the
models to core's state, pointing at the same tables.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_login_links_and_self_signup'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='notificationpreference',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='NotificationPreference',
                ),
            ],
            database_operations=[],
        ),
    ]
