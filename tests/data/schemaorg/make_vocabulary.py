"""Rebuild vocabulary.json from a schema.org release (run by hand, not by the tests).

    python tests/data/schemaorg/make_vocabulary.py schemaorg-current-https.jsonld

The input is ``data/releases/<version>/schemaorg-current-https.jsonld`` of the
schemaorg/schemaorg repository. The output keeps only what a structural check
needs: each type's parents, each property's domain and range, and each
enumeration member's types. Comments and labels are left out (the file shrinks
from 1.5 MB to a few hundred kB).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def ids(value) -> list[str]:
    """``{"@id": "schema:X"}`` or a list of them as ["X", ...] (schema: terms only)."""
    items = value if isinstance(value, list) else [value] if value else []
    return sorted(i["@id"].removeprefix("schema:") for i in items if i["@id"].startswith("schema:"))


def build(source: dict) -> dict:
    types: dict[str, list[str]] = {}
    properties: dict[str, dict[str, list[str]]] = {}
    members: dict[str, list[str]] = {}
    for node in source["@graph"]:
        name = node["@id"]
        if not name.startswith("schema:"):
            continue
        name = name.removeprefix("schema:")
        kinds = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
        if "rdfs:Class" in kinds:
            types[name] = ids(node.get("rdfs:subClassOf"))
            if "schema:DataType" in kinds:
                types[name] = sorted({*types[name], "DataType"})
        elif "rdf:Property" in kinds:
            properties[name] = {
                "domain": ids(node.get("schema:domainIncludes")),
                "range": ids(node.get("schema:rangeIncludes")),
            }
        else:  # an enumeration member: its @type is the enumeration
            members[name] = sorted(k.removeprefix("schema:") for k in kinds)
    return {"types": types, "properties": properties, "members": members}


if __name__ == "__main__":
    data = build(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
    out = Path(__file__).with_name("vocabulary.json")
    out.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    print(out, len(data["types"]), "types", len(data["properties"]), "properties")
