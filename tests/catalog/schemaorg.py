"""schema.org JSON-LD checked against the vocabulary, offline.

What schema.org's validator checks, on the skeleton of a release
(tests/data/schemaorg/): each ``@type`` exists, each property is one of the
type's (its ``domainIncludes`` names the type or an ancestor), each nested
object's type is in the property's ``rangeIncludes`` (or below one), each
enumeration value (``https://schema.org/InStock``) belongs to an enumeration
in the range, and literals fit the range (a number where numbers are allowed,
text where text or an entity is). It does not check Google's extra rules;
the tests do.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

VOCABULARY = Path(__file__).parent.parent / "data" / "schemaorg" / "vocabulary.json"
SCHEMA = "https://schema.org/"
NUMBERS = {"Number", "Integer", "Float"}


@cache
def vocabulary() -> dict[str, Any]:
    return json.loads(VOCABULARY.read_text(encoding="utf-8"))


@cache
def ancestors(name: str) -> frozenset[str]:
    """The type and every type above it."""
    types = vocabulary()["types"]
    seen, todo = {name}, [name]
    while todo:
        for parent in types.get(todo.pop(), []):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return frozenset(seen)


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("@type", [])
    return [value] if isinstance(value, str) else list(value)


def check(node: Any, path: str = "$") -> list[str]:
    """Every problem found in a JSON-LD node and the nodes inside it."""
    if not isinstance(node, dict):
        return [f"{path}: not an object"]
    vocab = vocabulary()
    errors: list[str] = []
    types = _types(node)
    if not types and set(node) - {"@id"}:
        errors.append(f"{path}: no @type")
    for name in types:
        if name not in vocab["types"]:
            errors.append(f"{path}: unknown type {name}")
    own = frozenset().union(*(ancestors(t) for t in types)) if types else frozenset()
    for key, value in node.items():
        if key.startswith("@"):
            continue
        where = f"{path}.{key}"
        prop = vocab["properties"].get(key)
        if prop is None:
            errors.append(f"{where}: unknown property")
            continue
        if types and not own & set(prop["domain"]):
            errors.append(f"{where}: not a property of {'/'.join(types)}")
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            errors += _check_value(item, set(prop["range"]), f"{where}[{i}]")
    return errors


def _check_value(value: Any, ranges: set[str], path: str) -> list[str]:
    if isinstance(value, dict):
        inner = _types(value)
        if inner and not any(ancestors(t) & ranges for t in inner):
            return [f"{path}: a {'/'.join(inner)} where {sorted(ranges)} is expected"]
        return check(value, path)
    if isinstance(value, bool):
        return [] if "Boolean" in ranges else [f"{path}: a boolean where {sorted(ranges)}"]
    if isinstance(value, int | float):
        ok = ranges & (NUMBERS | {"Text"})
        return [] if ok else [f"{path}: a number where {sorted(ranges)} is expected"]
    if isinstance(value, str):
        member = value.removeprefix(SCHEMA) if value.startswith(SCHEMA) else None
        if member in vocabulary()["members"]:
            kinds = vocabulary()["members"][member]
            if not any(ancestors(k) & ranges for k in kinds):
                return [f"{path}: {member} is not a value of {sorted(ranges)}"]
            return []
        # Text, a URL or a date; schema.org also takes text for an entity.
        if ranges <= NUMBERS | {"Boolean"}:
            return [f"{path}: text where {sorted(ranges)} is expected"]
        return []
    return [f"{path}: unexpected {type(value).__name__}"]
