"""CSV import of participants: the service (all-or-nothing, per-row messages, idempotent
re-import, limits, encodings) and the pure cell parsers. Members of the organization are
enrolled at once; everyone else is invited into the cohort with the file's details."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Invitation, Membership, Role, User
from core.models import Notification
from programs.csv_safety import csv_text, neutralise_cell
from programs.imports.cells import parse_topic_list
from programs.imports.columns import MAX_BYTES, MAX_ROWS, template_csv_rows
from programs.imports.services import participants_import_csv
from programs.languages import parse_languages
from programs.models import (
    CohortInvitation,
    Participant,
    ParticipantStatus,
    ParticipantTopic,
    Profile,
    SeniorityLevel,
    Topic,
)
from programs.services import organization_defaults_ensure
from programs.services.participants import participant_profile_path
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db

HEADER = ["email", "name", "role", "title", "department", "level", "manager email",
          "time zone", "languages", "teach topics", "learn topics"]


def make_csv(rows: list[list[str]], header: list[str] = HEADER, delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


GOOD_ROWS = [
    ["ana@acme.example", "Ana López", "mentor", "Data analyst", "Marketing", "L2",
     "cmo@acme.example", "Europe/Madrid", "es;EN", "AI tools:3;Social media", "Strategy:1"],
    ["ben@acme.example", "Ben Ito", "Mentor", "Engineer", "IT", "L1", "", "asia/tokyo", "ja",
     "Data literacy", ""],
    ["cmo@acme.example", "Chris Moe", "mentee", "Chief Marketing Officer", "Marketing",
     "C-suite", "", "Europe/London", "en", "Strategy:3", "AI tools:3;Data literacy:2"],
]


@pytest.fixture
def cohort(scoped_organization):
    organization_defaults_ensure(organization=scoped_organization)
    return CohortFactory(program=ProgramFactory(organization=scoped_organization),
                         organization=scoped_organization,
                         min_seniority_gap=2)


def counts() -> dict[str, int]:
    return {"users": User.objects.count(), "memberships": Membership.objects.count(),
            "profiles": Profile.objects.count(), "participants": Participant.objects.count(),
            "topics": ParticipantTopic.objects.count(),
            "invitations": Invitation.objects.count(),
            "places": CohortInvitation.objects.count(),
            "notifications": Notification.objects.count()}


def make_members(organization, rows: list[list[str]]) -> list[Membership]:
    """The file's people as members of ``organization`` already (accounts without a name, no
    profile yet): the import enrolls them at once instead of inviting them."""
    return [MembershipFactory(organization=organization,
                              user=UserFactory(email=row[0].lower(), full_name=""))
            for row in rows]


def run(cohort, data, *, dry_run=False, capture=None):
    if capture is None:
        return participants_import_csv(cohort=cohort, file=data, actor=None, dry_run=dry_run)
    with capture(execute=True):
        return participants_import_csv(cohort=cohort, file=data, actor=None, dry_run=dry_run)


def error_cells(report) -> list[tuple[int | None, str | None]]:
    return [(issue.row, issue.field) for issue in report.errors]


# --- a good file ------------------------------------------------------------------------------

def test_good_file_of_members_enrolls_them_with_profiles_topics_and_welcome_emails(
        cohort, django_capture_on_commit_callbacks):
    make_members(cohort.organization, GOOD_ROWS[:2])
    existing = MembershipFactory(organization=cohort.organization, role=Role.EXECUTIVE,
                                 user=UserFactory(email="cmo@acme.example", full_name=""))
    before = counts()

    report = run(cohort, make_csv(GOOD_ROWS), capture=django_capture_on_commit_callbacks)

    assert report.ok, report.errors
    assert report.imported
    assert report.summary == {"rows": 3, "new_people": 0, "enrolled": 3, "updated": 0,
                              "unchanged": 0}
    assert (counts()["users"], counts()["memberships"], counts()["invitations"]) == (
        before["users"], before["memberships"], 0)  # members only: no account, no invitation
    ana = User.objects.get(email="ana@acme.example")
    assert ana.full_name == "Ana López"  # was blank
    ana_membership = Membership.objects.get(user=ana)
    assert ana_membership.role == Role.MEMBER
    existing.refresh_from_db()
    assert existing.role == Role.EXECUTIVE  # an import never changes someone's org role
    assert User.objects.get(email="cmo@acme.example").full_name == "Chris Moe"  # was blank
    profile = Profile.objects.get(membership=ana_membership)
    assert (profile.job_title, profile.department, profile.level.name, profile.time_zone,
            profile.languages) == ("Data analyst", "Marketing", "L2", "Europe/Madrid",
                                   ["es", "en"])
    assert (profile.manager, profile.pending_manager_email) == (existing, "")
    assert Profile.objects.get(membership__user__email="ben@acme.example").time_zone == \
        "Asia/Tokyo"
    participant = Participant.objects.get(membership=ana_membership, cohort=cohort)
    assert (participant.role, participant.status) == ("mentor", ParticipantStatus.ACTIVE)
    assert participant.completeness > 0
    assert sorted((t.interest, t.topic.name, t.strength) for t in participant.topics.all()) == [
        ("learn", "Strategy", 1), ("teach", "AI tools", 3), ("teach", "Social media", 2)]
    welcome = Notification.objects.filter(kind="welcome").order_by("email")
    assert [n.email for n in welcome] == ["ana@acme.example", "ben@acme.example",
                                          "cmo@acme.example"]
    assert {n.key for n in welcome} == {
        f"welcome:participant:{p.pk}" for p in Participant.objects.filter(cohort=cohort)}
    assert len(mail.outbox) == 3
    assert cohort.program.name in mail.outbox[0].body
    assert f"/participants/{participant.pk}/" in "".join(
        n.link for n in welcome if n.email == "ana@acme.example")
    places = Participant.objects.filter(cohort=cohort).select_related("cohort__organization")
    assert sorted(n.link for n in welcome) == sorted(participant_profile_path(p) for p in places)
    assert "Hello Ana López," in next(n.body_text for n in welcome
                                      if n.email == "ana@acme.example")


def test_good_file_of_new_people_invites_them_with_the_files_details(
        cohort, django_capture_on_commit_callbacks):
    before = counts()

    report = run(cohort, make_csv(GOOD_ROWS), capture=django_capture_on_commit_callbacks)

    assert report.imported, report.errors
    assert report.summary == {"rows": 3, "new_people": 3, "enrolled": 0, "updated": 0,
                              "unchanged": 0}
    assert report.emails_planned == 3
    # nobody is a member yet: no account, membership, profile or place is made for them
    assert {key: counts()[key] - before[key] for key in before} == {
        "users": 0, "memberships": 0, "profiles": 0, "participants": 0, "topics": 0,
        "invitations": 3, "places": 3, "notifications": 3}
    ana = CohortInvitation.objects.select_related("invitation", "level").get(
        invitation__email="ana@acme.example")
    assert (ana.cohort, ana.role, ana.invitation.role, ana.invitation.is_pending) == (
        cohort, "mentor", Role.MEMBER, True)
    assert (ana.name, ana.job_title, ana.department, ana.level.name, ana.manager_email,
            ana.time_zone, ana.languages) == (
        "Ana López", "Data analyst", "Marketing", "L2", "cmo@acme.example", "Europe/Madrid",
        ["es", "en"])
    topic = {t.name: t.pk for t in Topic.objects.all()}
    assert ana.topics == [[topic["AI tools"], "teach", 3], [topic["Social media"], "teach", 2],
                          [topic["Strategy"], "learn", 1]]
    # 7 of the 9 answers (title, department, level, zone, languages, both topic lists)
    assert ana.completeness == round(100 * 7 / 9)
    invitations = Notification.objects.filter(kind="invitation").order_by("email")
    assert [(n.email, n.recipient_id, n.key) for n in invitations] == [
        (place.invitation.email, None, f"invitation:{place.invitation_id}")
        for place in CohortInvitation.objects.select_related("invitation")
        .order_by("invitation__email")]
    text = next(n.body_text for n in invitations if n.email == "ana@acme.example")
    assert text.startswith("Hello Ana López,")
    assert cohort.program.name in text
    assert f"/invitations/{ana.invitation.token}/" in text
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ana@acme.example", "ben@acme.example", "cmo@acme.example"]


def test_a_manager_invited_but_not_joined_is_kept_by_address_until_they_join(
        cohort, django_capture_on_commit_callbacks):
    worker = make_members(cohort.organization, GOOD_ROWS[:1])[0]  # ana: her manager is cmo

    report = run(cohort, make_csv(GOOD_ROWS), capture=django_capture_on_commit_callbacks)

    assert report.imported, report.errors
    profile = Profile.objects.get(membership=worker)
    assert (profile.manager, profile.pending_manager_email) == (None, "cmo@acme.example")
    # a later file may name the invited manager although they are not in it
    later = [["dee@acme.example", "Dee", "mentor", "", "", "", "cmo@acme.example", "", "",
              "", ""]]
    assert run(cohort, make_csv(later), dry_run=True).ok


def test_header_variants_semicolon_delimiter_and_bom(cohort):
    header = ["E-Mail", "Full Name", "Role (mentor/mentee)", "Job Title", "Dept", "Seniority",
              "Line Manager", "Timezone", "Language", "Can teach", "Wants to learn", "Notes"]
    data = b"\xef\xbb\xbf" + make_csv([
        ["Dee@Acme.example", "Dee", "mentor", "", "", "", "", "", "", "", "", "hello"]],
        header=header, delimiter=";")

    report = run(cohort, data)

    assert report.ok, report.errors
    assert CohortInvitation.objects.get(invitation__email="dee@acme.example").role == "mentor"
    assert [w.message for w in report.warnings] == [
        "The column “Notes” is not one Flipside knows; it is ignored."]


def test_dry_run_writes_nothing(cohort):
    before = counts()

    report = run(cohort, make_csv(GOOD_ROWS), dry_run=True)

    assert report.ok
    assert not report.imported
    assert report.summary["new_people"] == 3
    assert counts() == before


# --- bad rows ---------------------------------------------------------------------------------

def test_bad_rows_import_nothing_and_every_error_names_row_and_field(cohort):
    rows = [
        ["ok@acme.example", "Okay", "mentor", "", "", "L1", "", "", "", "", ""],       # row 2
        ["not-an-email", "Bad Email", "mentor", "", "", "", "", "", "", "", ""],        # 3
        ["ok@acme.example", "Twice", "mentor", "", "", "", "", "", "", "", ""],         # 4
        ["role@acme.example", "Role", "boss", "", "", "", "", "", "", "", ""],          # 5
        ["tz@acme.example", "Zone", "mentor", "", "", "", "", "Europe/Berlinn", "", "", ""],  # 6
        ["lvl@acme.example", "Level", "mentor", "", "", "L12", "", "", "", "", ""],     # 7
        ["topic@acme.example", "Topic", "mentor", "", "", "", "", "", "",
         "AI tool:3;Data literacy:7", ""],                                              # 8
        ["mgr@acme.example", "Manager", "mentor", "", "", "", "ghost@acme.example", "", "",
         "", ""],                                                                      # 9
        ["self@acme.example", "Self", "mentor", "", "", "", "self@acme.example", "", "", "",
         ""],                                                                          # 10
        ["loop1@acme.example", "Loop 1", "mentee", "", "", "", "loop2@acme.example", "", "",
         "", ""],                                                                      # 11
        ["loop2@acme.example", "Loop 2", "mentee", "", "", "", "loop1@acme.example", "", "",
         "", ""],                                                                      # 12
        ["", "", "", "", "", "", "", "", "Klingon", "", ""],                            # 13
        ["senior@acme.example", "Senior Mentor", "mentor", "", "", "L8", "", "", "", "", ""],
        ["lead@acme.example", "Lead", "mentee", "", "", "L8", "", "", "", "", ""],      # 15
    ]
    before = counts()

    report = run(cohort, make_csv(rows))

    assert not report.imported
    assert counts() == before
    assert error_cells(report) == [
        (3, "email"), (4, "email"), (5, "role"), (6, "time_zone"), (7, "level"),
        (8, "teach_topics"), (8, "teach_topics"), (9, "manager_email"), (10, "manager_email"),
        (11, "manager_email"), (12, "manager_email"), (13, "email"), (13, "name"),
        (13, "role"), (13, "languages"), (14, "level"),
    ]
    messages = {(issue.row, issue.field): issue.message for issue in report.errors}
    assert messages[(3, "email")] == "“not-an-email” is not a valid email address."
    assert messages[(4, "email")] == ("ok@acme.example is already in row 2; each person may "
                                      "appear once.")
    assert "must be “mentor”" in messages[(5, "role")]
    assert "Did you mean Europe/Berlin" in messages[(6, "time_zone")]
    assert messages[(7, "level")].startswith("Unknown level “L12”. The levels of Acme Retail "
                                             "are: L1, L2")
    topic_messages = [i.message for i in report.errors if i.row == 8]
    assert "the strength after “:” must be 1, 2 or 3" in topic_messages[0]
    assert topic_messages[1] == "Unknown topic “AI tool”. Did you mean “AI tools”?"
    assert "Manager ghost@acme.example was not found" in messages[(9, "manager_email")]
    assert messages[(10, "manager_email")] == "A person cannot be their own manager."
    assert "loop1@acme.example → loop2@acme.example → loop1@acme.example" in \
        messages[(11, "manager_email")]
    assert "“Klingon”" in messages[(13, "languages")]
    assert messages[(14, "level")].startswith("A mentor at L8 could not be paired with any "
                                              "mentee: the most senior mentee is L8")
    assert "(L6 or below)" in messages[(14, "level")]
    assert all(issue.column for issue in report.errors)


def test_retired_topic_refused_and_merged_topic_resolves(cohort):
    retired = Topic.objects.get(name="Social media")
    retired.is_retired = True
    retired.save()
    old = Topic.objects.create(organization=cohort.organization, name="Prompting", slug="prompt",
                               is_retired=True,
                               merged_into=Topic.objects.get(name="Generative AI prompting"))
    rows = [["a@acme.example", "A", "mentor", "", "", "", "", "", "", "Social media", ""],
            ["b@acme.example", "B", "mentor", "", "", "", "", "", "", old.name, ""]]

    report = run(cohort, make_csv(rows), dry_run=True)

    assert error_cells(report) == [(2, "teach_topics")]
    assert "retired" in report.errors[0].message


def test_manager_chain_loop_through_existing_member_is_reported(cohort):
    boss = MembershipFactory(organization=cohort.organization,
                             user=UserFactory(email="boss@acme.example"))
    worker = MembershipFactory(organization=cohort.organization,
                               user=UserFactory(email="worker@acme.example"))
    Profile.objects.create(organization=cohort.organization, membership=worker, manager=boss)
    rows = [["boss@acme.example", "Boss", "mentee", "", "", "", "worker@acme.example", "", "",
             "", ""]]

    report = run(cohort, make_csv(rows), dry_run=True)

    assert error_cells(report) == [(2, "manager_email")]
    assert "boss@acme.example → worker@acme.example → boss@acme.example" in \
        report.errors[0].message


def test_mentee_not_senior_to_any_enrolled_mentor_is_refused(cohort):
    level = SeniorityLevel.objects.get(name="L5")
    mentor = ParticipantFactory(cohort=cohort, role="mentor")
    mentor.profile.level = level
    mentor.profile.save()
    rows = [["vp@acme.example", "VP", "mentee", "", "", "L6", "", "", "", "", ""]]

    report = run(cohort, make_csv(rows), dry_run=True)

    assert error_cells(report) == [(2, "level")]
    assert report.errors[0].message.startswith(
        "A mentee at L6 could not be paired with any mentor: the most junior mentor is L5")


def test_read_only_cohort_refuses_import(cohort):
    cohort.status = "completed"
    cohort.save()

    report = run(cohort, make_csv(GOOD_ROWS[1:2]))

    assert not report.imported
    assert error_cells(report) == [(None, None)]
    assert "completed" in report.errors[0].message


def test_confirm_revalidates_against_the_current_database(cohort):
    data = make_csv(GOOD_ROWS)
    assert run(cohort, data, dry_run=True).ok
    Topic.objects.filter(name="Strategy").update(is_retired=True)
    before = counts()

    report = run(cohort, data)

    assert not report.imported
    assert {issue.row for issue in report.errors} == {2, 4}
    assert counts() == before


# --- re-import --------------------------------------------------------------------------------

def test_reimport_of_the_same_file_changes_nothing_and_sends_no_second_welcome(
        cohort, django_capture_on_commit_callbacks):
    data = make_csv(GOOD_ROWS)
    run(cohort, data, capture=django_capture_on_commit_callbacks)
    before = counts()
    emails = len(mail.outbox)

    report = run(cohort, data, capture=django_capture_on_commit_callbacks)

    assert report.imported
    assert report.summary == {"rows": 3, "new_people": 0, "enrolled": 0, "updated": 0,
                              "unchanged": 3}
    assert counts() == before
    assert len(mail.outbox) == emails == 3


def test_reimport_with_changes_updates_in_place(cohort, django_capture_on_commit_callbacks):
    make_members(cohort.organization, GOOD_ROWS)
    run(cohort, make_csv(GOOD_ROWS), capture=django_capture_on_commit_callbacks)
    participant = Participant.objects.get(membership__user__email="ana@acme.example")
    participant.learning_goals = "Learn how strategy is made"
    participant.save()
    topic_ids = set(participant.topics.values_list("pk", flat=True))
    changed = [list(row) for row in GOOD_ROWS]
    changed[0][3] = "Senior data analyst"  # title
    changed[0][4] = ""  # blank department: kept
    changed[0][9] = "AI tools:2"  # teach topics replaced
    changed[0][10] = ""  # blank learn topics: kept
    before = counts()

    report = run(cohort, make_csv(changed), capture=django_capture_on_commit_callbacks)

    assert report.imported
    assert report.summary["updated"] == 1
    assert report.rows[0].changes == ["title", "teach topics"]
    assert counts() == {**before, "topics": before["topics"] - 1}
    participant.refresh_from_db()
    assert participant.profile.job_title == "Senior data analyst"
    assert participant.profile.department == "Marketing"
    assert participant.learning_goals == "Learn how strategy is made"
    assert sorted((t.interest, t.topic.name, t.strength) for t in participant.topics.all()) == [
        ("learn", "Strategy", 1), ("teach", "AI tools", 2)]
    assert set(participant.topics.values_list("pk", flat=True)) < topic_ids  # updated in place


def test_withdrawn_participant_is_updated_but_not_reenrolled(cohort):
    participant = ParticipantFactory(
        cohort=cohort, status=ParticipantStatus.WITHDRAWN, role="mentee",
        membership=MembershipFactory(organization=cohort.organization,
                                     user=UserFactory(email="gone@acme.example")))
    rows = [["gone@acme.example", "Gone", "mentee", "Director", "", "", "", "", "", "", ""]]

    report = run(cohort, make_csv(rows))

    assert report.imported
    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.WITHDRAWN
    assert participant.profile.job_title == "Director"
    assert "not re-enrolled" in report.warnings[0].message
    assert not Notification.objects.filter(kind="welcome").exists()


# --- file-level problems ----------------------------------------------------------------------

def test_oversized_file_is_rejected(cohort):
    data = make_csv(GOOD_ROWS) + b"#" * MAX_BYTES

    report = run(cohort, data)

    assert [issue.message for issue in report.errors] == [
        "The file is larger than 5 MB. Split it into smaller files (at most 20,000 rows each) "
        "and import them one by one."]
    assert not User.objects.filter(email="ana@acme.example").exists()


def test_too_many_rows_is_rejected(cohort):
    rows = [[f"p{n}@acme.example", f"P {n}", "mentor"] for n in range(MAX_ROWS + 1)]

    report = run(cohort, make_csv(rows, header=["email", "name", "role"]))

    assert len(report.errors) == 1
    assert "more than 20,000 people" in report.errors[0].message
    assert User.objects.count() == 0


def test_windows_1252_file_is_converted_with_a_notice_naming_the_converted_words(cohort):
    data = ("email,name,role,department\nok@acme.example,Ok,mentor,Sales\n"
            "jose@acme.example,José Müller,mentor,Ventas – Süd\n").encode("cp1252")

    report = run(cohort, data)

    assert report.imported, report.errors
    place = CohortInvitation.objects.get(invitation__email="jose@acme.example")
    assert (place.name, place.department) == ("José Müller", "Ventas – Süd")
    notice = report.warnings[0]
    assert notice.row is None
    assert notice.message.startswith("The file was saved as Windows-1252")
    assert "“José”, “Müller”, “–”" in notice.message


def test_a_file_neither_utf8_nor_windows_1252_is_refused_with_the_line(cohort):
    data = b"email,name,role\nok@acme.example,Ok,mentor\nx@acme.example,\x81\x8d\x9d,mentor\n"

    report = run(cohort, data)

    assert len(report.errors) == 1
    assert report.errors[0].message.startswith(
        "The file is not UTF-8 text (the first unreadable byte is on line 3), and not "
        "Windows-1252 either")
    assert report.errors[0].row == 3
    assert User.objects.count() == 0


@pytest.mark.parametrize(("data", "fragment"), [
    (b"PK\x03\x04rest-of-zip", "Excel workbook"),
    ("email,name,role\n".encode("utf-16"), "UTF-16"),
    (b"", "The file is empty"),
    (b"email,name,role\n", "nobody in it"),
    (b"email,name\nx@acme.example,X\n", "The required column “role” is missing"),
    (b"email,e-mail,name,role\n", "both mean “email”"),
    (b'email,name,role\n"x@acme.example,X,mentor\n', "unclosed quotation mark"),
    (b"email,name,role\nx@acme.example,X\x00,mentor\n", "NUL bytes"),
    ("email,name,role\nx@acme.example,X,mentor\n".encode("utf-16-le"), "UTF-16"),
])
def test_unreadable_files_get_a_clear_message(cohort, data, fragment):
    report = run(cohort, data)

    assert not report.imported
    assert any(fragment in issue.message for issue in report.errors), report.errors


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00"
       b"\x00\x1f\xf3\xffa" + bytes(range(256)) * 4)


@pytest.mark.parametrize(("data", "what"), [
    (PNG, "it is a PNG image"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(200),
     "it is a PDF document"),
    (b"\x1f\x8b\x08\x00" + bytes(range(256)), "it is a gzip archive"),
    (bytes(range(256)) * 8, "it contains NUL bytes"),
    (b"email,name,role\n" + bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16]) * 20,
     "it contains control characters"),
])
def test_binary_file_renamed_csv_is_not_a_text_file_rather_than_windows_1252(cohort, data,
                                                                             what):
    report = run(cohort, data)

    assert not report.imported
    assert [issue.row for issue in report.errors] == [None]
    message = report.errors[0].message
    assert message.startswith(f"This is not a text file ({what}")
    assert "Windows-1252" not in message
    assert "UTF-8 text" not in message
    assert User.objects.count() == 0


# --- formula injection ------------------------------------------------------------------------

def test_formula_cells_are_stored_as_text_and_neutralised_on_export(cohort):
    rows = [["f@acme.example", "=HYPERLINK(\"http://evil\",\"x\")", "mentor", "+1+2",
             "@SUM(A1)", "", "", "", "", "", ""]]

    make_members(cohort.organization, rows)
    report = run(cohort, make_csv(rows))

    assert report.imported
    profile = Profile.objects.get(membership__user__email="f@acme.example")
    assert (profile.membership.user.full_name, profile.job_title, profile.department) == (
        "=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "@SUM(A1)")
    exported = list(csv.reader(io.StringIO(csv_text(
        ["name", "title", "department"],
        [[profile.membership.user.full_name, profile.job_title, profile.department]]))))
    assert exported[1] == ["'=HYPERLINK(\"http://evil\",\"x\")", "'+1+2", "'@SUM(A1)"]


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("plain", "plain"), ("a=b", "a=b"), ("", ""), (None, ""), (42, "42"),
])
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


# --- parsers and performance shape ------------------------------------------------------------

@pytest.mark.parametrize(("value", "items", "problems"), [
    ("AI tools:3;Data literacy", [("AI tools", 3), ("Data literacy", 2)], 0),
    (" AI tools : 1 ; ", [("AI tools", 1)], 0),
    ("AI tools:4", [], 1),
    ("AI tools:x", [], 1),
    (":2", [], 1),
])
def test_parse_topic_list(value, items, problems):
    parsed, issues = parse_topic_list(value)
    assert parsed == items
    assert len(issues) == problems


def test_parse_languages():
    assert parse_languages("en; German;pt-BR;en") == (["en", "de", "pt-br"], [])
    assert parse_languages("en;Klingon") == (["en"], ["Klingon"])


def test_query_count_does_not_grow_with_rows(cohort):
    def queries(n: int) -> int:
        rows = [[f"q{n}-{i}@acme.example", f"Q {i}", "mentor" if i % 2 else "mentee", "", "",
                 "L2" if i % 2 else "L8", "", "", "", "AI tools", "Strategy"]
                for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            assert run(cohort, make_csv(rows)).imported
        return len(captured)

    assert queries(3) == queries(40)


def test_query_count_does_not_grow_with_rows_of_members(cohort):
    def queries(n: int) -> int:
        rows = [[f"m{n}-{i}@acme.example", f"M {i}", "mentor" if i % 2 else "mentee", "T",
                 "D", "L2" if i % 2 else "L8", "", "", "", "AI tools", "Strategy"]
                for i in range(n)]
        make_members(cohort.organization, rows)
        with CaptureQueriesContext(connection) as captured:
            report = run(cohort, make_csv(rows))
        assert report.imported
        assert report.summary["enrolled"] == n
        with CaptureQueriesContext(connection) as again:
            assert run(cohort, make_csv(rows)).summary["unchanged"] == n
        return len(captured), len(again)

    assert queries(3) == queries(40)


def test_template_csv_imports_cleanly(cohort):
    header, rows = template_csv_rows(
        organization_levels=list(SeniorityLevel.objects.values_list("name", flat=True)),
        topic_names=list(Topic.objects.values_list("name", flat=True)))

    report = run(cohort, csv_text(header, rows), dry_run=True)

    assert report.ok, report.errors
    assert report.summary["new_people"] == 2


def test_bulk_welcome_respects_preferences_and_existing_keys(
        cohort, django_capture_on_commit_callbacks):
    from core.models import NotificationPreference

    quiet = MembershipFactory(organization=cohort.organization,
                              user=UserFactory(email="quiet@acme.example")).user
    NotificationPreference.objects.create(user=quiet, kind="welcome", channel="off")
    inbox = MembershipFactory(organization=cohort.organization,
                              user=UserFactory(email="inbox@acme.example")).user
    NotificationPreference.objects.create(user=inbox, kind="welcome", channel="in_app")
    MembershipFactory(organization=cohort.organization,
                      user=UserFactory(email="loud@acme.example"))
    rows = [[email, name, "mentor", "", "", "", "", "", "", "", ""]
            for email, name in (("quiet@acme.example", "Q"), ("inbox@acme.example", "I"),
                                ("loud@acme.example", "L"))]

    run(cohort, make_csv(rows), capture=django_capture_on_commit_callbacks)

    assert sorted(Notification.objects.filter(kind="welcome")
                  .values_list("email", "status")) == [
        ("inbox@acme.example", "sent"), ("loud@acme.example", "sent")]
    assert [m.to for m in mail.outbox] == [["loud@acme.example"]]
