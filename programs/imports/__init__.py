"""Bulk import of participants into a cohort from a CSV file: all or nothing, per-row messages.

The package follows the import's layers; the first four modules are pure Python (no Django
imports: tests/programs/test_import_parsing.py runs them without a database):

- ``columns``: the columns, their header aliases and limits, the template's rows;
- ``report``: what an import found (:class:`~programs.imports.report.ImportIssue`, the row
  previews, :class:`~programs.imports.report.ImportReport`);
- ``reading`` (:func:`~programs.imports.reading.decode_csv_upload`,
  :func:`~programs.imports.reading.parse_csv`): size and row limits, UTF-8 (with or without
  BOM; a Windows-1252 file is converted, with a notice), binary files told apart from text,
  delimiter, header names matched case-insensitively with common variants;
- ``cells``: one cell's role, time zone or topic list;
- ``planning`` (:func:`~programs.imports.planning.plan_import`): every cell checked against
  the organization (levels, topics, members) loaded in a handful of queries, never one per
  row; every problem becomes an ``ImportIssue`` with its spreadsheet row number, column and a
  human reason;
- ``writing``: the plan written with bulk inserts and updates (:func:`core.bulk.rows_insert`,
  :func:`core.bulk.rows_update`: multi-row ``INSERT … RETURNING`` and ``UPDATE … FROM
  (VALUES …)``, no model instance per row);
- ``services``: :func:`~programs.imports.services.participants_import_csv` (only when nothing
  is wrong, in one transaction with the cohort row locked) and the import batch's life
  (upload, preview, confirm, clean-up) shared by the web pages and the API.

Rules an admin can rely on (they are shown next to the upload form):

- People are matched by email (case-insensitive), so importing the same file again updates
  rather than duplicates, and a second identical import changes nothing.
- A blank optional cell keeps what is stored (people's own answers are never wiped by a file
  that lacks them); a filled cell replaces it. A filled topics cell replaces that person's
  teach (or learn) topics in this cohort.
- Someone who is not yet a member of this organization is a *new person*, whatever else
  Flipside knows about the address: the import never even looks it up. Every new person gets
  an invitation into the cohort holding the file's cells (name, title, department, level,
  manager, zone, languages, topics) and an invitation email sent to the address; no account,
  membership, profile or place is made. The person joins when they accept, with the account
  they have or one they create on the invitation's page, and the file's cells become their
  profile's answers and topics where they have none
  (:func:`programs.services.participants.cohort_invitation_accepted`). Until then the roster
  lists them as "Invited — not yet signed in" from the invitation alone, so the preview, the
  report, the API answer, the email progress, the roster, its CSV, the counts and every other
  page read the same for an address with no account and one with an account elsewhere
  (tests/programs/test_invited_alike.py). Importing again updates an open invitation's cells
  (no second email); an expired one is replaced by a new invitation.
- Existing members keep their role in the organization and their account name (a blank one is
  filled in); existing participants keep their status (a withdrawn person is not silently
  re-enrolled).
- Welcome and invitation emails are written to the outbox in bulk with the import and sent
  after the response (:func:`core.after_response.run_after_response`); the import page
  shows how many have gone out.
- Seniority: the cohort pairs a mentor with a mentee only when the mentor is at least
  ``min_seniority_gap`` levels junior. A row is refused when that can never happen in this
  cohort: a mentor who is not junior enough to the most senior mentee, or a mentee who is not
  senior enough to the most junior mentor (counting this file and the people already
  enrolled, and only people with a level).
- Managers must be in the file, already members or invited into the organization (a
  manager who has not joined yet is kept by address and linked when they accept); nobody
  manages themself and manager chains may not loop.
"""
