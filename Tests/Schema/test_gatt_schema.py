"""Tests of scripts/gatt-schema.py and the GATT contract it checks.

Run: /usr/bin/python3 -m unittest discover -s Tests/Schema
(unittest only: pytest is not installed on a fresh Debian.)
"""

import copy
import json
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "gatt-schema.py"
CONTRACT = REPO / "gatt-schema" / "presso-boots.json"
SCHEMA = REPO / "gatt-schema" / "schema.json"

sys.path.insert(0, str(REPO / "scripts"))
from gattschema import codec  # noqa: E402
from gattschema.checks import check_contract  # noqa: E402


def run_script(*args):
    """Runs gatt-schema.py; returns (exit status, stdout + stderr)."""
    done = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=60, check=False)
    return done.returncode, done.stdout + done.stderr


def load_contract():
    return json.loads(CONTRACT.read_text(encoding="utf-8"))


def characteristic(contract, ident):
    """The boots service's characteristic with this id."""
    return next(ch for ch in contract["services"][0]["characteristics"] if ch["id"] == ident)


class ContractTests(unittest.TestCase):
    """The committed contract and reference."""

    def test_contract_passes_check(self):
        status, output = run_script("check")
        self.assertEqual(status, 0, output)
        self.assertIn("is valid", output)

    def test_reference_is_not_stale(self):
        status, output = run_script("doc", "--check")
        self.assertEqual(status, 0, output)

    def test_vectors_json_lists_every_vector_normalised(self):
        status, output = run_script("vectors", "--json")
        self.assertEqual(status, 0, output)
        vectors = json.loads(output)["vectors"]
        contract = load_contract()
        expected = sum(len(ch.get("vectors", [])) + len(ch.get("writeVectors", []))
                       for service in contract["services"] for ch in service["characteristics"])
        self.assertEqual(sum(v["kind"] in ("value", "write") for v in vectors), expected)
        self.assertTrue(all(" " not in v["bytes"] for v in vectors))
        live = [v for v in vectors if v.get("characteristic") == "liveState"]
        self.assertEqual(live[1]["bytes"], "02034100500002009a040100010300")


class CorruptedContractTests(unittest.TestCase):
    """A corrupted copy of the contract must fail `check` with the path of the corruption."""

    def setUp(self):
        self.directory = Path(tempfile.mkdtemp(prefix="gatt-schema-test-"))
        shutil.copy(SCHEMA, self.directory / "schema.json")
        self.contract = load_contract()

    def tearDown(self):
        shutil.rmtree(self.directory)

    def check_copy(self):
        path = self.directory / "presso-boots.json"
        path.write_text(json.dumps(self.contract, indent=1), encoding="utf-8")
        return run_script("--contract", str(path), "check")

    def assert_fails(self, *fragments):
        status, output = self.check_copy()
        self.assertEqual(status, 1, output)
        for fragment in fragments:
            self.assertIn(fragment, output)

    def test_unchanged_copy_passes(self):
        status, output = self.check_copy()
        self.assertEqual(status, 0, output)

    def test_mutated_vector_byte_fails(self):
        characteristic(self.contract, "timer")["vectors"][1]["bytes"] = "0807 5a00 af06 0300"
        self.assert_fails("$.services[0].characteristics[2].vectors[1]", "remaining")

    def test_mutated_write_vector_byte_fails(self):
        characteristic(self.contract, "pressure")["writeVectors"][0]["bytes"] = "7900"
        self.assert_fails("$.services[0].characteristics[0].writeVectors[0]", "decode to {'target': 121}")

    def test_value_of_21_bytes_fails(self):
        fields = characteristic(self.contract, "liveState")["value"]["fields"]
        fields += [{"name": f"extra{i}", "type": "uint16"} for i in range(3)]
        self.assert_fails("$.services[0].characteristics[3].value: value takes 21 bytes, more than 20")

    def test_write_vector_of_21_bytes_fails(self):
        characteristic(self.contract, "controlPoint")["writeVectors"][0]["bytes"] = "01" * 21
        self.assert_fails("$.services[0].characteristics[5].writeVectors[0].bytes: 21 bytes, more than 20")

    def test_undefined_error_code_fails(self):
        characteristic(self.contract, "pressure")["write"]["errors"].append("0x99")
        self.assert_fails("$.services[0].characteristics[0].write.errors[3]: error code 0x99 is not defined")

    def test_undefined_indication_reason_fails(self):
        characteristic(self.contract, "controlPoint")["writeVectors"][1]["indication"] = "80010488"
        self.assert_fails("writeVectors[1].indication: error code 0x88 is not defined")

    def test_field_without_type_fails_the_schema(self):
        del characteristic(self.contract, "program")["value"]["fields"][1]["type"]
        self.assert_fails("$.services[0].characteristics[4].value.fields[1]: 'type' is a required property")

    def test_unknown_bluez_flag_fails_the_schema(self):
        characteristic(self.contract, "program")["properties"].append("encrypt")
        self.assert_fails("$.services[0].characteristics[4].properties[2]")

    def test_duplicate_uuid_fails(self):
        characteristic(self.contract, "program")["uuid"] = characteristic(self.contract, "timer")["uuid"]
        self.assert_fails("is also used at $.services[0].characteristics[2].uuid")

    def test_ok_write_of_refused_length_fails(self):
        characteristic(self.contract, "timer")["writeVectors"][3]["result"] = "ok"
        self.assert_fails("result ok, but the write does not accept 1 bytes")

    def test_advertisement_with_appearance_does_not_fit(self):
        self.contract["advertisement"]["appearance"] = "0x0000"
        self.assert_fails("Appearance 4", "= 34 bytes, more than 31")

    def test_presentation_format_with_wrong_unit_fails(self):
        characteristic(self.contract, "pressure")["descriptors"][1]["bytes"] = "0600032701 0000"
        self.assert_fails("descriptors[1].bytes: unit byte(s) say 0x2703, expected 0x2781")


