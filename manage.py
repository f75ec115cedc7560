#!/usr/bin/env python
"""Django's command line. Defaults to the production settings; for development export
DJANGO_SETTINGS_MODULE=config.settings.dev (the Makefile does for run, seed, worker and beat)."""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
