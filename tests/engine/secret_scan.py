"""Finds plaintext secrets in files: raw, JSON-escaped and base64-encoded forms.

Reports (file, index of the secret) pairs, never the secret itself, so a failing scan does not
leak what it found."""
import base64
import json


def forms(secret):
    b = secret.encode()
    out = {b, json.dumps(secret)[1:-1].encode()}
    for shift in range(3):  # base64 of the secret at any alignment inside a longer blob
        enc = base64.b64encode(b"\0" * shift + b)[4 if shift else 0:-4]
        if len(enc) >= 8:
            out.add(enc)
    return out


def scan(paths, secrets):
    hits = []
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        for i, s in enumerate(secrets):
            if any(f in data for f in forms(s)):
                hits.append((path, i))
    return hits
