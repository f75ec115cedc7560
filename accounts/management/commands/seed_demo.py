"""Idempotent demo data: every installed app may provide ``<app>/demo.py`` with ``seed()``."""

from importlib import import_module, util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Create demo organizations, people, programs and pairs (safe to run again)."

    def handle(self, *args, **options):
        logins: list[tuple[str, str]] = []
        with transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if util.find_spec(module_name) is None:
                    continue
                logins.extend(import_module(module_name).seed(self.stdout) or [])
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at "
                                             "http://127.0.0.1:8000/ with:"))
        for email, description in logins:
            self.stdout.write(f"  {email:<28} {description}")
        self.stdout.write(f"  password for every demo login: {DEMO_PASSWORD}")
