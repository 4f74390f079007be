"""docs/configuration.md documents every environment variable the app reads, and nothing the
project no longer reads."""

import ast
import re
from pathlib import Path

from app.config import PROJECT_ROOT

CONFIGURATION = PROJECT_ROOT / "docs" / "configuration.md"
# What a deployment runs: the app, its workers and the web server's settings.
DEPLOYED = [
    *sorted((PROJECT_ROOT / "app").rglob("*.py")),
    *sorted((PROJECT_ROOT / "workers").rglob("*.py")),
    PROJECT_ROOT / "gunicorn.conf.py",
]
# Everything else that may read a documented variable: tests, benchmarks, CI, compose.
TOOLING = [
    *(
        path
        for folder in ("tests", "bench", ".ci")
        for path in (PROJECT_ROOT / folder).rglob("*.py")
    ),
    PROJECT_ROOT / "docker-compose.yml",
]
# app/config.py's helpers, each taking the variable's name first.
READ_HELPERS = {"env", "env_int", "env_bool", "getenv"}


def is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def is_name_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def read_call(node: ast.Call) -> bool:
    """env("X"), env_int("X", 3), os.getenv("X"), os.environ.get("X")."""
    function = node.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    environ_get = name == "get" and is_os_environ(function.value)
    return (
        (name in READ_HELPERS or environ_get) and bool(node.args) and is_name_literal(node.args[0])
    )


def variables_read(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and read_call(node):
            names.add(node.args[0].value)
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and is_os_environ(node.value)
            and is_name_literal(node.slice)
        ):
            names.add(node.slice.value)
    return names


def documented_variables() -> set[str]:
    """The names in the first cell of each table row of docs/configuration.md."""
    names = set()
    for line in CONFIGURATION.read_text().splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_every_variable_the_app_reads_is_documented():
    read = set().union(*(variables_read(path) for path in DEPLOYED))
    assert {"DATABASE_URL", "SMTP_HOST", "LOG_FORMAT", "WEB_CONCURRENCY"} <= read  # found at all

    assert sorted(read - documented_variables()) == []


def test_every_documented_variable_is_still_read_somewhere():
    text = "\n".join(path.read_text() for path in [*DEPLOYED, *TOOLING])

    unread = [name for name in documented_variables() if not re.search(rf"\b{name}\b", text)]

    assert unread == []
