"""CSV import of students: a row-level report, duplicates found, all or nothing."""

import io
import threading
import time

import pytest

from tests.admin.conftest import ADMIN

IMPORT = f"{ADMIN}/users/import"
HEADER = "email,first_name,last_name,student_number\n"


@pytest.fixture
def upload(client, as_manager):
    """`upload(text_or_bytes, dry_run=False)` → the response to posting it as a file."""

    def post(content, dry_run=False):
        data = content.encode() if isinstance(content, str) else content
        return client.post(
            IMPORT,
            query_string={"dry_run": str(dry_run).lower()},
            data={"file": (io.BytesIO(data), "students.csv")},
            headers=as_manager,
            content_type="multipart/form-data",
        )

    return post


@pytest.fixture
def count_students(run_sql):
    return lambda: run_sql("SELECT COUNT(*) FROM users WHERE role = 'student'")[0][0]


def results(response) -> list[tuple]:
    return [(row["line"], row["result"], sorted(row["reasons"])) for row in response.json["rows"]]


def test_a_dry_run_reports_every_row_and_writes_nothing(upload, create_user, count_students):
    create_user("student", email="known@example.test", student_number="S-9")
    csv = HEADER + (
        "ada@example.test,Ada,Lovelace,S-1\n"
        "KNOWN@example.test,Known,Person,\n"
        "not-an-email,Bad,Row,\n"
        "ADA@example.test,Ada,Again,S-2\n"
        "eve@example.test,Eve,Taken,S-9\n"
        "fay@example.test,Fay,Same,S-1\n"
    )

    response = upload(csv, dry_run=True)

    assert response.status_code == 200, response.json
    counts = response.json["created"], response.json["skipped"], response.json["invalid"]
    assert counts == (1, 1, 4)
    assert results(response) == [
        (2, "created", []),
        (3, "skipped", ["email"]),
        (4, "invalid", ["email"]),
        (5, "invalid", ["email"]),
        (6, "invalid", ["student_number"]),
        (7, "invalid", ["student_number"]),
    ]
    rows = response.json["rows"]
    assert rows[3]["reasons"]["email"] == ["Repeats line 2."]
    assert rows[4]["reasons"]["student_number"] == ["Another account holds this number."]
    assert rows[5]["reasons"]["student_number"] == ["Repeats line 2."]
    assert count_students() == 1


def test_an_import_creates_every_new_student_who_cannot_sign_in_yet(
    client, upload, audit_events, manager, as_manager
):
    csv = "\ufeff" + HEADER + "ada@example.test,Ada,Lovelace,S-1\nBob@Example.test,Bob,Byte,\n"

    response = upload(csv)

    assert response.status_code == 201, response.json
    ada, bob = response.json["rows"]
    assert (ada["result"], bob["result"], bob["email"]) == (
        "created",
        "created",
        "bob@example.test",
    )
    read = client.get(f"{ADMIN}/users/{bob['user_id']}", headers=as_manager).json
    assert read["profile"] == {"student_number": f"S{bob['user_id']:07d}"}
    created = audit_events(action="created", actor_id=manager.id)
    assert {e["entity_id"] for e in created} == {ada["user_id"], bob["user_id"]}
    assert {e["changes"]["source"][1] for e in created} == {"csv_import"}
    for password in ("", "!imported:", "Lovelace", "password"):
        login = client.post(
            "/api/v1/auth/login", json={"email": ada["email"], "password": password}
        )
        assert login.status_code == 401


def test_semicolons_and_a_french_spreadsheet_header_order_are_read(upload):
    csv = "last_name;first_name;email;preferred_language\nNshuti;Éric;eric@example.test;fr\n"

    response = upload(csv.encode("utf-8"))

    assert response.status_code == 201, response.json
    assert response.json["rows"][0]["result"] == "created"


