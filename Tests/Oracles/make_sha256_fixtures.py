"""Tests/Fixtures/sha256.json: SHA-256 digests from Python's hashlib, for the
hand-written CVaRAudit.SHA256 (the HTML report's input hash).

Messages: the FIPS 180-4 examples, every length 0..130 of a byte ramp (all
padding cases around the 55/56/64-byte boundaries), a million 'a', and the
embedded COMPAS file. Run: python3 Tests/Oracles/make_sha256_fixtures.py
"""
import hashlib
import os

from fixture_io import ROOT, dump, versions


def ramp(n):
    return bytes((7 * i + 3) % 256 for i in range(n))


def main():
    cases = [
        {"name": "empty", "text": "", "sha256": hashlib.sha256(b"").hexdigest()},
        {"name": "abc", "text": "abc", "sha256": hashlib.sha256(b"abc").hexdigest()},
        {"name": "fips-448-bit", "text": "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "sha256": hashlib.sha256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hexdigest()},
        {"name": "million-a", "repeat": "a", "count": 1_000_000,
         "sha256": hashlib.sha256(b"a" * 1_000_000).hexdigest()},
    ]
    ramps = [{"length": n, "sha256": hashlib.sha256(ramp(n)).hexdigest()} for n in range(131)]
    with open(os.path.join(ROOT, "Sources", "CVaRAudit", "Resources", "compas-two-years.csv"), "rb") as fh:
        compas = hashlib.sha256(fh.read()).hexdigest()
    dump("sha256.json", {
        "provenance": {
            "generator": "Tests/Oracles/make_sha256_fixtures.py",
            "packages": versions(),
            "calls": ["hashlib.sha256(message).hexdigest()",
                      "ramp(n) = bytes((7*i + 3) % 256 for i in range(n))"],
        },
        "cases": cases,
        "ramps": ramps,
        "compas": compas,
    })


if __name__ == "__main__":
    main()
