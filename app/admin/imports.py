"""Importing student accounts from a CSV file, all or nothing.

Every row is checked first (format, duplicates inside the file, accounts already in the
database); then either nothing is written (a dry run, or any invalid row) or every new account
is inserted in a few batched statements. Imported students get an unusable random password —
no password hash per row, which is what makes 10,000 rows a matter of seconds — and set their
own through the set-password path (until that exists, a manager sets one with
`flask users set-password`).
"""

import csv
import io
import secrets
from dataclasses import dataclass, field
from itertools import islice
from typing import NoReturn

from marshmallow import Schema, ValidationError, fields, pre_load, validate
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from app.api.errors import translate_leaves
from app.api.fields import Text
from app.auth.models import Role, StudentProfile, User
from app.auth.schemas import LANGUAGE, NAME
from app.auth.services import normalise_email
from app.core import clock, signals
from app.core.exceptions import Conflict, Invalid
from app.core.i18n import _
from app.extensions import db

REQUIRED_COLUMNS = ("email", "first_name", "last_name")
OPTIONAL_COLUMNS = ("student_number", "preferred_language")
MAX_ROWS = 20_000
BATCH = 1000
CREATED, SKIPPED, INVALID = "created", "skipped", "invalid"
# Argon2 never produces a hash starting with "!", so no password matches one of these.
UNUSABLE_PREFIX = "!imported:"


class StudentRowSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    first_name = Text(required=True, validate=NAME)
    last_name = Text(required=True, validate=NAME)
    student_number = Text(validate=validate.Length(max=32))
    preferred_language = fields.String(load_default="en", validate=LANGUAGE)

    @pre_load
    def empty_cells_are_missing(self, row, **kwargs):
        return {name: value for name, value in row.items() if value not in ("", None)}


@dataclass
class Row:
    line: int
    email: str
    result: str = CREATED
    reasons: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    user_id: int | None = None

    def refuse(self, result: str, name: str, message: str) -> None:
        self.result = result
        self.reasons.setdefault(name, []).append(message)


def import_students(upload: bytes, dry_run: bool, manager: User) -> dict:
    """Check every row, then create all the new accounts or none. A dry run only reports;
    a real run with any invalid row raises Invalid (422) naming those rows."""
    rows = check_rows(read_rows(upload))
    counts = summary(rows, dry_run)
    if counts[INVALID] and not dry_run:
        raise Invalid(
            {"rows": [as_report(row) for row in rows if row.result == INVALID]},
            _("{count} row(s) are invalid; nothing was imported.").format(count=counts[INVALID]),
        )
    if not dry_run:
        created = [row for row in rows if row.result == CREATED]
        insert_students(created)
        signals.users_imported.send(manager, user_ids=[row.user_id for row in created])
    return counts | {"rows": [as_report(row) for row in rows]}


# --- reading the file ------------------------------------------------------------------------


def read_rows(upload: bytes) -> list[Row]:
    """The file's data rows, each checked on its own; a file that is not a CSV with the
    expected columns is refused whole."""
    try:
        text = upload.decode("utf-8-sig")
    except UnicodeDecodeError:
        file_error(_("The file is not UTF-8 text."))
    if "\0" in text:
        file_error(_("The file is not a CSV text file."))
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=sniff(text), strict=True)
    check_columns(reader.fieldnames)
    try:
        # Each record with the line it ends on, as the reader counts them (blank lines and
        # quoted line breaks included), so reports name the line a spreadsheet shows.
        records = [(record, reader.line_num) for record in islice(reader, MAX_ROWS + 1)]
    except csv.Error:
        file_error(_("The CSV is malformed near line {line}.").format(line=reader.line_num))
    if not records:
        file_error(_("The file has no data rows."))
    if len(records) > MAX_ROWS:
        file_error(_("At most {count} rows per file.").format(count=MAX_ROWS))
    return [parse(record, line=line) for record, line in records]