def test_one_invalid_row_means_nothing_is_imported(upload, count_students):
    csv = HEADER + "ada@example.test,Ada,Lovelace,\nbob@example.test,,Byte,\n"

    response = upload(csv)

    assert response.status_code == 422
    assert response.json["message"] == "1 row(s) are invalid; nothing was imported."
    [row] = response.json["errors"]["json"]["rows"]
    assert row["line"] == 3
    assert row["reasons"] == {"first_name": ["Missing data for required field."]}
    assert count_students() == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name,mail\nAda,ada@example.test\n", "The header must name"),
        (b"\xff\xfe\x00e\x00m", "The file is not UTF-8 text."),
        (HEADER, "The file has no data rows."),
        (HEADER + 'ada@example.test,"Ada,Lovelace,\n', "The CSV is malformed"),
        ("", "The header must name"),
    ],
    ids=["wrong headers", "not utf-8", "no rows", "broken quotes", "empty"],
)
def test_files_that_are_not_the_expected_csv_are_refused_whole(
    upload, count_students, content, expected
):
    response = upload(content)

    assert response.status_code == 422, response.json
    assert response.json["message"].startswith(expected)
    assert count_students() == 0


def test_wrong_headers_are_named(upload):
    response = upload("email,first,last_name,age\nada@example.test,Ada,L,3\n")

    errors = response.json["errors"]["json"]
    assert errors["missing_columns"] == ["first_name"]
    assert errors["unknown_columns"] == ["first", "age"]


def test_a_repeated_column_is_named(upload):
    response = upload("email,first_name,last_name,email\nada@example.test,Ada,L,a@b.test\n")

    assert response.status_code == 422
    assert response.json["errors"]["json"]["repeated_columns"] == ["email"]


def test_rows_are_reported_at_the_line_a_spreadsheet_shows(upload):
    csv = HEADER + "ada@example.test,Ada,Lovelace,S-1\n\nnot-an-email,Bad,Row,\n"

    response = upload(csv, dry_run=True)

    assert results(response) == [(2, "created", []), (4, "invalid", ["email"])]


def test_a_line_with_too_many_or_too_few_cells_is_invalid(upload):
    csv = HEADER + "ada@example.test,Ada,Lovelace,S-1,extra\nbob@example.test,Bob\n"

    response = upload(csv, dry_run=True)

    assert results(response) == [(2, "invalid", ["line"]), (3, "invalid", ["line"])]


def test_a_request_without_a_file_is_a_422(client, as_manager):
    response = client.post(IMPORT, data={}, headers=as_manager, content_type="multipart/form-data")
    assert response.status_code == 422 and "file" in response.json["errors"]["files"]


def test_ten_thousand_rows_import_in_one_request_well_within_a_minute(
    upload, count_students, audit_events
):
    lines = "".join(f"s{n}@bulk.example.test,Student{n},Bulk,B-{n}\n" for n in range(10_000))

    started = time.monotonic()
    response = upload(HEADER + lines)
    elapsed = time.monotonic() - started

    assert response.status_code == 201, response.json
    assert response.json["created"] == 10_000
    assert elapsed < 60, elapsed
    assert count_students() == 10_000
    print(f"10,000-row import: {elapsed:.1f} s")


def test_ten_thousand_rows_with_the_last_one_invalid_write_nothing(upload, count_students, run_sql):
    lines = "".join(f"s{n}@bulk.example.test,Student{n},Bulk,\n" for n in range(9_999))

    response = upload(HEADER + lines + "s0@bulk.example.test,Twice,Bulk,\n")

    assert response.status_code == 422
    assert [row["line"] for row in response.json["errors"]["json"]["rows"]] == [10_001]
    assert count_students() == 0
    assert run_sql("SELECT COUNT(*) FROM audit_events WHERE actor_id IS NOT NULL") == [(0,)]


def test_two_simultaneous_imports_of_one_file_create_each_student_once(
    app, manager, auth_headers, count_students
):
    lines = "".join(f"s{n}@race.example.test,Student{n},Race,\n" for n in range(500))
    body = (HEADER + lines).encode()
    barrier = threading.Barrier(2)
    outcomes = []

    def send():
        headers = auth_headers(manager)
        with app.test_client() as own_client:
            barrier.wait()
            response = own_client.post(
                IMPORT, data={"file": (io.BytesIO(body), "s.csv")}, headers=headers,
                content_type="multipart/form-data",
            )  # fmt: skip
            created = response.json.get("created") if response.status_code == 201 else None
            outcomes.append((response.status_code, created))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The first to insert wins; the other either saw its accounts (all skipped) or ran into
    # them while inserting (409, nothing of its own written).
    assert sorted(outcomes, key=str) in (
        [(201, 0), (201, 500)],
        [(201, 500), (409, None)],
    )
    assert count_students() == 500
