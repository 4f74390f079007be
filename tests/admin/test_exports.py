"""Downloads: the list endpoints' filters, streamed in batches, UTF-8 with a BOM, and no
cell a spreadsheet would run as a formula — however it splits the line."""

import csv
import io

import pytest

from app.api.exports import defuse
from tests.admin.conftest import ADMIN

OFFERINGS_CSV = f"{ADMIN}/exports/offerings.csv"
LOGS_CSV = f"{ADMIN}/exports/activity-logs.csv"
TRIGGERS = ("=", "+", "-", "@")


def read_csv(response, delimiter=",") -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=delimiter))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+250 788 000 000", "'+250 788 000 000"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ('  "=cmd"', '\'  "=cmd"'),
        ("\t=cmd", "'\t'=cmd"),
        ("\t\t+1", "'\t'\t'+1"),
        ("Dupont;=HYPERLINK(1)", "Dupont;'=HYPERLINK(1)"),
        ("Dupont; =cmd", "Dupont;' =cmd"),
        ("a\t-b;@c", "a\t'-b;'@c"),
        ("Jean-Pierre Habimana", "Jean-Pierre Habimana"),
        ("Notes, - with a dash", "Notes, - with a dash"),  # the writer quotes commas
        ("", ""),
        (-2, -2),
        (None, None),
    ],
)
def test_formula_like_text_is_defused_wherever_a_cell_could_start(value, expected):
    """The apostrophe is the first character of the cell, or of the piece a split would make."""
    assert defuse(value) == expected


@pytest.fixture
def facilitator(create_user):
    return create_user("facilitator", first_name="Élodie", last_name="Nyiraneza")


def test_offerings_export_has_the_list_filters_and_french_names(
    client, as_manager, facilitator, create_offering
):
    mine = create_offering(facilitator_id=facilitator.id)
    create_offering()  # unassigned

    everything = read_csv(client.get(OFFERINGS_CSV, headers=as_manager))
    hers = read_csv(
        client.get(
            OFFERINGS_CSV, query_string={"facilitator_id": facilitator.id}, headers=as_manager
        )
    )
    unassigned = read_csv(
        client.get(OFFERINGS_CSV, query_string={"unassigned": "true"}, headers=as_manager)
    )

    assert len(everything) == 2
    assert [row["id"] for row in hers] == [str(mine["id"])]
    assert hers[0]["facilitator_name"] == "Élodie Nyiraneza"
    assert hers[0]["module_code"] == mine["module"]["code"]
    assert hers[0]["start_date"] == "2026-01-05" and hers[0]["is_active"] == "True"
    assert len(unassigned) == 1 and unassigned[0]["facilitator_id"] == ""


def test_the_download_is_named_and_streamed(client, as_manager, create_offering):
    create_offering()

    response = client.get(OFFERINGS_CSV, headers=as_manager)

    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="offerings-')


def test_each_download_lands_in_the_audit_trail_with_its_filters(
    client, as_manager, manager, audit_events
):
    response = client.get(
        OFFERINGS_CSV, query_string={"active_on": "2026-02-02"}, headers=as_manager
    )

    assert response.status_code == 200

    [event] = audit_events(action="exported")
    assert (event["actor_id"], event["entity_type"]) == (manager.id, "offerings")
    assert event["changes"]["filters"][1]["active_on"] == "2026-02-02"


def test_bad_filters_are_a_422_like_on_the_list(client, as_manager):
    response = client.get(OFFERINGS_CSV, query_string={"trimester": 9}, headers=as_manager)
    assert response.status_code == 422 and "trimester" in response.json["errors"]["query"]


@pytest.fixture
def logs(facilitator, create_offering, create_log):
    offering = create_offering(facilitator_id=facilitator.id)
    create_log(facilitator, offering["id"], 1, notes='Dupont;=HYPERLINK("http://x")\t+1')
    create_log(facilitator, offering["id"], 2, notes="-fine")
    return offering


def test_activity_log_export_has_the_list_filters(client, as_manager, logs):
    everything = read_csv(client.get(LOGS_CSV, headers=as_manager))
    week_two = read_csv(client.get(LOGS_CSV, query_string={"week_number": 2}, headers=as_manager))

    assert [row["week_number"] for row in everything] == ["1", "2"]
    assert [row["notes"] for row in week_two] == ["'-fine"]
    assert everything[0]["allocation_id"] == str(logs["id"])


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_no_cell_is_a_formula_however_the_line_is_split(client, as_manager, logs, delimiter):
    response = client.get(LOGS_CSV, headers=as_manager)

    text = response.get_data().decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        for cell in row:
            assert not cell.strip().strip('"').startswith(TRIGGERS), (delimiter, cell)


def test_an_export_larger_than_a_batch_has_every_row(app, client, as_manager):
    runner = app.test_cli_runner()
    seeded = runner.invoke(args=["seed", "bulk", "--facilitators", "3", "--offerings", "1234",
                                 "--students", "0"])  # fmt: skip
    assert seeded.exit_code == 0, seeded.output

    rows = read_csv(client.get(OFFERINGS_CSV, headers=as_manager))
    listed = client.get("/api/v1/course-offerings", headers=as_manager)

    assert (
        len(rows) == 1234 == int(listed.headers["X-Pagination"].split('"total": ')[1].split(",")[0])
    )
    assert len({row["id"] for row in rows}) == 1234
