#!/usr/bin/env python3
"""Regenerates the NPY test fixtures in this folder with numpy.

Run from anywhere: python3 make_npy.py. Every matrix file holds the 2 x 3 pattern
m[i, j] = 10*i + j + 0.5 (signed integers: 10*i + j - 3; unsigned: 10*i + j; bool:
(i + j) odd), exactly representable in every dtype, so the Swift tests compute the
expected values from the formula, not from this script.
"""
import os
import numpy as np
from numpy.lib import format as npformat

HERE = os.path.dirname(os.path.abspath(__file__))
ROWS, COLS = 2, 3
i, j = np.meshgrid(np.arange(ROWS), np.arange(COLS), indexing="ij")
PATTERN = 10.0 * i + j + 0.5
INTEGERS = 10 * i + j - 3
UNSIGNED = 10 * i + j
BOOLS = (i + j) % 2 == 1


def save(name, array, version=None):
    with open(os.path.join(HERE, name), "wb") as f:
        npformat.write_array(f, array, version=version, allow_pickle=False)


save("f8_le.npy", PATTERN.astype("<f8"))
save("f8_be.npy", PATTERN.astype(">f8"))
save("f4_le.npy", PATTERN.astype("<f4"))
save("f4_be.npy", PATTERN.astype(">f4"))
save("i4_le.npy", INTEGERS.astype("<i4"))
save("i8_be.npy", INTEGERS.astype(">i8"))
save("i1.npy", INTEGERS.astype("|i1"))
save("i2_be.npy", INTEGERS.astype(">i2"))
save("i8_fortran.npy", np.asfortranarray(INTEGERS.astype("<i8")))
save("u1.npy", UNSIGNED.astype("|u1"))
save("u2_le.npy", UNSIGNED.astype("<u2"))
save("u4_be.npy", UNSIGNED.astype(">u4"))
save("u8_le.npy", UNSIGNED.astype("<u8"))
save("u8_be.npy", UNSIGNED.astype(">u8"))
save("b1.npy", BOOLS)
# 64-bit integers beyond 2**53 that are exactly representable as float64.
save("i8_large.npy", np.array([[2 ** 62, -2 ** 63, 2 ** 53 + 2]], dtype="<i8"))
save("u8_large.npy", np.array([[2 ** 63, 2 ** 64 - 2 ** 11]], dtype=">u8"))
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
save("i8_max.npy", np.array([[0, 0], [0, 2 ** 63 - 1]], dtype=">i8"))
save("u8_inexact.npy", np.array([[2 ** 64 - 1]], dtype="<u8"))
save("c16.npy", np.zeros((2, 2), dtype="<c16"))
save("f2.npy", np.zeros((2, 2), dtype="<f2"))
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
