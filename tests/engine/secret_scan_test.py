"""The scanner of example_run_test finds a planted secret (so a clean scan means something)."""
import base64
import json
import os
import tempfile
import unittest

from secret_scan import scan

SECRET = "sk-planted-5e6f7a8b9c"


class ScanFindsPlanted(unittest.TestCase):
    def write(self, data):
        fd, path = tempfile.mkstemp()
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        self.addCleanup(os.remove, path)
        return path

    def test_clean(self):
        self.assertEqual(scan([self.write(b'{"ciphertext": "AAAA"}')], [SECRET]), [])

    def test_raw_json_and_base64(self):
        checkpoint = {"resources": [{"outputs": {"key": SECRET}}]}
        for data in (json.dumps(checkpoint).encode(), b"log line " + SECRET.encode() + b"\n",
                     json.dumps({"k": SECRET + '"'}).encode(),
                     b"x" + base64.b64encode(b"pre" + SECRET.encode() + b"post")):
            path = self.write(data)
            self.assertEqual(scan([path], ["other-secret-xx", SECRET]), [(path, 1)], data)


if __name__ == "__main__":
    unittest.main()
