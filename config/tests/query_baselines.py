"""Query-count baselines for the API's list and report routes.

Which routes count: every named GET route under `/api/v1/` whose documented 200 response (the
published OpenAPI schema, built by drf-spectacular) holds a collection of objects: a page (its
`results`), a JSON array, or an object with an array-of-objects field (a report's rows, such as a
leaderboard's `members`, or a detail's nested collection, such as a session's `laps`). The rule
reads the resolver and the schema, so a route added later is found without touching this module.
Routes left out of the schema (aliases of a documented view, file downloads, the docs pages) are
not list routes: an alias costs what the view it aliases costs.

Each app keeps its baselines in `<app>/tests/query_counts.json`, keyed by URL name and then by
the number of objects the route returned, e.g. `{"tracking:time-entry-list": {"2": 3, "20": 3}}`.
A count that differs between the database backends is written per vendor instead:
`{"2": {"postgresql": 4, "sqlite": 3}, ...}`. `UPDATE_QUERY_BASELINES=1` rewrites the files from
what the run measured.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

API_PREFIX = "api/v1/"
BASELINE_FILE = Path("tests") / "query_counts.json"
UPDATE_ENV = "UPDATE_QUERY_BASELINES"
VENDORS = ("postgresql", "sqlite")  # the backends the suite runs on


@dataclass(frozen=True)
class ListRoute:
    name: str  # "tracking:time-entry-list"
    path: str  # "/api/v1/sessions/{id}/participants/": `str.format` fills the parameters
    collection: str  # the response field that holds the collection; "" for a bare array
    app_label: str

    @property
    def baseline_file(self) -> Path:
        return Path(apps.get_app_config(self.app_label).path) / BASELINE_FILE

    @property
    def baseline_name(self) -> str:
        """The baseline file's path in the repository, for messages."""
        return str(self.baseline_file.relative_to(settings.BASE_DIR))

    def __str__(self) -> str:
        return self.name


def _named_patterns(patterns, prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[tuple[str, object]]:
    for pattern in patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _named_patterns(pattern.url_patterns, text, inner)
        elif isinstance(pattern, URLPattern) and pattern.name and text.startswith(API_PREFIX):
            yield ":".join((*namespaces, pattern.name)), pattern.callback


def _resolve(schema: dict, node: dict) -> dict:
    components = schema["components"]["schemas"]
    while True:
        if "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        elif len(node.get("allOf", ())) == 1:
            node = node["allOf"][0]
        else:
            return node


def _is_object_array(schema: dict, node: dict) -> bool:
    node = _resolve(schema, node)
    return node.get("type") == "array" and _resolve(schema, node.get("items", {})).get("type") == "object"


def collection_field(schema: dict, operation: dict) -> str | None:
    """Where a GET operation's 200 response holds its collection: "results" for a page, another
    field for a report or a nested collection, "" for a bare array; None when it holds none."""
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    if body is None:
        return None
    if _is_object_array(schema, body):
        return ""
    properties = _resolve(schema, body).get("properties", {})
    fields = [name for name, node in properties.items() if _is_object_array(schema, node)]
    if "results" in fields:
        return "results"
    return fields[0] if fields else None


def _app_label(name: str, callback) -> str:
    namespace = name.split(":", 1)[0] if ":" in name else ""
    if namespace and apps.is_installed(namespace):
        return apps.get_app_config(namespace).label
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
    return apps.get_containing_app_config(view.__module__).label


@cache
def list_routes() -> tuple[ListRoute, ...]:
    """Every list and report route of the API, by URL name (see the module's docstring)."""
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    paths_by_callback = {callback: path for path, _regex, method, callback in generator.endpoints if method == "GET"}
    found = []
    for name, callback in _named_patterns(get_resolver().url_patterns):
        operation = schema["paths"].get(paths_by_callback.get(callback), {}).get("get")
        field = collection_field(schema, operation) if operation else None
        if field is not None:
            found.append(ListRoute(name, paths_by_callback[callback], field, _app_label(name, callback)))
    return tuple(sorted(found, key=lambda route: route.name))


def baseline_files() -> list[Path]:
    """The baseline files of the project's own apps that exist."""
    root = Path(settings.BASE_DIR)
    own = [Path(config.path) for config in apps.get_app_configs() if Path(config.path).is_relative_to(root)]
    return sorted(path / BASELINE_FILE for path in own if (path / BASELINE_FILE).exists())


def read_baselines(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def write_baselines(path: Path, baselines: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baselines, indent=2, sort_keys=True) + "\n")


def updating() -> bool:
    return os.environ.get(UPDATE_ENV) == "1"


def expected_count(entry, vendor: str) -> int | None:
    """The baseline's number for one size: the same on every backend, or one per vendor."""
    if isinstance(entry, dict):
        return entry.get(vendor)
    return entry


def record_counts(route: ListRoute, counts: dict[int, int], vendor: str) -> None:
    """Write what this run measured into the route's baseline, for this backend. A number that
    every backend shares stays one number; one that differs becomes one per vendor (so update on
    each backend: a number the other backend last wrote is kept as theirs)."""
    baselines = read_baselines(route.baseline_file)
    entry = baselines.get(route.name, {})
    updated = {}
    for size, count in counts.items():
        old = entry.get(str(size), count)
        by_vendor = {**(old if isinstance(old, dict) else dict.fromkeys(VENDORS, old)), vendor: count}
        values = set(by_vendor.values())
        updated[str(size)] = values.pop() if len(values) == 1 else dict(sorted(by_vendor.items()))
    baselines[route.name] = updated
    write_baselines(route.baseline_file, baselines)
