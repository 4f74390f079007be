"""The one CSV exporter every download goes through: streamed, spreadsheet-safe.

- Rows are read from the database in batches (`yield_per`, which also streams results from the
  server) and written as they come, so a 100,000-row file never sits in memory.
- UTF-8 with a byte-order mark, so spreadsheets show French names correctly.
- Every cell a spreadsheet could run as a formula is defused with a leading apostrophe —
  including text that only becomes a cell of its own once a European spreadsheet splits the
  line on `;` or a tab (`Dupont;=HYPERLINK(…)`).
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime

from flask import Response, stream_with_context
from sqlalchemy import Select

from app.extensions import db

BATCH = 1000
BOM = "\ufeff"
FLUSH_AT = 64 * 1024  # characters buffered before a chunk goes out
# A cell, or a piece of one after a `;` or tab (where European spreadsheets split lines), whose
# first visible character starts a formula; quotes and spaces in front do not stop one (a tab
# does: it starts a piece of its own). (Commas and line breaks need no care: the writer quotes
# cells containing them.)
FORMULA_START = re.compile(r"(^|[;\t])((?:[^\S\t]|[\"'])*)(?=[=+\-@\t\r])")


def defuse(value):
    """The value as it should appear in a cell: text that could run as a formula (anywhere a
    spreadsheet might start a cell) gets an apostrophe as the cell's, or the piece's, first
    character; dates are ISO text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if not isinstance(value, str):
        return value
    return FORMULA_START.sub(lambda match: f"{match[1]}'{match[2]}", value)


def csv_chunks(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The file, in chunks of about FLUSH_AT characters: BOM and header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for row in rows:
        writer.writerow([defuse(value) for value in row])
        if buffer.tell() >= FLUSH_AT:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def streamed(statement: Select, converters: Sequence[Callable | None] = ()) -> Iterator[list]:
    """The statement's rows, fetched BATCH at a time from a server-side cursor; a column with a
    converter is passed through it (select plain columns: building ORM objects and decoding
    columns nobody asked for is what makes large exports slow)."""
    for row in db.session.execute(statement.execution_options(yield_per=BATCH)):
        if converters:
            yield [convert(value) if convert else value
                   for value, convert in zip(row, converters, strict=True)]  # fmt: skip
        else:
            yield list(row)


def csv_response(
    filename: str, header: list[str], rows: Iterable[Iterable], stream: bool = True
) -> Response:
    """A download, written while it is sent (the request's context stays open meanwhile); with
    `stream=False`, rows already in memory are sent as one body (which a cache can keep)."""
    chunks = csv_chunks(header, rows)
    return Response(
        stream_with_context(chunks) if stream else "".join(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
