"""``User.name_key``: the folded name that search and sorting compare (accounts/names.py)."""

from django.db import migrations, models

from accounts.names import name_key


def fill_name_keys(apps, schema_editor):
    # Historical model: no custom save(), so the key is computed here, in batches.
    User = apps.get_model("accounts", "User")
    batch = []
    for user in User.objects.only("pk", "full_name", "first_name", "last_name",
                                  "email").iterator(chunk_size=2000):
        display = (user.full_name or f"{user.first_name} {user.last_name}".strip()
                   or user.email)
        user.name_key = name_key(display)
        batch.append(user)
        if len(batch) >= 2000:
            User.objects.bulk_update(batch, ["name_key"])
            batch = []
    if batch:
        User.objects.bulk_update(batch, ["name_key"])


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_cache_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="name_key",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=400),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
    ]
