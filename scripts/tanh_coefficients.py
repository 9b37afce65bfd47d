#!/usr/bin/env python3
"""The polynomial of the C kernels' vector tanh (Sources/CMHAKernels/VectorMath.h).

For |x| < 0.625 the kernels compute tanh(x) = x + x³·P(x²), P a near-minimax (Chebyshev)
fit of (tanh(x)/x − 1)/x² over y = x² in [0, 0.625²]: 12 coefficients for Double, 6 for
Float. Prints them highest degree first (Horner order) as C literals, with the fit's relative
error in units of the last place. Needs mpmath (e.g. /work/venv, where torch brings it):

    /work/venv/bin/python scripts/tanh_coefficients.py
"""
import mpmath as mp

mp.mp.dps = 60
LIMIT = mp.mpf("0.625")


def g(y):
    if y == 0:
        return mp.mpf(-1) / 3
    x = mp.sqrt(y)
    return (mp.tanh(x) / x - 1) / y


for name, count, ulp, digits, suffix in [("double", 12, mp.mpf(2) ** -53, 17, ""),
                                         ("float", 6, mp.mpf(2) ** -24, 9, "f")]:
    poly, error = mp.chebyfit(g, [0, LIMIT * LIMIT], count, error=True)
    relative = LIMIT * LIMIT * error / (mp.tanh(LIMIT) / LIMIT)
    print(f"// {name}: fit error {mp.nstr(relative / ulp, 3)} ulp")
    print(", ".join(mp.nstr(c, digits, min_fixed=1, max_fixed=0) + suffix for c in poly))
