"""Bjøntegaard delta rate: the bit rate one encoder needs, against another, for equal quality.

Each curve is log10(bit rate) as a function of quality (VMAF), interpolated with a monotone
piecewise cubic (``scipy.interpolate.PchipInterpolator``, which neither overshoots nor
oscillates between points the way the original cubic polynomial fit did) and integrated over
the quality range both curves cover. The mean difference of the logs is the rate ratio.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.interpolate import PchipInterpolator

from marquee.media.ffmpeg import MediaError


def bd_rate(reference: Sequence[tuple[float, float]], test: Sequence[tuple[float, float]]) -> float:
    """Percent bit rate ``test`` spends over ``reference`` at equal quality (negative: it
    saves). Each curve is (kbit/s, VMAF) points, at least two of distinct quality; the curves'
    quality ranges must overlap."""
    ref, tst = _log_rate_curve(reference), _log_rate_curve(test)
    low = max(ref.x[0], tst.x[0])
    high = min(ref.x[-1], tst.x[-1])
    if high <= low:
        raise MediaError("bd-rate", "the two curves cover no common quality range")
    mean_log_diff = (tst.integrate(low, high) - ref.integrate(low, high)) / (high - low)
    return float((10**mean_log_diff - 1) * 100)


def _log_rate_curve(points: Sequence[tuple[float, float]]) -> PchipInterpolator:
    """log10(kbit/s) over VMAF; of points at the same VMAF the cheapest counts."""
    cheapest: dict[float, float] = {}
    for kbps, vmaf in points:
        if kbps <= 0:
            raise MediaError("bd-rate", f"a bit rate must be positive, not {kbps}")
        cheapest[vmaf] = min(kbps, cheapest.get(vmaf, kbps))
    if len(cheapest) < 2:
        raise MediaError("bd-rate", "a curve needs at least two points of distinct quality")
    quality = np.array(sorted(cheapest))
    return PchipInterpolator(quality, np.log10([cheapest[q] for q in quality]))
