# Check-ins, fit checks, HR alerts and the cohort check-in cadence (issue 10).

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_login_links_and_self_signup'),
        ('matching', '0003_pair_lifecycle'),
        ('mentoring_sessions', '0001_initial'),
        ('programs', '0003_cohort_spread_load'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CheckIn',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.PositiveSmallIntegerField(help_text='1 for the first cadence after the first session, 2 for the next, …')),
                ('due_on', models.DateField()),
                ('status', models.CharField(choices=[('pending', 'Waiting for an answer'), ('answered', 'Answered')], default='pending', max_length=10)),
                ('score', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)], verbose_name='how is your mentoring going')),
                ('blockers', models.JSONField(blank=True, default=list, help_text='Codes of CheckInBlocker.')),
                ('blocker_text', models.TextField(blank=True)),
                ('agenda_set_by', models.CharField(blank=True, choices=[('me', 'Me'), ('partner', 'My partner'), ('together', 'Together'), ('nobody', 'Nobody')], max_length=10)),
                ('candour', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)], verbose_name='able to speak candidly')),
                ('wants_hr_contact', models.BooleanField(blank=True, null=True)),
                ('share_text_with_hr', models.BooleanField(default=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
                ('organization', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organization')),
                ('pair', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='check_ins', to='matching.pair')),
                ('participant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='programs.participant')),
            ],
            options={
                'ordering': ['-due_on', '-id'],
            },
        ),
        migrations.CreateModel(
            name='CheckInSchedule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('cadence_days', models.PositiveSmallIntegerField(default=28, help_text="Each person of a pair is asked how it is going every this many days, counted from the pair's first session (7 to 91).", validators=[django.core.validators.MinValueValidator(7), django.core.validators.MaxValueValidator(91)], verbose_name='check-in cadence (days)')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('cohort', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='check_in_schedule', to='programs.cohort')),
                ('organization', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organization')),
            ],
        ),
        migrations.CreateModel(
            name='FitCheck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('answer', models.CharField(blank=True, choices=[('yes', 'Yes'), ('not_sure', 'Not sure'), ('no', 'No')], max_length=10)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
                ('organization', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organization')),
                ('pair', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='fit_checks', to='matching.pair')),
                ('participant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='programs.participant')),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='HRAlert',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('check_in', 'Check-in'), ('rematch', 'Re-match case')], max_length=10)),
                ('reasons', models.JSONField(default=list, help_text='Codes of AlertReason.')),
                ('shared_text', models.TextField(blank=True)),
                ('status', models.CharField(choices=[('open', 'Open'), ('acknowledged', 'Acknowledged'), ('resolved', 'Resolved')], default='open', max_length=14)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
                ('resolution_note', models.TextField(blank=True)),
                ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('check_in', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='hr_alert', to='mentoring_sessions.checkin')),
                ('cohort', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='programs.cohort')),
                ('fit_check', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='hr_alert', to='mentoring_sessions.fitcheck')),
                ('organization', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organization')),
                ('pair', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='hr_alerts', to='matching.pair')),
                ('participant', models.ForeignKey(help_text='Who raised it.', on_delete=django.db.models.deletion.CASCADE, related_name='+', to='programs.participant')),
                ('resolved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.AddIndex(
            model_name='checkin',
            index=models.Index(fields=['organization', 'status', 'due_on'], name='mentoring_s_organiz_a00cd3_idx'),
        ),
        migrations.AddConstraint(
            model_name='checkin',
            constraint=models.UniqueConstraint(fields=('pair', 'participant', 'period'), name='one_check_in_per_person_and_period'),
        ),
        migrations.AddConstraint(
            model_name='checkin',
            constraint=models.CheckConstraint(condition=models.Q(('score__isnull', True), models.Q(('score__gte', 1), ('score__lte', 5)), _connector='OR'), name='check_in_score_1_to_5'),
        ),
        migrations.AddConstraint(
            model_name='checkin',
            constraint=models.CheckConstraint(condition=models.Q(('candour__isnull', True), models.Q(('candour__gte', 1), ('candour__lte', 5)), _connector='OR'), name='check_in_candour_1_to_5'),
        ),
        migrations.AddConstraint(
            model_name='checkinschedule',
            constraint=models.CheckConstraint(condition=models.Q(('cadence_days__gte', 7), ('cadence_days__lte', 91)), name='check_in_cadence_7_to_91'),
        ),
        migrations.AddConstraint(
            model_name='fitcheck',
            constraint=models.UniqueConstraint(fields=('pair', 'participant'), name='one_fit_check_per_person'),
        ),
        migrations.AddIndex(
            model_name='hralert',
            index=models.Index(fields=['cohort', 'status', 'created_at'], name='mentoring_s_cohort__700082_idx'),
        ),
    ]
