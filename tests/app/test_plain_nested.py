"""PlainNested dumps what Nested dumps (a load-only field left out, data_key and attribute
followed, None and empty lists), for the nested schemas it accepts, and refuses the rest."""

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


@pytest.mark.parametrize(
    "field",
    [fields.DateTime(), fields.Float(), fields.Decimal(places=1), fields.Email(),
     fields.Boolean(), fields.Integer(as_string=True)],
    ids=lambda field: type(field).__name__,
)  # fmt: skip
def test_a_nested_schema_with_a_field_that_dumps_otherwise_is_refused(field):
    inner = Schema.from_dict({"id": fields.Integer(), "value": field}, name="Mixed")
    schema = type("Holder", (Schema,), {"entry": PlainNested(inner)})()

    with pytest.raises(TypeError, match="Mixed"):
        schema.dump({"entry": SimpleNamespace(id=1, value=None)})


def schema_classes(base: type[Schema] = Schema):
    for subclass in base.__subclasses__():
        yield subclass
        yield from schema_classes(subclass)


def test_every_use_in_the_app_nests_plain_fields(app):
    uses = [
        (schema, name)
        for schema in set(schema_classes())
        if schema.__module__.startswith("app.")
        for name, field in schema().fields.items()
        if isinstance(field, PlainNested)
    ]

    assert len(uses) >= 7, uses  # an offering's five, an enrolment's student, attendance
    for schema, name in uses:
        assert schema().fields[name].shown, (schema, name)
