"""Production keeps what makes pages cheap: persistent database connections (with health
checks) and compiled templates cached per worker; the benchmark's hello-world route exists
only in the benchmark's own settings."""

from __future__ import annotations

import sys

from django.urls import Resolver404, resolve

from tests.test_production import _production_env, _production_values, _run


def test_database_connections_persist_with_health_checks():
    values = _production_values(_production_env(), "DATABASES")

    assert values["DATABASES"]["default"]["CONN_MAX_AGE"] == 60
    assert values["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True


def test_persistent_connections_can_be_tuned_or_turned_off():
    values = _production_values(_production_env(CONN_MAX_AGE="0", CONN_HEALTH_CHECKS="0"),
                                "DATABASES")

    assert values["DATABASES"]["default"]["CONN_MAX_AGE"] == 0
    assert values["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is False


def test_templates_are_compiled_once_per_worker():
    script = ("import django; django.setup(); from django.template import engines; "
              "from django.template.loaders.cached import Loader as Cached; "
              "loaders = engines['django'].engine.template_loaders; "
              "inner = [x for loader in loaders for x in getattr(loader, 'loaders', [loader])]; "
              "print(all(isinstance(x, Cached) for x in inner), len(inner))")
    result = _run([sys.executable, "-c", script], _production_env())

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["True", "1"]


def test_the_hello_world_baseline_is_only_in_the_bench_settings():
    import bench.urls

    assert [p.name for p in bench.urls.urlpatterns[:1]] == ["bench_hello"]
    try:
        resolve("/bench/hello")
    except Resolver404:
        pass
    else:
        raise AssertionError("/bench/hello must not exist in the application's URL map")
