"""Checks of the GATT contract: its shape (JSON Schema) and its meaning (vectors, sizes, references).

Every problem is reported as "$.json.path: message" so it can be found in presso-boots.json.
"""

import struct

import jsonschema

from . import bluez
from .codec import (CodecError, code_value, decode, encode, parse_hex, parse_lengths,
                    range_problems, size_of)

CONTEXT_KEYS = ("cap", "installed", "state")
RANGE_ERRORS = {"OutOfRange", "AboveCap"}  # errors that mean "a field is outside its range"
LENGTH_ERROR = 0x0D
RESULTS_WITH_REASON = {0x03, 0x04}  # control point results followed by a reason byte
FORMAT_CODES = {"uint8": 0x04, "sint8": 0x0C, "uint16": 0x06, "sint16": 0x0E,
                "uint32": 0x08, "sint32": 0x10, "struct": 0x1B}
UNIT_CODES = {None: 0x2700, "s": 0x2703, "min": 0x2760, "mmHg": 0x2781, "%": 0x27AD}


def json_path(parts):
    """"$.a[0].b" for the path parts ["a", 0, "b"]."""
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def schema_problems(contract, schema):
    """JSON Schema (draft 2020-12) violations, one message each, in document order."""
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    def order(error):
        return [(isinstance(part, str), part) for part in error.absolute_path]

    for error in sorted(validator.iter_errors(contract), key=order):
        detail = error.message
        if error.context:
            best = jsonschema.exceptions.best_match(error.context)
            where = json_path(list(error.absolute_path) + list(best.relative_path))
            detail = f"{best.message} (at {where})"
        problems.append(f"{json_path(error.absolute_path)}: {detail}")
    return problems


