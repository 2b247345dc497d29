"""The OPDS 2.0 feed against the published OPDS 2.0 JSON Schema and the Readium schemas it
refers to (copied into `opds2/` unchanged, with their sources in its README): loaded into one
registry by their `$id`, so nothing is fetched."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from ..errors import Problem

SCHEMAS = Path(__file__).with_name("opds2")
FEED = "https://drafts.opds.io/schema/feed.schema.json"


def python_patterns(node):
    """The schema as Python's `re` reads it: JSON Schema's `pattern` is an ECMA-262 regular
    expression, whose named groups `(?<name>` Python writes `(?P<name>`."""
    if isinstance(node, dict):
        return {k: re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", v) if k == "pattern" and
                isinstance(v, str) else python_patterns(v) for k, v in node.items()}
    if isinstance(node, list):
        return [python_patterns(v) for v in node]
    return node


@cache
def validator():
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource

    resources = []
    for path in sorted(SCHEMAS.rglob("*.schema.json")):
        schema = python_patterns(json.loads(path.read_text(encoding="utf-8")))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    return Draft7Validator(registry.contents(FEED), registry=registry,
                           format_checker=Draft7Validator.FORMAT_CHECKER)


def feed_problems(path: Path) -> list[Problem]:
    """Each way the feed breaks the schema, with where in the JSON it is."""
    feed = json.loads(Path(path).read_text(encoding="utf-8"))
    return [Problem(path, 0, 0, "C001", f"{'/'.join(map(str, e.absolute_path)) or 'feed'}: "
                    f"{e.message}")
            for e in sorted(validator().iter_errors(feed), key=lambda e: list(e.path))]
