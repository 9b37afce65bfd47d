#!/usr/bin/env python3
"""Regenerates the NPY test fixtures in this folder with numpy.

Run from anywhere: python3 make_npy.py. Every matrix file holds the 2 x 3 pattern
m[i, j] = 10*i + j + 0.5 (integers: 10*i + j - 3), exactly representable in every dtype,
so the Swift tests compute the expected values from the formula, not from this script.
"""
import os
import numpy as np
from numpy.lib import format as npformat

HERE = os.path.dirname(os.path.abspath(__file__))
ROWS, COLS = 2, 3
i, j = np.meshgrid(np.arange(ROWS), np.arange(COLS), indexing="ij")
PATTERN = 10.0 * i + j + 0.5
INTEGERS = 10 * i + j - 3


def save(name, array, version=None):
    with open(os.path.join(HERE, name), "wb") as f:
        npformat.write_array(f, array, version=version, allow_pickle=False)


save("f8_le.npy", PATTERN.astype("<f8"))
save("f8_be.npy", PATTERN.astype(">f8"))
save("f4_le.npy", PATTERN.astype("<f4"))
save("f4_be.npy", PATTERN.astype(">f4"))
save("i4_le.npy", INTEGERS.astype("<i4"))
save("i8_be.npy", INTEGERS.astype(">i8"))
save("f8_fortran.npy", np.asfortranarray(PATTERN.astype("<f8")))
save("f4_be_fortran.npy", np.asfortranarray(PATTERN.astype(">f4")))
save("f8_1d.npy", PATTERN[1].astype("<f8"))
save("f8_v2.npy", PATTERN.astype("<f8"), version=(2, 0))
save("f8_v3.npy", PATTERN.astype("<f8"), version=(3, 0))
# Round-trip specials: -0.0, the smallest subnormal, a subnormal, the largest magnitudes.
save("specials.npy", np.array([[-0.0, 5e-324, 2.2250738585072014e-309],
                               [1e308, -1.7976931348623157e308, 0.1]], dtype="<f8"))
# Rejected files.
save("i8_inexact.npy", np.array([[1, 2 ** 53 + 1]], dtype="<i8"))
save("c16.npy", np.zeros((2, 2), dtype="<c16"))
save("u2.npy", np.zeros((2, 2), dtype="<u2"))
save("three_d.npy", np.zeros((2, 2, 2), dtype="<f8"))
save("zero_d.npy", np.array(1.5, dtype="<f8"))
save("nan.npy", np.array([[1.0, np.nan]], dtype="<f8"))
save("structured.npy", np.zeros(2, dtype=[("a", "<f8"), ("b", "<f8")]))
with open(os.path.join(HERE, "f8_le.npy"), "rb") as f:
    whole = f.read()
with open(os.path.join(HERE, "truncated.npy"), "wb") as f:
    f.write(whole[:-5])
with open(os.path.join(HERE, "too_long.npy"), "wb") as f:
    f.write(whole + b"\0" * 8)