class CodecTests(unittest.TestCase):
    """The independent struct-based decoder."""

    FIELDS = [{"name": "a", "type": "uint8"}, {"name": "b", "type": "sint16"},
              {"name": "c", "type": "uint32"}]

    def test_decodes_little_endian(self):
        self.assertEqual(codec.decode(self.FIELDS, codec.parse_hex("07 feff 01020304")),
                         {"a": 7, "b": -2, "c": 0x04030201})

    def test_encode_round_trips(self):
        value = {"a": 255, "b": -32768, "c": 1}
        self.assertEqual(codec.decode(self.FIELDS, codec.encode(self.FIELDS, value)), value)

    def test_rejects_wrong_length_and_bad_values(self):
        with self.assertRaises(codec.CodecError):
            codec.decode(self.FIELDS, bytes(6))
        with self.assertRaises(codec.CodecError):
            codec.encode(self.FIELDS, {"a": 256, "b": 0, "c": 0})
        with self.assertRaises(codec.CodecError):
            codec.encode(self.FIELDS, {"a": 1, "b": 0})
        with self.assertRaises(codec.CodecError):
            codec.parse_hex("0g")

    def test_check_contract_in_process_agrees(self):
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        self.assertEqual(check_contract(load_contract(), schema), [])
        broken = copy.deepcopy(load_contract())
        broken["errors"].append({"code": "0x40", "name": "Odd", "meaning": "not an application code"})
        self.assertIn("$.errors[11]: application error 0x40 is outside 0x80-0x9F (BlueZ maps it to 0x0E)",
                      check_contract(broken, schema))


class StaleReferenceTests(unittest.TestCase):
    """`doc --check` notices an edited reference."""

    def test_edited_reference_is_reported_with_the_fix(self):
        with tempfile.TemporaryDirectory(prefix="gatt-schema-doc-") as directory:
            output = Path(directory) / "REFERENCE.md"
            status, text = run_script("doc", "--output", str(output))
            self.assertEqual(status, 0, text)
            self.assertEqual(output.read_text(encoding="utf-8"),
                             (REPO / "gatt-schema" / "REFERENCE.md").read_text(encoding="utf-8"))
            output.write_text(output.read_text(encoding="utf-8").replace("0x80", "0x90", 1), encoding="utf-8")
            status, text = run_script("doc", "--check", "--output", str(output))
            self.assertEqual(status, 1, text)
            self.assertIn("python3 scripts/gatt-schema.py doc", text)


if __name__ == "__main__":
    unittest.main()
