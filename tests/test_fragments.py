"""The Jinja2 fragments of long lists (core/jinja.py, ``{% fragment %}``): escaped as the
pages are, dates as Django's ``|date`` writes them."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.template import Context, Template, defaultfilters
from django.utils import timezone
from django.utils.safestring import mark_safe

from core.jinja import date


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland", "America/Los_Angeles"])
def test_dates_read_as_django_s_filter_in_the_current_time_zone(zone):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        for month in range(1, 13):
            for moment in (datetime.datetime(2026, month, 1, 0, 30, tzinfo=datetime.UTC),
                           datetime.datetime(2026, month, 28, 23, 30, tzinfo=datetime.UTC)):
                for format_string in ("j M Y", "j M Y H:i", "Y-m-d"):
                    expected = defaultfilters.date(timezone.localtime(moment), format_string)
                    assert date(moment, format_string) == expected
        assert date(datetime.date(2026, 2, 9), "j M Y") == "9 Feb 2026"
        assert date(None, "j M Y") == ""


def test_a_fragment_escapes_user_text_once_and_keeps_safe_html():
    from django.template import engines

    fragment = engines["fragments"].from_string("<b>{{ name }}</b>{{ badge }}")
    html = fragment.render({"name": "<script>alert('x')</script> & Ana",
                            "badge": mark_safe('<span class="badge">▲ AI &amp; data</span>')})
    assert html == ("<b>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Ana</b>"
                    '<span class="badge">▲ AI &amp; data</span>')


def test_the_fragment_tag_inserts_the_rendered_rows_unescaped_once(settings, tmp_path):
    rows = [type("Row", (), {"is_invited": False, "pk": 7, "url": "/p/7/", "name": "Zoë <Ł>",
                             "email": "zoe@acme.example", "is_mentor": True, "is_active": True,
                             "is_applied": False, "invitation_expired": False,
                             "status_label": "Active", "department": "", "level": "Senior",
                             "completeness": 80,
                             "created_at": datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC),
                             "capacity": 2, "topics_html": mark_safe("<span>▲ AI</span>")})()]
    html = Template('{% load flipside %}<tbody>{% fragment "programs/roster_rows.html" '
                    'participants=rows %}</tbody>').render(Context({"rows": rows}))
    assert '<tr data-participant="7">' in html
    assert '<a href="/p/7/"><bdi>Zoë &lt;Ł&gt;</bdi></a>' in html
    assert "<td>—</td>" in html  # no department: a dash
    assert "<td>Senior</td>" in html
    assert '<span class="text-warning-emphasis">80%</span>' in html
    assert "<td>2</td>" in html
    assert "2 Dec 2026" in html
    assert "<span>▲ AI</span>" in html
    empty = Template('{% load flipside %}{% fragment "programs/roster_rows.html" '
                     'participants=rows %}').render(Context({"rows": []}))
    assert "Nobody matches these filters." in empty
