"""The committed sample tenant is what make_sample.py builds from the vendored
Graph payloads (tests/vectors/graph), byte for byte: the payloads in the
repository are the ones the sample comes from, and nobody edited sample/ by hand.

    python3 -m unittest discover -s tests/graph-emulator -p 'test_sample.py'
"""

import filecmp
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def tree(top):
    """Every file under @top, relative to it."""
    out = set()
    for root, _, files in os.walk(top):
        out.update(os.path.relpath(os.path.join(root, f), top) for f in files)
    return out


class SampleIsRebuiltFromVendoredPayloads(unittest.TestCase):
    def test_make_sample_rebuilds_the_committed_sample(self):
        with tempfile.TemporaryDirectory(prefix="dw-sample-") as out:
            subprocess.run([sys.executable, os.path.join(HERE, "make_sample.py"), "--out", out],
                           check=True, stdout=subprocess.DEVNULL)
            committed = os.path.join(HERE, "sample")
            self.assertEqual(tree(out), tree(committed))
            differ = [f for f in sorted(tree(out))
                      if not filecmp.cmp(os.path.join(out, f), os.path.join(committed, f),
                                         shallow=False)]
            self.assertEqual(differ, [], "sample/ differs from what make_sample.py builds")


if __name__ == "__main__":
    unittest.main()
