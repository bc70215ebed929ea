"""gen.py --check (the sdk_generated_is_current test) really fails on a stale SDK: an edited
file, a missing one, and a stray one are each reported."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

GEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sdk", "gen", "gen.py")


def gen(*args):
    return subprocess.run([sys.executable, GEN, *args], capture_output=True, text=True, timeout=60)


class CheckDetectsDrift(unittest.TestCase):
    def setUp(self):
        self.out = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.out)
        self.assertEqual(gen("--out", self.out).returncode, 0)
        self.assertEqual(gen("--check", "--out", self.out).returncode, 0)

    def test_edited(self):
        with open(os.path.join(self.out, "python", "pulumi_esc", "environment.py"), "a") as fh:
            fh.write("# hand edit\n")
        r = gen("--check", "--out", self.out)
        self.assertEqual(r.returncode, 1)
        self.assertIn("differs: python/pulumi_esc/environment.py", r.stderr)

    def test_missing_and_stray(self):
        os.remove(os.path.join(self.out, "nodejs", "environment.ts"))
        with open(os.path.join(self.out, "nodejs", "stale.ts"), "w") as fh:
            fh.write("export {};\n")
        r = gen("--check", "--out", self.out)
        self.assertEqual(r.returncode, 1)
        self.assertIn("missing: nodejs/environment.ts", r.stderr)
        self.assertIn("not generated: nodejs/stale.ts", r.stderr)


if __name__ == "__main__":
    unittest.main()