class Checker:
    """Semantic checks; `problems` collects the messages."""

    def __init__(self, contract):
        self.contract = contract
        self.problems = []
        self.errors = {code_value(e["code"]): e for e in contract["errors"]}

    def report(self, path, message):
        self.problems.append(f"{json_path(path)}: {message}")

    def run(self):
        """Runs every check and returns the problems."""
        self.check_error_table()
        self.check_unique_uuids()
        for s, service in enumerate(self.contract["services"]):
            for c, characteristic in enumerate(service["characteristics"]):
                self.check_characteristic(["services", s, "characteristics", c], characteristic)
        self.check_advertisement(["advertisement"], self.contract["advertisement"])
        return self.problems

    # -- tables and references -------------------------------------------------------------

    def check_error_table(self):
        seen_codes, seen_names = set(), set()
        for i, error in enumerate(self.contract["errors"]):
            code, path = code_value(error["code"]), ["errors", i]
            if code in seen_codes or error["name"] in seen_names:
                self.report(path, f"error {error['code']} / {error['name']} is defined twice")
            seen_codes.add(code)
            seen_names.add(error["name"])
            if error.get("att") and bluez.server_side(code) is None:
                self.report(path, f"ATT error {error['code']} cannot be produced through BlueZ")
            if not error.get("att") and code not in bluez.APPLICATION_CODES:
                self.report(path, f"application error {error['code']} is outside 0x80-0x9F "
                                  "(BlueZ maps it to 0x0E)")

    def check_defined(self, path, code_text):
        if code_value(code_text) not in self.errors:
            self.report(path, f"error code {code_text} is not defined in $.errors")
            return False
        return True

    def check_unique_uuids(self):
        seen = {}
        for s, service in enumerate(self.contract["services"]):
            entries = [(["services", s], service)]
            entries += [(["services", s, "characteristics", c], ch)
                        for c, ch in enumerate(service["characteristics"])]
            for path, item in entries:
                uuid = item["uuid"]
                if uuid in seen:
                    self.report(path + ["uuid"], f"UUID {uuid} is also used at {json_path(seen[uuid])}")
                seen.setdefault(uuid, path + ["uuid"])
            ids = [ch["id"] for ch in service["characteristics"]]
            for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
                self.report(["services", s], f"characteristic id {duplicate!r} is used twice")

    # -- characteristics ---------------------------------------------------------------------

    def check_characteristic(self, path, ch):
        flags = set(ch["properties"])
        writable = bool(flags & {"write", "write-without-response"})
        value_fields = ch.get("value", {}).get("fields")
        if ch.get("secureWrite") and not writable:
            self.report(path + ["secureWrite"], "secureWrite on a characteristic that is not writable")
        if writable != ("write" in ch):
            self.report(path, "a writable characteristic needs a 'write' section, and only it")
        if flags & {"read", "notify"} and "value" not in ch:
            self.report(path, "readable or notifying, but no 'value' layout")
        if value_fields and size_of(value_fields) > bluez.MAX_VALUE_BYTES:
            self.report(path + ["value"], f"value takes {size_of(value_fields)} bytes, more than "
                                          f"{bluez.MAX_VALUE_BYTES}")
        for v, vector in enumerate(ch.get("vectors", [])):
            if value_fields is None:
                self.report(path + ["vectors", v], "vectors without a 'value.fields' layout")
                continue
            self.check_vector(path + ["vectors", v], value_fields, vector, {})
        if "write" in ch:
            self.check_write(path + ["write"], ch)
        for w, vector in enumerate(ch.get("writeVectors", [])):
            self.check_write_vector(path + ["writeVectors", w], ch, vector)
        self.check_descriptors(path + ["descriptors"], ch)
        if "opcodes" in ch:
            self.check_opcodes(path, ch)

    def check_vector(self, path, fields, vector, context):
        """Bytes decode to exactly the value, the value encodes to exactly the bytes, in range."""
        data = parse_hex(vector["bytes"])
        if len(data) > bluez.MAX_VALUE_BYTES:
            self.report(path + ["bytes"], f"{len(data)} bytes, more than {bluez.MAX_VALUE_BYTES}")
        try:
            decoded = decode(fields, data)
        except CodecError as error:
            self.report(path + ["bytes"], f"does not decode: {error}")
            return
        if decoded != vector["value"]:
            wrong = set(decoded) ^ set(vector["value"])
            wrong |= {k for k, v in decoded.items() if vector["value"].get(k, v) != v}
            self.report(path, f"bytes {vector['bytes']!r} decode to {decoded}, not the value "
                              f"{vector['value']} (differs in {sorted(wrong)})")
            return
        try:
            if encode(fields, vector["value"]) != data:
                self.report(path, "value does not encode back to the bytes")
        except CodecError as error:
            self.report(path + ["value"], str(error))
        for message in range_problems(fields, decoded, context):
            self.report(path + ["value"], message)

    def write_fields(self, ch, length):
        """The field list a write of this length is decoded with, or None."""
        for form in ch["write"].get("forms", []):
            if form["length"] == length:
                return form["fields"]
        fields = ch.get("value", {}).get("fields")
        if "forms" not in ch["write"] and "opcodes" not in ch and fields and size_of(fields) == length:
            return fields
        return None

    def check_write(self, path, ch):
        write = ch["write"]
        lengths = parse_lengths(write["lengths"])
        if not lengths or max(lengths) > bluez.MAX_VALUE_BYTES:
            self.report(path + ["lengths"], f"accepted lengths must be 0-{bluez.MAX_VALUE_BYTES}")
        for e, code in enumerate(write["errors"]):
            self.check_defined(path + ["errors", e], code)
        forms = write.get("forms", [])
        for f, form in enumerate(forms):
            if size_of(form["fields"]) != form["length"]:
                self.report(path + ["forms", f], f"fields take {size_of(form['fields'])} bytes, "
                                                 f"not the form's length {form['length']}")
        if forms and sorted(f["length"] for f in forms) != sorted(lengths):
            self.report(path + ["forms"], "the forms' lengths are not exactly the accepted lengths")
        if not forms and "opcodes" not in ch:
            for length in sorted(lengths):
                if self.write_fields(ch, length) is None:
                    self.report(path + ["lengths"], f"no layout for a write of {length} bytes")

    def check_write_vector(self, path, ch, vector):
        if "write" not in ch:
            self.report(path, "write vector on a characteristic without a 'write' section")
            return
        context = {k: vector[k] for k in CONTEXT_KEYS if k in vector}
        data = parse_hex(vector["bytes"])
        accepted = len(data) in parse_lengths(ch["write"]["lengths"])
        if len(data) > bluez.MAX_VALUE_BYTES:
            self.report(path + ["bytes"], f"{len(data)} bytes, more than {bluez.MAX_VALUE_BYTES}")
        if vector["result"] == "ok":
            if not accepted:
                self.report(path, f"result ok, but the write does not accept {len(data)} bytes")
            fields = self.write_fields(ch, len(data))
            if "value" in vector:
                if fields is None:
                    self.report(path + ["value"], f"no write layout for {len(data)} bytes to decode with")
                else:
                    self.check_vector(path, fields, vector, context)
            if "readBack" in vector:
                self.check_vector(path + ["readBack"], ch["value"]["fields"], vector["readBack"], context)
            if "opcodes" in ch:
                self.check_indication(path, ch, data, vector, context)
            return
        self.check_rejected_write(path, ch, data, vector, context, accepted)

    def check_rejected_write(self, path, ch, data, vector, context, accepted):
        result = vector["result"]
        for key in ("value", "readBack", "indication"):
            if key in vector:
                self.report(path + [key], f"a rejected write ({result}) has no {key}")
        if not self.check_defined(path + ["result"], result):
            return
        if result not in ch["write"]["errors"]:
            self.report(path + ["result"], f"{result} is not among this write's errors "
                                           f"{ch['write']['errors']}")
        code = code_value(result)
        if (code == LENGTH_ERROR) == accepted:
            self.report(path, f"result {result} for a {len(data)}-byte write, which the lengths "
                              f"{ch['write']['lengths']} {'accept' if accepted else 'refuse'}")
        fields = self.write_fields(ch, len(data))
        if self.errors[code]["name"] in RANGE_ERRORS and fields is not None:
            decoded = decode(fields, data)
            if not range_problems(fields, decoded, context):
                self.report(path, f"result {result} ({self.errors[code]['name']}), but {decoded} "
                                  "is within every field's range")

    # -- control point -----------------------------------------------------------------------

    def check_opcodes(self, path, ch):
        results = [code_value(r["code"]) for r in ch["results"]]
        if 0x01 not in results or len(set(results)) != len(results):
            self.report(path + ["results"], "results must be unique and include 0x01 (Success)")
        codes = [code_value(o["code"]) for o in ch["opcodes"]]
        if len(set(codes)) != len(codes) or 0x80 in codes:
            self.report(path + ["opcodes"], "opcodes must be unique and not 0x80 (response code)")
        for o, opcode in enumerate(ch["opcodes"]):
            size = 1 + (size_of(opcode["params"]) if opcode["params"] else 0)
            if size > bluez.MAX_VALUE_BYTES:
                self.report(path + ["opcodes", o], f"opcode and parameters take {size} bytes")

    def check_indication(self, path, ch, written, vector, context):
        """The indication answering a control point write follows the contract's rules."""
        if "indication" not in vector:
            self.report(path, "an accepted control point write must list its indication")
            return
        indication, ipath = parse_hex(vector["indication"]), path + ["indication"]
        if len(indication) < 3 or indication[0] != 0x80 or indication[1] != written[0]:
            self.report(ipath, f"must start 80 {written[0]:02x} (response code, request opcode)")
            return
        result = indication[2]
        results = {code_value(r["code"]) for r in ch["results"]}
        if result not in results:
            self.report(ipath, f"result 0x{result:02X} is not in the results table")
        want = 4 if result in RESULTS_WITH_REASON else 3
        if len(indication) != want:
            self.report(ipath, f"result 0x{result:02X} takes {want} bytes, not {len(indication)}")
        elif want == 4:
            self.check_defined(ipath, f"0x{indication[3]:02X}")
        opcodes = {code_value(o["code"]): o for o in ch["opcodes"]}
        if written[0] not in opcodes:
            if result != 0x02:
                self.report(ipath, f"opcode 0x{written[0]:02X} is not defined: the result must be 0x02")
            return
        params = opcodes[written[0]]["params"]
        expected = 1 + (size_of(params) if params else 0)
        if len(written) != expected:
            if indication[2:] != bytes([0x03, LENGTH_ERROR]):
                self.report(ipath, f"{len(written)} bytes for an opcode that takes {expected}: "
                                   "the answer must be result 0x03 with reason 0x0D")
        elif result == 0x01 and params:
            decoded = decode(params, written[1:])
            for message in range_problems(params, decoded, context):
                self.report(path + ["bytes"], f"success, but {message}")

    # -- descriptors -------------------------------------------------------------------------

    def check_descriptors(self, path, ch):
        uuids = [d["uuid"] for d in ch.get("descriptors", [])]
        if len(set(uuids)) != len(uuids):
            self.report(path, "a descriptor UUID appears twice")
        fields = ch.get("value", {}).get("fields")
        for d, descriptor in enumerate(ch.get("descriptors", [])):
            dpath = path + [d]
            if descriptor["uuid"] == "2901":
                size = len(descriptor["utf8"].encode("utf-8"))
                if size > bluez.MAX_VALUE_BYTES:
                    self.report(dpath + ["utf8"], f"{size} bytes of UTF-8, more than {bluez.MAX_VALUE_BYTES}")
            elif descriptor["uuid"] == "2904":
                self.check_presentation_format(dpath, descriptor, fields)
            elif descriptor["uuid"] == "2906":
                self.check_valid_range(dpath, descriptor, fields)

    def check_presentation_format(self, path, descriptor, fields):
        data = parse_hex(descriptor["bytes"])
        if len(data) != 7:
            self.report(path + ["bytes"], f"{len(data)} bytes; the Presentation Format has 7")
            return
        fmt, exponent, unit, namespace, description = struct.unpack("<BbHBH", data)
        declared = {"format": FORMAT_CODES[descriptor["format"]], "exponent": descriptor["exponent"],
                    "unit": code_value(descriptor["unit"]), "namespace": 0x01, "description": 0x0000}
        actual = {"format": fmt, "exponent": exponent, "unit": unit, "namespace": namespace,
                  "description": description}
        for key in declared:
            if declared[key] != actual[key]:
                self.report(path + ["bytes"], f"{key} byte(s) say {actual[key]:#x}, "
                                              f"expected {declared[key]:#x}")
        if not fields:
            return
        if len(fields) == 1:
            want = (fields[0]["type"], UNIT_CODES.get(fields[0].get("unit")))
        else:
            want = ("struct", code_value(descriptor["unit"]))
        if (descriptor["format"], code_value(descriptor["unit"])) != want:
            self.report(path, f"format/unit {descriptor['format']}/{descriptor['unit']} do not match "
                              f"the value's {want[0]}/0x{want[1]:04X}")

    def check_valid_range(self, path, descriptor, fields):
        example = descriptor["example"]
        context = {k: v for k, v in example.items() if k != "bytes"}
        values = {f["name"]: context.get(f["value"], None) if isinstance(f["value"], str)
                  else f["value"] for f in descriptor["fields"] if "value" in f}
        if len(values) != len(descriptor["fields"]) or None in values.values():
            self.report(path + ["example"], "every field needs a value the example can resolve")
            return
        self.check_vector(path + ["example"], descriptor["fields"],
                          {"bytes": example["bytes"], "value": values}, {})
        if fields and len(fields) == 1 and [f["name"] for f in descriptor["fields"]] == ["min", "max"]:
            limits = [fields[0].get("min"), fields[0].get("max")]
            if [f["value"] for f in descriptor["fields"]] != limits or \
                    any(f["type"] != fields[0]["type"] for f in descriptor["fields"]):
                self.report(path, f"range does not match the value field's type/min/max {limits}")

    # -- advertisement -----------------------------------------------------------------------

    def check_advertisement(self, path, advertisement):
        services = {service["uuid"] for service in self.contract["services"]}
        for u, uuid in enumerate(advertisement["serviceUUIDs"]):
            if uuid not in services:
                self.report(path + ["serviceUUIDs", u], f"{uuid} is not a service of the contract")
        manufacturer = advertisement["manufacturerData"]
        payload = size_of(manufacturer["fields"])
        for v, vector in enumerate(manufacturer["vectors"]):
            self.check_vector(path + ["manufacturerData", "vectors", v], manufacturer["fields"], vector, {})
        parts = bluez.advertising_size(advertisement, [len(u.replace("-", "")) // 2
                                                       for u in advertisement["serviceUUIDs"]], payload)
        total = sum(size for _, size in parts)
        if total > bluez.MAX_LEGACY_ADVERTISING:
            breakdown = " + ".join(f"{what} {size}" for what, size in parts)
            self.report(path, f"advertising data takes {breakdown} = {total} bytes, more than "
                              f"{bluez.MAX_LEGACY_ADVERTISING} (legacy advertising)")


def check_contract(contract, schema):
    """All problems: schema violations first; semantic checks only on a contract of valid shape."""
    problems = schema_problems(contract, schema)
    if problems:
        return problems + ["(semantic checks skipped until the contract matches schema.json)"]
    return Checker(contract).run()
