#!/usr/bin/python3
"""Checks Presso's GATT contract and generates its human reference.

Usage (from anywhere; paths are relative to the repository):
  python3 scripts/gatt-schema.py check            schema + semantic checks of presso-boots.json
  python3 scripts/gatt-schema.py doc              writes gatt-schema/REFERENCE.md
  python3 scripts/gatt-schema.py doc --check      fails when REFERENCE.md is stale
  python3 scripts/gatt-schema.py vectors --json   prints the test vectors, normalised
--contract PATH checks another copy of the contract (its schema.json is looked up next to it,
falling back to the repository's).
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gattschema.checks import check_contract  # noqa: E402
from gattschema.codec import compact_hex  # noqa: E402
from gattschema.reference import render_reference  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CONTRACT = REPO / "gatt-schema" / "presso-boots.json"
REFERENCE = REPO / "gatt-schema" / "REFERENCE.md"
SCHEMA = REPO / "gatt-schema" / "schema.json"


def load_json(path):
    """Parsed JSON of a file, or exit 1 with a message naming the file."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        sys.exit(f"gatt-schema: cannot read {path}: {error}")


def schema_for(contract_path):
    """The schema.json next to the contract, else the repository's."""
    beside = Path(contract_path).parent / "schema.json"
    return load_json(beside if beside.exists() else SCHEMA)


def command_check(args):
    """Prints every problem; exit status 1 if there is any."""
    problems = check_contract(load_json(args.contract), schema_for(args.contract))
    for problem in problems:
        print(f"{args.contract}: {problem}", file=sys.stderr)
    if problems:
        print(f"gatt-schema check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"gatt-schema check: {args.contract} is valid")
    return 0


def command_doc(args):
    """Writes REFERENCE.md, or with --check compares it with what would be written."""
    text = render_reference(load_json(args.contract))
    target = Path(args.output)
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            print(f"gatt-schema doc --check: {target} is stale or missing; regenerate it with "
                  "`python3 scripts/gatt-schema.py doc` and commit it", file=sys.stderr)
            return 1
        print(f"gatt-schema doc --check: {target} is up to date")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"gatt-schema doc: wrote {target}")
    return 0


def normalised_vectors(contract):
    """Every test vector as a flat dict: where it is, hex bytes without spaces, value, context."""
    out = []
    for service in contract["services"]:
        for ch in service["characteristics"]:
            base = {"service": service["id"], "characteristic": ch["id"], "uuid": ch["uuid"]}
            for vector in ch.get("vectors", []):
                out.append({**base, "kind": "value", "bytes": compact_hex(vector["bytes"]),
                            "value": vector["value"]})
            for vector in ch.get("writeVectors", []):
                item = {**base, "kind": "write", "bytes": compact_hex(vector["bytes"]),
                        "result": vector["result"]}
                item["context"] = {k: vector[k] for k in ("cap", "installed", "state") if k in vector}
                if "value" in vector:
                    item["value"] = vector["value"]
                if "readBack" in vector:
                    item["readBack"] = {"bytes": compact_hex(vector["readBack"]["bytes"]),
                                        "value": vector["readBack"]["value"]}
                if "indication" in vector:
                    item["indication"] = compact_hex(vector["indication"])
                out.append(item)
            for descriptor in ch.get("descriptors", []):
                if "bytes" in descriptor or "example" in descriptor:
                    source = descriptor.get("example", descriptor)
                    out.append({**base, "kind": "descriptor", "descriptor": descriptor["uuid"],
                                "bytes": compact_hex(source["bytes"]),
                                "context": {k: v for k, v in source.items() if k != "bytes"}
                                if "example" in descriptor else {}})
    manufacturer = contract["advertisement"]["manufacturerData"]
    for vector in manufacturer["vectors"]:
        out.append({"kind": "manufacturerData", "companyId": manufacturer["companyId"],
                    "bytes": compact_hex(vector["bytes"]), "value": vector["value"]})
    return out


def command_vectors(args):
    """Prints the normalised vectors: JSON with --json, else one line each for a reader."""
    contract = load_json(args.contract)
    vectors = normalised_vectors(contract)
    if args.json:
        print(json.dumps({"version": contract["version"], "vectors": vectors}, indent=1))
        return 0
    for vector in vectors:
        where = vector.get("characteristic", "advertisement")
        shown = ("service", "characteristic", "uuid", "kind", "bytes")
        rest = {k: v for k, v in vector.items() if k not in shown}
        print(f"{where:<14} {vector['kind']:<16} {vector['bytes'] or '(empty)':<28} {json.dumps(rest)}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gatt-schema.py", description=__doc__.splitlines()[0])
    parser.add_argument("--contract", default=str(CONTRACT), help="contract to use (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="validate the contract").set_defaults(run=command_check)
    doc = commands.add_parser("doc", help="generate REFERENCE.md")
    doc.add_argument("--check", action="store_true", help="only check that REFERENCE.md is up to date")
    doc.add_argument("--output", default=str(REFERENCE), help="file to write (default: %(default)s)")
    doc.set_defaults(run=command_doc)
    vectors = commands.add_parser("vectors", help="print the test vectors")
    vectors.add_argument("--json", action="store_true", help="JSON output, for other tests")
    vectors.set_defaults(run=command_vectors)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
