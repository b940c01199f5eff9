"""R's uniroot(): Brent's root finder exactly as R's C routine R_zeroin2 (src/library/stats/src/zeroin.c).

metafor's Paule-Mandel estimator stops where uniroot() stops (tol = .Machine$double.eps^0.25, about 1e-4),
not at the exact root; scipy's brentq takes other steps, so to agree with metafor to 1e-6 we take R's steps.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

_EPSILON = sys.float_info.epsilon
R_DEFAULT_TOL = _EPSILON**0.25


class RootNotFound(ArithmeticError):
    pass


def uniroot(f: Callable[[float], float], lower: float, upper: float, *, tol: float = R_DEFAULT_TOL, maxiter: int = 1000) -> float:
    """The root R's uniroot(f, c(lower, upper), tol=tol, maxiter=maxiter) returns."""
    f_lower, f_upper = f(lower), f(upper)
    if f_lower * f_upper > 0:
        raise RootNotFound("f() values at end points not of opposite sign")
    root, converged = _zeroin2(f, lower, upper, f_lower, f_upper, tol, maxiter)
    if not converged:
        raise RootNotFound(f"no convergence in {maxiter} iterations")
    return root


def _zeroin2(f, ax: float, bx: float, fa: float, fb: float, tol: float, maxit: int) -> tuple[float, bool]:
    a, b = ax, bx
    c, fc = a, fa
    if fa == 0.0:
        return a, True
    if fb == 0.0:
        return b, True
    for _ in range(maxit + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):  # swap so that b is the best approximation
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * _EPSILON * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b, True
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):  # interpolation may be tried
            cb = c - b
            if a == c:  # two distinct points: linear interpolation
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:  # inverse quadratic interpolation
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0.0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2.0) and p < abs(prev_step * q / 2.0):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0.0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b, False
