"""The dashboard pages, their CSVs and their printable view (dashboards/views.py).

The views are generic over :class:`dashboards.figures.Panel`: most tests register test-only
sections (``probe`` for everyone, ``probe_hr`` for HR only) in place of the real ones, so
that what a page shows is known exactly; the privacy and query-count tests run the real
sections, whatever they hold today."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.tenancy import organization_scope
from dashboards import selectors
from dashboards.figures import (
    SUPPRESSED,
    Chart,
    Column,
    Figure,
    Panel,
    Series,
    Table,
)
from dashboards.queries import scoped_pairs
from dashboards.selectors import Section
from programs.models import CohortStatus
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.checkins import CheckInFactory
from tests.factories.matching import PairFactory
from tests.factories.programs import CohortFactory, ParticipantFactory, ProgramFactory
from tests.factories.sessions import CommitmentFactory, GoalFactory, MentoringSessionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
FORMULA = "=HYPERLINK(\"http://evil.example\",\"x\")"
SECRET_NAME = "Zebedee Quillfeather"
SECRET_EMAIL = "zebedee.quillfeather@acme.example"


# --- test-only sections ----------------------------------------------------------------------

def probe_panels(*, scope) -> list[Panel]:
    """Pairs per cohort in scope (so the filters' effect is visible), and a panel with every
    kind of cell: a big number, a rate, a suppressed cell, no data, text, a negative NPS."""
    per_cohort = tuple(
        (row["cohort__name"], row["pairs"]) for row in
        scoped_pairs(scope).values("cohort__name").annotate(pairs=Count("pk"))
        .order_by("cohort__name"))
    return [
        Panel(key="probe_pairs", title="Pairs per cohort",
              description="Every pair of the cohorts in scope.",
              table=Table(columns=(Column("cohort", "Cohort"),
                                   Column("pairs", "Pairs", "pairs")), rows=per_cohort),
              chart=Chart(kind="bar", labels=tuple(r[0] for r in per_cohort),
                          series=(Series("Pairs", tuple(r[1] for r in per_cohort)),),
                          unit="pairs"),
              headline=(Figure("pairs", "Pairs", sum(r[1] for r in per_cohort), "pairs"),)),
        Panel(key="probe_cells", title="Every kind of cell",
              description="Made-up figures to check the layout.",
              table=Table(columns=(Column("group", "Group"),
                                   Column("sessions", "Sessions", "sessions"),
                                   Column("on_track", "On track", "%"),
                                   Column("nps", "NPS", "NPS")),
                          rows=(("Leaders", 12345, 62.5, -20),
                                ("Juniors", SUPPRESSED, None, SUPPRESSED),
                                (FORMULA, 7, 100.0, 31))),
              chart=Chart(kind="horizontal_bar", labels=("Leaders", "Juniors"),
                          series=(Series("On track", (62.5, None)),), unit="%", max=100),
              headline=(Figure("on_track", "On track", 62.5, "%"),
                        Figure("hidden", "Juniors on track", SUPPRESSED, "%"),
                        Figure("length", "Average length", 47.25, "min")),
              notes=("Juniors are fewer than k, so their figures are withheld.",)),
    ]


def probe_hr_panels(*, scope) -> list[Panel]:
    return [Panel(key="probe_people", title="People to call",
                  description="Named people (HR only).",
                  table=Table(columns=(Column("name", "Name"), Column("email", "Email")),
                              rows=((SECRET_NAME, SECRET_EMAIL),)))]


PROBE = Section("probe", "Probe figures", probe_panels, ("probe_pairs", "probe_cells"))
PROBE_HR = Section("probe_hr", "Probe operations", probe_hr_panels, ("probe_people",),
                   hr_only=True)


@pytest.fixture
def probe_sections(monkeypatch):
    monkeypatch.setattr(selectors, "SECTIONS", (PROBE, PROBE_HR))


# --- people and data -------------------------------------------------------------------------

@pytest.fixture
def executive_client(executive_user):
    client = Client()  # its own: a test may hold the admin's client too
    client.force_login(executive_user)
    return client


def url(organization, name: str, **kwargs) -> str:
    return reverse(f"dashboards:{name}", kwargs={"org_slug": organization.slug, **kwargs})


def live_cohort(program, name: str, *, start: dt.date, end: dt.date, pairs: int = 1):
    cohort = CohortFactory(program=program, name=name, status=CohortStatus.ACTIVE,
                           start_date=start, end_date=end)
    for _ in range(pairs):
        PairFactory(cohort=cohort)
    return cohort


@pytest.fixture
def world(organization):
    """Two programs: "Leaders" with a current cohort of 3 pairs and a past one (a year ago)
    of 2 pairs; "Juniors" with a current cohort of 1 pair."""
    with organization_scope(organization):
        leaders = ProgramFactory(organization=organization, name="Leaders")
        juniors = ProgramFactory(organization=organization, name="Juniors")
        now = live_cohort(leaders, "Leaders autumn", start=TODAY - dt.timedelta(days=60),
                          end=TODAY + dt.timedelta(days=120), pairs=3)
        past = live_cohort(leaders, "Leaders last year", start=TODAY - dt.timedelta(days=420),
                           end=TODAY - dt.timedelta(days=300), pairs=2)
        small = live_cohort(juniors, "Juniors pilot", start=TODAY - dt.timedelta(days=30),
                            end=TODAY + dt.timedelta(days=150), pairs=1)
    return {"leaders": leaders, "juniors": juniors, "now": now, "past": past, "small": small}


def probe_rows(response) -> dict[str, str]:
    """The "Pairs per cohort" table as the page shows it."""
    panels = [panel for section in response.context["sections"] for panel in section["panels"]]
    table = next(panel for panel in panels if panel.key == "probe_pairs")
    return {row[0].text: row[1].text for row in table.rows}


def chart_specs(page: str) -> list[dict]:
    """The charts' data as the page's json_script carries it to static/js/dashboard.js."""
    start = page.index('<script id="dashboard-charts" type="application/json">')
    body = page[page.index(">", start) + 1:page.index("</script>", start)]
    return json.loads(body)


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# --- roles -----------------------------------------------------------------------------------

ALL_PAGES = [("dashboard", {}), ("print", {}), ("csv", {}),
             ("panel_csv", {"panel_key": "probe_cells"}),
             ("hr", {}), ("hr_print", {}), ("hr_csv", {}),
             ("hr_panel_csv", {"panel_key": "probe_people"})]
HR_PAGES = [(name, kwargs) for name, kwargs in ALL_PAGES if name.startswith("hr")]


@pytest.mark.usefixtures("probe_sections")
def test_a_member_opens_no_dashboard(client, member_user, organization):
    client.force_login(member_user)

    statuses = {name: client.get(url(organization, name, **kwargs)).status_code
                for name, kwargs in ALL_PAGES}

    assert statuses == dict.fromkeys(statuses, 403)


@pytest.mark.usefixtures("probe_sections")
def test_an_executive_opens_the_dashboard_but_not_hr_analytics(executive_client,
                                                               organization):
    opened = {name: executive_client.get(url(organization, name, **kwargs)).status_code
              for name, kwargs in ALL_PAGES if (name, kwargs) not in HR_PAGES}
    refused = {name: executive_client.get(url(organization, name, **kwargs)).status_code
               for name, kwargs in HR_PAGES}
    # the HR-only panel's CSV through the executive dashboard's own URL
    hr_panel = executive_client.get(url(organization, "panel_csv", panel_key="probe_people"))

    assert opened == {"dashboard": 200, "print": 200, "csv": 200, "panel_csv": 200}
    assert refused == dict.fromkeys(refused, 403)
    assert hr_panel.status_code == 403


@pytest.mark.usefixtures("probe_sections")
def test_an_admin_opens_both(admin_client, organization):
    statuses = {name: admin_client.get(url(organization, name, **kwargs)).status_code
                for name, kwargs in ALL_PAGES}
    hr_panel = admin_client.get(url(organization, "panel_csv", panel_key="probe_people")
                                + "?date_to=2026-11-30")

    assert statuses == dict.fromkeys(statuses, 200)
    # the HR-only panel asked for on the executive dashboard: to its HR address
    assert hr_panel.status_code == 302
    assert hr_panel["Location"] == url(organization, "hr_panel_csv",
                                       panel_key="probe_people") + "?date_to=2026-11-30"


def test_the_executive_dashboard_never_computes_the_hr_sections(monkeypatch, executive_client,
                                                                admin_client, organization):
    def refuse(*, scope):
        raise AssertionError("the HR-only section was computed for the executive dashboard")

    monkeypatch.setattr(selectors, "SECTIONS", (PROBE, Section(
        "probe_hr", "Probe operations", refuse, ("probe_people",), hr_only=True)))

    for name in ("dashboard", "print", "csv"):
        assert executive_client.get(url(organization, name)).status_code == 200
    assert executive_client.get(
        url(organization, "panel_csv", panel_key="probe_cells")).status_code == 200


@pytest.mark.usefixtures("probe_sections")
def test_a_panel_that_does_not_exist_is_404(admin_client, organization):
    for name in ("panel_csv", "hr_panel_csv"):
        assert admin_client.get(
            url(organization, name, panel_key="no_such_panel")).status_code == 404


# --- what a panel shows ----------------------------------------------------------------------

@pytest.mark.usefixtures("probe_sections")
def test_a_panel_shows_its_figures_chart_table_and_notes(executive_client, organization,
                                                         world):
    response = executive_client.get(url(organization, "dashboard"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1 class=\"h3 mb-1\">Dashboard</h1>" in page
    assert "Every kind of cell" in page
    assert "Made-up figures to check the layout." in page
    # headline figures, with units and thousands separators
    assert "<dt>On track</dt><dd>62.5\u00a0%</dd>" in page
    assert "<dt>Average length</dt><dd>47.25\u00a0min</dd>" in page
    # the last 180 days by default: Leaders autumn (3) + Juniors pilot (1); last year's out
    assert "<dt>Pairs</dt><dd>4\u00a0pairs</dd>" in page
    assert '<dd class="dash-suppressed">fewer than 5</dd>' in page
    # the chart: a labelled image, its data in a json_script, the table right below
    assert ('<canvas id="chart-probe_cells" role="img" aria-label="Chart of “Every kind of '
            'cell”; the table below holds the same figures"></canvas>') in page
    assert "<caption>Every kind of cell: the figures behind the chart</caption>" in page
    charts = chart_specs(page)
    cells_chart = next(chart for chart in charts if chart["id"] == "chart-probe_cells")
    assert cells_chart == {"id": "chart-probe_cells", "kind": "horizontal_bar",
                           "labels": ["Leaders", "Juniors"],
                           "datasets": [{"label": "On track", "data": [62.5, None]}],
                           "unit": "%", "max": 100}
    assert 'id="dashboard-charts"' in page
    # the table: thousands separators, suppressed cells explained, no data as a dash
    assert '<td class="text-end">12,345</td>' in page
    assert '<td class="text-end">-20</td>' in page
    assert '<td class="text-end">+31</td>' in page
    assert '<td class="text-end dash-suppressed">fewer than 5</td>' in page
    assert '<td class="text-end">—</td>' in page
    assert "“Fewer than 5”: that group is too small to show without pointing at people" in page
    assert "Juniors are fewer than k, so their figures are withheld." in page
    # the CSV of each panel, with the page's filters
    assert url(organization, "panel_csv", panel_key="probe_cells") + "?date_from=" in page


@pytest.mark.usefixtures("probe_sections")
def test_hr_analytics_adds_the_hr_section_and_the_executive_page_does_not(
        admin_client, executive_client, admin_user, organization):
    hr_page = admin_client.get(url(organization, "hr")).content.decode()
    overview = admin_client.get(url(organization, "dashboard")).content.decode()

    assert "Probe operations" in hr_page
    assert SECRET_NAME in hr_page
    assert "HR admins only" in hr_page
    assert "Probe figures" in overview
    assert "Probe operations" not in overview
    assert SECRET_NAME not in overview
    # the tabs between the two, the current one marked
    assert ('<a class="nav-link active" aria-current="page" href="/o/acme/dashboard/hr/">'
            'HR analytics</a>') in hr_page
    assert ('<a class="nav-link active" aria-current="page" href="/o/acme/dashboard/">'
            'Executive dashboard</a>') in overview


@pytest.mark.usefixtures("probe_sections")
def test_the_filter_form_labels_every_field(executive_client, organization, world):
    page = executive_client.get(url(organization, "dashboard")).content.decode()

    for field, label in (("program", "Program"), ("cohort", "Cohort"),
                         ("date_from", "From"), ("date_to", "To")):
        assert f'<label class="form-label small mb-0" for="id_{field}">{label}</label>' in page
    assert '<option value="" selected>All programs</option>' in page
    assert '<optgroup label="Leaders">' in page  # cohorts grouped by program


# --- filters ---------------------------------------------------------------------------------

@pytest.mark.usefixtures("probe_sections")
def test_the_filters_narrow_every_panel(executive_client, organization, world):
    page = url(organization, "dashboard")
    recent = {"date_from": (TODAY - dt.timedelta(days=90)).isoformat(),
              "date_to": TODAY.isoformat()}
    last_year = {"date_from": (TODAY - dt.timedelta(days=400)).isoformat(),
                 "date_to": (TODAY - dt.timedelta(days=350)).isoformat()}

    everything = probe_rows(executive_client.get(page, {"date_from": last_year["date_from"]}))
    by_default = probe_rows(executive_client.get(page))  # the last 180 days
    leaders = probe_rows(executive_client.get(page, {"program": world["leaders"].pk}))
    one = probe_rows(executive_client.get(page, {"cohort": world["small"].pk, **recent}))
    past = probe_rows(executive_client.get(page, {"program": world["leaders"].pk,
                                                  **last_year}))

    assert everything == {"Juniors pilot": "1", "Leaders autumn": "3",
                          "Leaders last year": "2"}
    assert by_default == {"Juniors pilot": "1", "Leaders autumn": "3"}
    assert leaders == {"Leaders autumn": "3"}
    assert one == {"Juniors pilot": "1"}
    assert past == {"Leaders last year": "2"}


@pytest.mark.usefixtures("probe_sections")
def test_the_scope_line_says_what_the_figures_cover(executive_client, organization, world):
    response = executive_client.get(url(organization, "dashboard"),
                                    {"cohort": world["now"].pk, "date_from": "2026-09-01",
                                     "date_to": "2026-10-31"})

    assert response.status_code == 200
    assert ("Cohort <bdi>Leaders autumn</bdi> (<bdi>Leaders</bdi>) · 1 Sep 2026 to 31 Oct 2026"
            in response.content.decode())


BAD_INPUT = [
    ({"date_from": "2026-13-45"}, 400, "date_from",
     "Enter a date as YYYY-MM-DD, for example 2026-03-31."),
    ({"date_to": "yesterday"}, 400, "date_to",
     "Enter a date as YYYY-MM-DD, for example 2026-03-31."),
    ({"date_from": "2026-10-01", "date_to": "2026-09-01"}, 400, "date_to",
     "“To” is before “From”: choose a last day on or after the first."),
    ({"date_from": "0001-01-01"}, 400, "date_from", "Choose a date between 2000 and 2100."),
    ({"date_to": "9999-12-31"}, 400, "date_to", "Choose a date between 2000 and 2100."),
    ({"program": "leaders"}, 400, "program", "Choose a program from the list."),
    ({"cohort": "-3"}, 400, "cohort", "Choose a cohort from the list."),
    ({"program": "999999"}, 404, "program",
     "There is no such program in Acme Retail: choose one from the list."),
    ({"cohort": "999999"}, 404, "cohort",
     "There is no such cohort in Acme Retail: choose one from the list."),
]


@pytest.mark.parametrize(("query", "status", "field", "message"), BAD_INPUT,
                         ids=[str(case[0]) for case in BAD_INPUT])
@pytest.mark.usefixtures("probe_sections")
def test_bad_filters_are_explained_next_to_the_field(executive_client, organization, query,
                                                     status, field, message):
    response = executive_client.get(url(organization, "dashboard"), query)
    csv_response = executive_client.get(url(organization, "panel_csv",
                                            panel_key="probe_cells"), query)

    assert response.status_code == status
    assert response.context["form"].errors[field] == [message]
    page = response.content.decode()
    assert f'<div class="invalid-feedback d-block" id="id_{field}_error">' in page
    assert 'role="alert" id="filter-errors"' in page
    assert response.context["sections"] == []  # no figures for a wrong selection
    assert csv_response.status_code == status
    assert message in csv_response.content.decode()


@pytest.mark.usefixtures("probe_sections")
def test_a_from_date_after_today_needs_a_to_date(executive_client, organization):
    tomorrow = TODAY + dt.timedelta(days=1)

    alone = executive_client.get(url(organization, "dashboard"),
                                 {"date_from": tomorrow.isoformat()})
    with_end = executive_client.get(url(organization, "dashboard"),
                                    {"date_from": tomorrow.isoformat(),
                                     "date_to": (tomorrow + dt.timedelta(days=30)).isoformat()})

    assert alone.status_code == 400
    assert alone.context["form"].errors["date_from"] == [
        f"“From” is after today ({TODAY:%Y-%m-%d}): choose an earlier day, or set “To” as well."]
    assert with_end.status_code == 200


@pytest.mark.usefixtures("probe_sections")
def test_a_cohort_outside_the_chosen_program_is_refused(executive_client, organization, world):
    response = executive_client.get(url(organization, "dashboard"),
                                    {"program": world["leaders"].pk,
                                     "cohort": world["small"].pk})

    assert response.status_code == 400
    assert response.context["form"].errors["cohort"] == [
        "This cohort is not part of the chosen program: choose one of its cohorts, or "
        "“All programs”."]


@pytest.mark.usefixtures("probe_sections")
def test_a_program_or_cohort_of_another_organization_is_404(executive_client, organization,
                                                            other_organization):
    with organization_scope(other_organization):
        theirs = CohortFactory(program__organization=other_organization, name="Globex secret",
                               status=CohortStatus.ACTIVE)

    for query in ({"program": theirs.program_id}, {"cohort": theirs.pk}):
        for name in ("dashboard", "print", "csv"):
            response = executive_client.get(url(organization, name), query)
            assert response.status_code == 404, (name, query)
            assert "Globex secret" not in response.content.decode()


# --- CSV -------------------------------------------------------------------------------------

@pytest.mark.usefixtures("probe_sections")
def test_a_panel_csv_is_its_table(executive_client, organization, world):
    response = executive_client.get(url(organization, "panel_csv", panel_key="probe_cells"),
                                    {"date_from": "2026-09-01", "date_to": "2026-10-31"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="acme-probe_cells-2026-09-01-2026-10-31.csv"')
    assert read_csv(response) == [
        ["Group", "Sessions (sessions)", "On track (%)", "NPS (NPS)"],
        ["Leaders", "12345", "62.5", "-20"],
        ["Juniors", "suppressed", "", "suppressed"],
        ["'" + FORMULA, "7", "100.0", "31"],  # the formula is text; numbers stay numbers
    ]


@pytest.mark.usefixtures("probe_sections")
def test_a_panel_csv_follows_the_filters(executive_client, organization, world):
    response = executive_client.get(url(organization, "panel_csv", panel_key="probe_pairs"),
                                    {"program": world["leaders"].pk})

    assert read_csv(response) == [["Cohort", "Pairs (pairs)"], ["Leaders autumn", "3"]]


@pytest.mark.usefixtures("probe_sections")
def test_the_whole_dashboard_csv_has_a_row_per_figure(executive_client, admin_client,
                                                      organization, world):
    rows = read_csv(executive_client.get(url(organization, "csv"),
                                         {"cohort": world["small"].pk}))
    hr_rows = read_csv(admin_client.get(url(organization, "hr_csv")))

    assert rows == [
        ["section", "panel_key", "panel", "row", "column", "unit", "value"],
        ["Probe figures", "probe_pairs", "Pairs per cohort", "Juniors pilot", "Pairs",
         "pairs", "1"],
        ["Probe figures", "probe_cells", "Every kind of cell", "Leaders", "Sessions",
         "sessions", "12345"],
        ["Probe figures", "probe_cells", "Every kind of cell", "Leaders", "On track", "%",
         "62.5"],
        ["Probe figures", "probe_cells", "Every kind of cell", "Leaders", "NPS", "NPS", "-20"],
        ["Probe figures", "probe_cells", "Every kind of cell", "Juniors", "Sessions",
         "sessions", "suppressed"],
        ["Probe figures", "probe_cells", "Every kind of cell", "Juniors", "On track", "%", ""],
        ["Probe figures", "probe_cells", "Every kind of cell", "Juniors", "NPS", "NPS",
         "suppressed"],
        ["Probe figures", "probe_cells", "Every kind of cell", "'" + FORMULA, "Sessions",
         "sessions", "7"],
        ["Probe figures", "probe_cells", "Every kind of cell", "'" + FORMULA, "On track", "%",
         "100.0"],
        ["Probe figures", "probe_cells", "Every kind of cell", "'" + FORMULA, "NPS", "NPS",
         "31"],
    ]
    assert ["Probe operations", "probe_people", "People to call", SECRET_NAME, "Email", "",
            SECRET_EMAIL] in hr_rows


# --- print -----------------------------------------------------------------------------------

@pytest.mark.usefixtures("probe_sections")
def test_the_printable_report_has_the_panels_and_no_navigation(executive_client, organization,
                                                               world):
    response = executive_client.get(url(organization, "print"),
                                    {"date_from": "2026-09-01", "date_to": "2026-10-31"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1 class=\"h4 mb-1\"><bdi>Acme Retail</bdi>: Dashboard</h1>" in page
    assert "All programs · 1 Sep 2026 to 31 Oct 2026" in page
    assert 'aria-label="Main"' not in page  # no navigation bar
    assert "<form" not in page  # no filters
    assert "data-dashboard-print" in page
    assert '<canvas id="chart-probe_cells" role="img"' in page
    assert "<caption>Every kind of cell: the figures behind the chart</caption>" in page
    assert "dash-csv" not in page
    assert 'href="/static/css/dashboards.css"' in page or "css/dashboards" in page


# --- navigation ------------------------------------------------------------------------------

def test_the_navigation_links_admins_and_executives_to_the_dashboard(client, users_by_role,
                                                                     organization):
    home = reverse("org_home", kwargs={"org_slug": organization.slug})
    link = f'href="{url(organization, "dashboard")}">Dashboard</a>'
    seen = {}
    for role, user in users_by_role.items():
        client.force_login(user)
        seen[role] = link in client.get(home).content.decode()

    assert seen == {Role.ADMIN: True, Role.EXECUTIVE: True, Role.MEMBER: False}


def test_the_dashboard_link_is_marked_current_on_the_dashboard(executive_client,
                                                               organization):
    page = executive_client.get(url(organization, "dashboard")).content.decode()

    assert (f'<a class="nav-link active" aria-current="page" '
            f'href="{url(organization, "dashboard")}">Dashboard</a>') in page


def test_the_start_pages_cohort_overview_points_to_the_dashboard(executive_client,
                                                                 organization, world):
    page = executive_client.get(reverse("org_home", kwargs={"org_slug": organization.slug}))

    assert (f'<a class="btn btn-sm btn-outline-primary" href="{url(organization, "dashboard")}">'
            "Open the dashboard</a>") in page.content.decode()


# --- the real sections: privacy and query counts --------------------------------------------

def named_pairs(organization, cohort, count: int, *, prefix: str = "Quill") -> list[str]:
    """``count`` pairs with distinctive names and emails, each with a held session, a goal, a
    commitment and a check-in answer; returns every name, email and text that must not show."""
    secrets = []
    for index in range(count):
        people = []
        for role in ("mentor", "mentee"):
            name, email = f"{prefix}{role.title()} Number{index}", \
                f"{prefix.lower()}.{role}{index}@acme.example"
            user = UserFactory(full_name=name, email=email)
            membership = MembershipFactory(organization=organization, user=user)
            people.append(ParticipantFactory(cohort=cohort, role=role, membership=membership))
            secrets += [name, email]
        pair = PairFactory(cohort=cohort, mentor=people[0], mentee=people[1])
        summary = f"{prefix} summary {index}: we spoke about the board"
        # every pair alike (a session 20 days ago: slipping), so that 1 and 20 pairs fill
        # the same lists and only the number of rows differs
        MentoringSessionFactory(pair=pair, held=True, summary=summary,
                                starts_at=timezone.now() - dt.timedelta(days=20))
        goal = f"{prefix} goal {index}: learn to use the data tools"
        GoalFactory(pair=pair, title=goal)
        commitment = f"{prefix} commitment {index}: ask my team weekly"
        CommitmentFactory(pair=pair, text=commitment)
        CheckInFactory(pair=pair, answered=True)
        secrets += [summary, goal, commitment]
    return secrets


@pytest.fixture
def real_cohort(organization):
    with organization_scope(organization):
        return CohortFactory(program=ProgramFactory(organization=organization, name="Real"),
                             name="Real cohort", status=CohortStatus.ACTIVE,
                             start_date=TODAY - dt.timedelta(days=60),
                             end_date=TODAY + dt.timedelta(days=120))


def test_no_executive_page_names_a_participant(executive_client, organization, real_cohort):
    with organization_scope(organization):
        secrets = named_pairs(organization, real_cohort, 6)

    bodies = {}
    for name in ("dashboard", "print", "csv"):
        response = executive_client.get(url(organization, name))
        assert response.status_code == 200, name
        bodies[name] = response.content.decode()
    for section in selectors.dashboard_sections(hr=False):
        for key in section.keys:
            response = executive_client.get(url(organization, "panel_csv", panel_key=key))
            assert response.status_code == 200, key
            bodies[key] = response.content.decode()

    shown = {(where, secret) for where, body in bodies.items() for secret in secrets
             if secret.lower() in body.lower()}
    assert shown == set()


def normalised(sql: str) -> str:
    return re.sub(r"\d+", "N", sql)[:300]


def page_queries(client, address: str) -> list[str]:
    client.get(address)  # warm-up (sessions, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("name", ["dashboard", "hr", "print", "csv"])
def test_the_page_costs_the_same_queries_for_1_and_20_pairs(admin_client, organization,
                                                            real_cohort, name):
    address = url(organization, name)
    with organization_scope(organization):
        named_pairs(organization, real_cohort, 1, prefix="One")
    one = page_queries(admin_client, address)
    with organization_scope(organization):
        named_pairs(organization, real_cohort, 19, prefix="More")
    twenty = page_queries(admin_client, address)

    assert len(twenty) == len(one), "\n".join(difflib.unified_diff(
        [normalised(sql) for sql in one], [normalised(sql) for sql in twenty], lineterm=""))
