#!/usr/bin/env python3
"""Writes the hand-made hostile inputs of Tests/MHAFormatsTests/Fixtures/fuzz-regressions/.

A file whose name starts with `reject-` must be refused with a FormatError by the reader of its
folder; any other file may be read or refused, but never crash (FuzzRegressionTests replays all).
Inputs found by the fuzzer are copied there by hand under their libFuzzer names.
Run from the package root: python3 Fuzz/make_regression_seeds.py
"""
import os
import struct

ROOT = "Tests/MHAFormatsTests/Fixtures/fuzz-regressions"


def write(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data)


def npy(header, payload=b"", version=(1, 0), length=None):
    """An NPY file with the given header dict text, padded as numpy pads it."""
    text = header.encode("latin-1")
    prefix = 10 if version[0] == 1 else 12
    pad = (64 - (prefix + len(text) + 1) % 64) % 64
    text = text + b" " * pad + b"\n"
    size = len(text) if length is None else length
    size_field = struct.pack("<H", size) if version[0] == 1 else struct.pack("<I", size)
    return b"\x93NUMPY" + bytes(version) + size_field + text + payload


# CSV
write("csv", "reject-empty", b"")
write("csv", "reject-unterminated-quote", '1,2\n"3,4\n5,6\n')
write("csv", "reject-ragged", "1,2,3\n4,5\n")
write("csv", "reject-overflow", "1,1e400\n")
write("csv", "reject-long-overflow", "1" + "0" * 400 + "\n")
write("csv", "reject-nan", "nan,1\n")
write("csv", "reject-binary", bytes(range(256)) * 4)
write("csv", "reject-invalid-utf8", b"1,\xff\xfe,2\n")
write("csv", "reject-nul", b"1,2\x00,3\n")
write("csv", "reject-only-header", "a,b,c\n")
write("csv", "accept-negative-zero-subnormal", "-0,4.9e-324\n2.2250738585072014e-308,1\n")
write("csv", "accept-bom-crlf-comments", b"\xef\xbb\xbf# comment\r\n1,2\r\n\r\n3,4\r\n")
write("csv", "lone-carriage-returns", "1,2\r3,4\r")
write("csv", "many-quotes", '"' * 5000)
write("csv", "many-commas", "," * 5000 + "\n")

# JSON matrices
write("json", "reject-empty", b"")
write("json", "reject-deep-nesting", "[" * 100000 + "]" * 100000)
write("json", "reject-deep-unclosed", "[" * 100000)
write("json", "reject-ragged", "[[1,2],[3]]")
write("json", "reject-overflow", "[[1e400]]")
write("json", "reject-trailing-comma", "[[1,2],]")
write("json", "reject-trailing-garbage", "[[1,2]]]")
write("json", "reject-lone-surrogate", '[["\\ud800"]]')
write("json", "reject-three-d", "[[[1]]]")
write("json", "reject-object", '{"x": [[1]]}')
write("json", "reject-minus", "[-]")
write("json", "reject-huge-exponent", "[1e99999999999999999999]")
write("json", "accept-negative-zero-subnormal", "[[-0, 4.9e-324, 1e-400]]")
write("json", "empty-rows", "[[],[]]")
write("json", "empty-array", "[]")

# JSON bundles
write("bundle", "reject-duplicate-key", '{"heads": 1, "heads": 2}')
write("bundle", "reject-huge-heads", '{"heads": 1e300}')
write("bundle", "reject-negative-heads", '{"heads": -1}')
write("bundle", "reject-fractional-token", '{"token": 0.5}')
write("bundle", "reject-unknown-key", '{"wx": [[1]]}')
write("bundle", "reject-matrix-object", '{"x": {}}')
write("bundle", "reject-scale-overflow", '{"scale": 1e400}')
write("bundle", "reject-array", "[[1]]")
write("bundle", "reject-deep-nesting", '{"x":' + "[" * 100000 + "]" * 100000 + "}")
write("bundle", "reject-token-2-pow-62", '{"token": 4611686018427387904}')
write("bundle", "accept-minimal", '{"x": [[1, 0], [0, 1]], "heads": 1, "causal": true, "layout": "torch"}')
write("bundle", "negative-zero-heads", '{"heads": -0}')

# NPY
f8 = "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }"
write("npy", "reject-empty", b"")
write("npy", "reject-magic-only", b"\x93NUMPY")
write("npy", "reject-trillion-elements", npy(f8 % "(1000000, 1000000)", b"\0" * 64))
write("npy", "reject-shape-overflows-int", npy(f8 % "(4294967296, 4294967296)", b"\0" * 64))
write("npy", "reject-shape-overflows-bytes", npy(f8 % "(1, 2305843009213693952)", b"\0" * 64))
write("npy", "reject-huge-dimension", npy(f8 % "(99999999999999999999999999, 1)", b"\0" * 64))
write("npy", "reject-negative-dimension", npy(f8 % "(-1, 2)", b"\0" * 16))
write("npy", "reject-header-longer-than-file", npy(f8 % "(1, 1)", b"\0" * 8, length=60000))
write("npy", "reject-v2-header-4gib", npy(f8 % "(1, 1)", b"\0" * 8, version=(2, 0), length=0xFFFFFFFF))
write("npy", "reject-version-9", npy(f8 % "(1, 1)", b"\0" * 8, version=(9, 0)))
write("npy", "reject-truncated-data", npy(f8 % "(4, 4)", b"\0" * 8))
write("npy", "reject-descr-f16", npy("{'descr': '<f16', 'fortran_order': False, 'shape': (1, 1), }", b"\0" * 16))
write("npy", "reject-descr-object", npy("{'descr': '|O', 'fortran_order': False, 'shape': (1, 1), }", b"\0" * 8))
write("npy", "reject-header-garbage", npy("{'descr': '<f8', 'shape': ((((((((", b"\0" * 8))
write("npy", "reject-header-not-dict", npy("[1, 2, 3]", b""))
write("npy", "reject-nan", npy(f8 % "(1, 1)", struct.pack("<d", float("nan"))))
write("npy", "accept-negative-zero-subnormal",
      npy(f8 % "(1, 2)", struct.pack("<dd", -0.0, 5e-324)))
write("npy", "zero-rows", npy(f8 % "(0, 3)"))
