"""How the OpenAPI document names operations and describes response shapes, for the clients
generated from it: a stable `operationId` per operation, `required` for what every answer
carries, and nullable references a generator can type."""

from apispec import BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import resolve_schema_instance

from app.api.fields import ResponseSchema

# The verb of an operation, by method; a GET answering an array lists.
VERBS = {"get": "get", "put": "set", "patch": "update", "delete": "delete", "post": "create"}


class OperationIds(BasePlugin):
    """Each operation's `operationId`, from its view's name and its method.

    `GET` → `list<View>` (an array) or `get<View>`; `PATCH` → `update…`, `PUT` → `set…`,
    `DELETE` → `delete…`; `POST` → `create<Item>` on a collection (named after the view of its
    items, `/offerings/<id>`), `create<View>` on a resource that has other methods, and the
    view's own name, a verb, on an action (`login`, `changePassword`). A view's name drops a
    trailing `Item`: `ActivityLogItem` → `getActivityLog`.
    """

    def operation_helper(self, path=None, operations=None, *, rule=None, **kwargs):
        if rule is None:
            return
        for method, operation in operations.items():
            operation.setdefault("operationId", operation_id(rule, method, operations))


def operation_id(rule, method: str, operations: dict) -> str:
    noun = view_noun(rule.endpoint)
    if method == "get":
        return ("list" if answers_array(operations["get"]) else "get") + noun
    if method != "post":
        return VERBS[method] + noun
    item = item_rule(rule)
    if item is not None:
        return "create" + view_noun(item.endpoint)
    if set(operations) - {"post", "parameters"}:
        return "create" + noun
    return noun[0].lower() + noun[1:]


def view_noun(endpoint: str) -> str:
    return endpoint.rpartition(".")[2].removesuffix("Item")


def item_rule(rule):
    """The rule of one item of the collection `rule` serves (`<rule>/<id>`), if there is one."""
    blueprint = rule.endpoint.rpartition(".")[0]
    for other in rule.map.iter_rules():
        rest = other.rule.removeprefix(rule.rule + "/")
        one_more = rest != other.rule and rest.startswith("<") and "/" not in rest
        if one_more and other.endpoint.rpartition(".")[0] == blueprint:
            return other
    return None


def answers_array(operation: dict) -> bool:
    """Whether its 200 answer is an array (flask-smorest keys answers by number, apispec by
    text)."""
    responses = operation.get("responses", {})
    answer = responses.get(200, responses.get("200", {}))
    content = answer.get("content", {}) if isinstance(answer, dict) else {}
    return any(body.get("schema", {}).get("type") == "array" for body in content.values())


class DocumentConverter(OpenAPIConverter):
    """apispec's converter, with `required` saying what every answer carries and nullable
    nested schemas as a nullable reference."""

    def schema2jsonschema(self, schema):
        instance = resolve_schema_instance(schema)
        if getattr(instance, "one_of", None):
            return self.one_of(*instance.one_of)
        if getattr(instance, "by_role", None):
            return self.by_role(instance.by_role)
        jsonschema = super().schema2jsonschema(schema)
        present = always_present(instance)
        if present:
            jsonschema["required"] = sorted({*jsonschema.get("required", ()), *present})
        return jsonschema

    def one_of(self, field: str, shapes: dict) -> dict:
        """A schema whose shape depends on the value of `field` (a schema's `one_of`)."""
        refs = {value: self.resolve_nested_schema(shape) for value, shape in shapes.items()}
        return {
            "oneOf": list(refs.values()),
            "discriminator": {
                "propertyName": field,
                "mapping": {value: ref["$ref"] for value, ref in refs.items()},
            },
        }

    def by_role(self, shapes: dict) -> dict:
        """A schema whose shape depends on the caller's role (a schema's `by_role`): any of the
        roles' shapes, each named in `x-by-role`."""
        refs = {role: self.resolve_nested_schema(shape) for role, shape in shapes.items()}
        return {
            "anyOf": list(refs.values()),
            "description": "One shape per role, the caller's: "
            + ", ".join(f"{role} → {ref['$ref'].rpartition('/')[2]}" for role, ref in refs.items()),
            "x-by-role": {role: ref["$ref"] for role, ref in refs.items()},
        }

    def field2nullable(self, field, ret) -> dict:
        """OpenAPI 3.0: `allOf: [{$ref}]` with `nullable: true`, which generators read as an
        optional value of the referenced type; apispec's `anyOf` with an untyped nullable object
        makes them pick the untyped branch."""
        version = self.openapi_version
        if field.allow_none and (version.major, version.minor) == (3, 0):
            if "$ref" in ret:
                return {"allOf": [{"$ref": ret.pop("$ref")}], "nullable": True}
            if "allOf" in ret:  # the reference beside a description of the field's own
                return {"allOf": ret.pop("allOf"), "nullable": True}
        return super().field2nullable(field, ret)


def always_present(schema) -> list[str]:
    """The names every dump of `schema` holds: all its fields for a ResponseSchema, otherwise
    the dump-only ones (read-only in the document: required there applies to answers only);
    none for a partial schema, which only reads changes."""
    if schema.partial:
        return []
    return [
        field.data_key or name
        for name, field in schema.dump_fields.items()
        if isinstance(schema, ResponseSchema) or field.dump_only
    ]


class DocumentPlugin(MarshmallowPlugin):
    Converter = DocumentConverter

    def header_helper(self, header: dict, **kwargs) -> dict:
        """A header carrying an object (flask-smorest's X-Pagination) as the JSON it is sent as:
        a bare object schema in a header means the `simple` style, `total,2,page,1`."""
        header = super().header_helper(header, **kwargs)
        if "$ref" in header.get("schema", {}):
            header["content"] = {"application/json": {"schema": header.pop("schema")}}
            header["description"] = "Pagination metadata, as JSON"
        return header
