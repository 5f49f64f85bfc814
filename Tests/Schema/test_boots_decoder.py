"""Tests of Tests/Support/boots_decoder.py, the independent decoder both test tiers read
pressod's bytes through: it must give back every value vector of the contract, refuse bytes of
the wrong length, and report fields outside their ranges.

Run: /usr/bin/python3 -m unittest discover -s Tests/Schema
"""

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DECODER = REPO / "Tests" / "Support" / "boots_decoder.py"
sys.path.insert(0, str(DECODER.parent))
from boots_decoder import Contract  # noqa: E402


def vectors():
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "gatt-schema.py"), "vectors", "--json"],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)["vectors"]


class BootsDecoderTests(unittest.TestCase):
    def setUp(self):
        self.contract = Contract()

    def test_every_value_vector_decodes_to_its_documented_value(self):
        checked = 0
        for vector in vectors():
            data = bytes.fromhex(vector["bytes"])
            if vector["kind"] == "value":
                self.assertEqual(self.contract.decode(vector["characteristic"], data), vector["value"], vector)
                checked += 1
            elif vector["kind"] == "manufacturerData":
                self.assertEqual(self.contract.manufacturer_data(data)[0], vector["value"], vector)
                checked += 1
            elif vector.get("indication"):
                decoded, _ = self.contract.indication(bytes.fromhex(vector["indication"]))
                self.assertEqual(decoded["opcode"], data[0], vector)
                checked += 1
        self.assertGreater(checked, 20)

    def test_wrong_lengths_and_out_of_range_fields_are_reported(self):
        with self.assertRaises(ValueError):
            self.contract.decode("liveState", bytes(14))
        self.assertEqual(self.contract.problems("pressure", bytes.fromhex("2c01"), cap=200),
                         ["target=300 is above its maximum 200"])
        self.assertIn("phase=inflating activeChamber=3",
                      self.contract.describe("liveState", bytes.fromhex("02034100500002009a040100010300")))

    def test_the_filter_answers_in_order(self):
        requests = [{"characteristic": "pressure", "hex": "7800", "cap": 200},
                    {"indication": "80010487"}, {"characteristic": "timer", "hex": "08"}]
        with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
            json.dump(requests, file)
            file.flush()
            done = subprocess.run([sys.executable, str(DECODER), file.name], capture_output=True, text=True,
                                  timeout=60, check=True)
        answers = json.loads(done.stdout)
        self.assertEqual(answers[0]["value"], {"target": 120})
        self.assertEqual(answers[1]["text"], "response to Start: Operation Failed (0x87 InvalidState)")
        self.assertIn("error", answers[2])


if __name__ == "__main__":
    unittest.main()
