"""PlainNested dumps what Nested dumps (a load-only field left out, data_key and attribute
followed, None and empty lists), for the nested schemas it accepts, and refuses the rest."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields

from app.api.fields import PlainNested, Text


class Entry(Schema):
    id = fields.Integer()
    code = Text()
    name = fields.String(data_key="title", attribute="label")
    hidden = fields.Integer(load_only=True)


def holder(field_class, **options) -> Schema:
    return type("Holder", (Schema,), {"entry": field_class(Entry, **options)})()


ENTRIES = [
    SimpleNamespace(id=1, code="MATH101", label="Calcul différentiel", hidden=7),
    SimpleNamespace(id=2, code=None, label="", hidden=8),
]


@pytest.mark.parametrize(
    ("options", "value"),
    [
        ({}, ENTRIES[0]),
        ({"allow_none": True}, None),
        ({"many": True}, ENTRIES),
        ({"many": True}, []),
    ],
)
def test_it_dumps_what_nested_dumps(options, value):
    plain = holder(PlainNested, **options).dump({"entry": value})

    assert plain == holder(fields.Nested, **options).dump({"entry": value})


def test_a_nested_schema_with_a_field_that_dumps_otherwise_is_refused():
    class Stamped(Schema):
        id = fields.Integer()
        at = fields.DateTime()

    schema = type("Holder", (Schema,), {"entry": PlainNested(Stamped)})()

    with pytest.raises(TypeError, match="Stamped"):
        schema.dump({"entry": SimpleNamespace(id=1, at=datetime(2026, 1, 5, tzinfo=UTC))})


def test_an_integer_dumped_as_a_string_is_refused():
    class Counted(Schema):
        count = fields.Integer(as_string=True)

    schema = type("Holder", (Schema,), {"entry": PlainNested(Counted)})()

    with pytest.raises(TypeError, match="Counted"):
        schema.dump({"entry": SimpleNamespace(count=3)})
