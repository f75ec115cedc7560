from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_user_name_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="require_two_factor",
            field=models.BooleanField(
                default=False,
                help_text="HR admins and executives without an authenticator app are sent to "
                          "set one up before they can open anything in this organization.",
                verbose_name="require two-factor sign-in for HR admins and executives",
            ),
        ),
    ]