def sniff(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma, semicolon (what European spreadsheets save) or tab, from the header line."""
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def check_columns(names: list[str] | None) -> None:
    names = [name.strip().lower() for name in names or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    unknown = [name for name in names if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if missing or unknown or repeated:
        file_error(
            _("The header must name {required}, optionally {optional}.").format(
                required=", ".join(REQUIRED_COLUMNS), optional=", ".join(OPTIONAL_COLUMNS)
            ),
            {"missing_columns": missing, "unknown_columns": unknown, "repeated_columns": repeated},
        )


def file_error(message: str, details: dict | None = None) -> NoReturn:
    raise Invalid({"file": [message], **(details or {})}, message)


def parse(record: dict, line: int) -> Row:
    values = {(key or "").strip().lower(): value for key, value in record.items()}
    if None in record or None in record.values():  # more or fewer cells than the header
        row = Row(line, (values.get("email") or "").strip())
        row.refuse(INVALID, "line", _("This line has a different number of cells."))
        return row
    try:
        data = StudentRowSchema().load(values)
    except ValidationError as error:
        row = Row(line, (values.get("email") or "").strip())
        row.result, row.reasons = INVALID, translate_leaves(error.messages)
        return row
    data["email"] = normalise_email(data["email"])
    return Row(line, data["email"], data=data)


# --- checking rows against each other and the database ---------------------------------------


def check_rows(rows: list[Row]) -> list[Row]:
    """Mark rows repeating an earlier row's email or number (invalid), rows whose email has an
    account already (skipped) and numbers another account holds (invalid)."""
    first_line: dict[tuple[str, str], int] = {}
    for row in rows:
        for name in ("email", "student_number"):
            value = row.data.get(name)
            if value is None:
                continue
            earlier = first_line.setdefault((name, value), row.line)
            if earlier != row.line:
                row.refuse(INVALID, name, _("Repeats line {line}.").format(line=earlier))
    valid = [row for row in rows if row.result == CREATED]
    existing_emails = existing(User.email, [row.email for row in valid])
    taken_numbers = existing(
        StudentProfile.student_number, [row.data.get("student_number") for row in valid]
    )
    for row in valid:
        if row.email in existing_emails:
            row.refuse(SKIPPED, "email", _("An account with this email exists already."))
        elif row.data.get("student_number") in taken_numbers:
            row.refuse(INVALID, "student_number", _("Another account holds this number."))
    return rows


def existing(column, values: list) -> set:
    values = [value for value in values if value is not None]
    found = set()
    for start in range(0, len(values), BATCH):
        chunk = values[start : start + BATCH]
        found.update(db.session.scalars(select(column).where(column.in_(chunk))))
    return found


# --- writing ---------------------------------------------------------------------------------


def insert_students(rows: list[Row]) -> None:
    """Batched inserts; the unique keys still decide if an account appeared meanwhile."""
    now = clock.now()
    try:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            db.session.execute(insert(User), [account(row, now) for row in batch])
            ids = dict(
                db.session.execute(
                    select(User.email, User.id).where(User.email.in_([r.email for r in batch]))
                ).all()
            )
            for row in batch:
                row.user_id = ids[row.email]
            db.session.execute(
                insert(StudentProfile),
                [{"user_id": row.user_id,
                  "student_number": row.data.get("student_number") or f"S{row.user_id:07d}"}
                 for row in batch],
            )  # fmt: skip
    except IntegrityError as error:
        raise Conflict(
            _("Some of these accounts were created meanwhile; check the file again.")
        ) from error


def account(row: Row, now) -> dict:
    return {
        "email": row.email,
        "password_hash": UNUSABLE_PREFIX + secrets.token_hex(16),
        "first_name": row.data["first_name"],
        "last_name": row.data["last_name"],
        "role": Role.STUDENT.value,
        "is_active": True,
        "preferred_language": row.data["preferred_language"],
        "session_version": 1,
        "created_at": now,
        "updated_at": now,
    }


# --- the report ------------------------------------------------------------------------------


def summary(rows: list[Row], dry_run: bool) -> dict:
    counts = {result: 0 for result in (CREATED, SKIPPED, INVALID)}
    for row in rows:
        counts[row.result] += 1
    return {"dry_run": dry_run, **counts}


def as_report(row: Row) -> dict:
    return {
        "line": row.line,
        "email": row.email,
        "result": row.result,
        "reasons": row.reasons,
        "user_id": row.user_id,
    }
