"""One encoding: the Python client passes core's golden vectors, read from core's own fixture file."""

import json
import os
import unittest
from pathlib import Path

from cairn.encoding import canonical_manifest, version_digest
from cairn.errors import CairnError

GOLDEN = Path(
    os.environ.get("CAIRN_GOLDEN_MANIFESTS")
    or Path(__file__).resolve().parents[3] / "packages" / "core" / "test" / "fixtures" / "golden-manifests.json"
)


class GoldenVectors(unittest.TestCase):
    def test_every_golden_manifest(self):
        golden = json.loads(GOLDEN.read_text("utf-8"))
        self.assertEqual(golden["encoding"], "cairn-manifest-v1")
        self.assertGreaterEqual(len(golden["cases"]), 5)
        for case in golden["cases"]:
            with self.subTest(case["name"]):
                self.assertEqual(canonical_manifest(case["entries"]), case["document"])
                self.assertEqual(version_digest(case["entries"]), case["digest"])
                # Input order never matters.
                self.assertEqual(version_digest(list(reversed(case["entries"]))), case["digest"])

    def test_refuses_what_has_no_canonical_spelling(self):
        entry = {"path": "a", "digest": "d", "size": 1}
        for bad, code in [
            ([entry, dict(entry)], "DUPLICATE_PATH"),
            ([{**entry, "size": 1.5}], "INVALID_MANIFEST"),
            ([{**entry, "extra": {"x": 0.5}}], "INVALID_MANIFEST"),
            ([{**entry, "path": "\ud800"}], "INVALID_MANIFEST"),
            ([{**entry, "size": -1}], "INVALID_MANIFEST"),
        ]:
            with self.assertRaises(CairnError) as raised:
                version_digest(bad)
            self.assertEqual(raised.exception.code, code)


if __name__ == "__main__":
    unittest.main()
