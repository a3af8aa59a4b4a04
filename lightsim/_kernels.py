"""Numba kernels (private).

Every kernel here has a plain-NumPy reference with the same signature suffixed ``_reference``
and a test (``tests/test_kernels.py`` or the stage's test module) checking that they agree.
Kernels are compiled with ``cache=True``; ``parallel=True`` only where a benchmark showed it
helps. FFTs never live here (they stay in ``scipy.fft``).

Sections: propagation, camera, media, dmd, opu. Keep each kernel next to its reference.
"""

from __future__ import annotations

import math

import numba
import numpy as np

# ---------------------------------------------------------------------------- random numbers
# Counter-based random numbers: value number ``i`` of stream ``key`` is a pure function of
# ``(key, i)`` (SplitMix64 with random access; Steele, Lea & Flood, OOPSLA 2014). Whatever
# the block size, the thread count or the order of evaluation, the same seed gives the same
# numbers bit for bit, and a NumPy reference can reproduce them exactly.

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TWO_PI = 2.0 * np.pi
_INV_2_53 = 1.0 / 9007199254740992.0


@numba.njit(inline="always")
def mix64(z):
    """SplitMix64 finaliser: a bijective avalanche of a uint64."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@numba.njit(inline="always")
def stream_key(seed, stream):
    """Key of an independent stream derived from a 64-bit seed and a stream number."""
    return mix64(mix64(np.uint64(seed) + _GAMMA) ^ (np.uint64(stream) * _GAMMA + _M2))


@numba.njit(inline="always")
def _random_word(key, counter):
    """64 random bits number ``counter`` of stream ``key`` (those of :func:`uniform_open`)."""
    return mix64(key + (np.uint64(counter) + np.uint64(1)) * _GAMMA)


@numba.njit(inline="always")
def uniform_open(key, counter):
    """Uniform float64 in (0, 1] from ``(key, counter)``: 53 random bits, never 0."""
    bits = _random_word(key, counter)
    return (np.float64(bits >> np.uint64(11)) + 1.0) * _INV_2_53


def mix64_reference(z):
    """NumPy reference of :func:`mix64` (uint64 arrays wrap modulo 2**64)."""
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def stream_key_reference(seed, stream):
    """NumPy reference of :func:`stream_key`."""
    with np.errstate(over="ignore"):
        left = mix64_reference(np.uint64(seed) + _GAMMA)
        right = np.asarray(stream, dtype=np.uint64) * _GAMMA + _M2
    return mix64_reference(left ^ right)


def uniform_bits_reference(key, counter):
    """NumPy reference of :func:`_random_word`; ``counter`` may be an array."""
    with np.errstate(over="ignore"):
        return mix64_reference(
            np.uint64(key) + (np.asarray(counter, dtype=np.uint64) + np.uint64(1)) * _GAMMA)


def uniform_open_reference(key, counter):
    """NumPy reference of :func:`uniform_open`; ``counter`` may be an array."""
    bits = uniform_bits_reference(key, counter)
    return ((bits >> np.uint64(11)).astype(np.float64) + 1.0) * _INV_2_53


# ---------------------------------------------------------------------------- propagation


@numba.njit(cache=True, parallel=True)
def angular_spectrum_transfer(fy, fx, inv_wavelength, distance, fy_limit, fx_limit, out):
    """Fill ``out[i, j]`` with the angular-spectrum kernel at ``(fy[i], fx[j])``.

    ``exp(i 2 pi z w)`` with ``w = sqrt(inv_wavelength**2 - fx**2 - fy**2)`` for propagating
    frequencies, ``exp(-2 pi |z| sqrt(-w**2))`` for evanescent ones, and 0 outside the
    rectangular band limit ``|fx| <= fx_limit, |fy| <= fy_limit``. Computed in float64, stored
    in ``out``'s dtype.
    """
    k2 = inv_wavelength * inv_wavelength
    two_pi_z = 2.0 * np.pi * distance
    for i in numba.prange(fy.shape[0]):
        fyi = fy[i]
        inside_y = abs(fyi) <= fy_limit
        for j in range(fx.shape[0]):
            fxj = fx[j]
            if not (inside_y and abs(fxj) <= fx_limit):
                out[i, j] = 0.0
                continue
            w2 = k2 - fxj * fxj - fyi * fyi
            if w2 >= 0.0:
                phase = two_pi_z * np.sqrt(w2)
                out[i, j] = complex(np.cos(phase), np.sin(phase))
            else:
                out[i, j] = np.exp(-abs(two_pi_z) * np.sqrt(-w2))


def angular_spectrum_transfer_reference(fy, fx, inv_wavelength, distance, fy_limit, fx_limit,
                                        out):
    """NumPy reference of :func:`angular_spectrum_transfer`."""
    w2 = inv_wavelength**2 - fx[None, :] ** 2 - fy[:, None] ** 2
    root = np.sqrt(np.abs(w2))
    two_pi_z = 2.0 * np.pi * distance
    value = np.where(w2 >= 0, np.exp(1j * two_pi_z * root), np.exp(-abs(two_pi_z) * root))
    inside = (np.abs(fy)[:, None] <= fy_limit) & (np.abs(fx)[None, :] <= fx_limit)
    out[...] = np.where(inside, value, 0.0)


@numba.njit(cache=True, parallel=True)
def multiply_inplace(batch, factor):
    """``batch[b] *= factor`` for every ``b`` (batch ``(n, ny, nx)``, factor ``(ny, nx)``).

    One fused pass over memory, parallel over rows of all batch items.
    """
    n, ny, nx = batch.shape
    for r in numba.prange(n * ny):
        b = r // ny
        i = r - b * ny
        for j in range(nx):
            batch[b, i, j] *= factor[i, j]


def multiply_inplace_reference(batch, factor):
    """NumPy reference of :func:`multiply_inplace`."""
    batch *= factor


# ---------------------------------------------------------------------------- camera
# One fused pass per pixel: mean electrons -> Poisson -> full-well clip (saturation of the
# charge) -> + Gaussian read noise (analog) -> gain and offset -> round half to even -> clip
# to the code range [0, max_code] -> uint. Read noise is never rectified at 0 e-: negative
# excursions stay in the analog signal and the offset digitises them (EMVA 1288, 4.0).
#
# Random numbers: capture ``capture`` of a camera seeded with ``seed`` uses the key
# ``stream_key(seed, capture)``; pixel ``i`` (flat index of the detected array) owns the
# sub-stream ``pixel_key = mix64(key ^ (i * GAMMA))`` and reads its uniforms at counters
# 0, 1, 2, ...: counters 2, 3, ... feed the Poisson sampler, which consumes a variable number
# of them (rejection); counters 0 and 1 of an even pixel ``2p`` feed one Box-Muller pair whose
# two independent normals are the read noise of pixels ``2p`` (cosine) and ``2p + 1`` (sine),
# which halves the cost of the Gaussians. Each pixel is thus a pure function of (seed,
# capture, i, the means of its pair): the same frames bit for bit whatever the thread count.
#
# Poisson sampler: inversion by the multiplication method for mean < 10 (Knuth, TAOCP vol. 2,
# 3.4.1), PTRS transformed rejection with squeeze for mean >= 10 (W. Hormann, Insurance:
# Mathematics and Economics 12, 39-45, 1993). The sample is kept in float64 (never cast to
# an integer), so a huge mean cannot overflow; it is clipped to the full well anyway.
#
# Opt-in normal approximation (``Camera(normal_shot_noise_above=m)``): a pixel of mean >= m
# electrons takes its count from ``_normal_count`` and both of its normals (shot noise, then
# read noise) from the ziggurat ``_ziggurat`` on its own stream ``mix64(pixel_key ^
# _SHOT_STREAM)``, counters 0, 1, ...; the Box-Muller pair of a pixel pair is then drawn only
# if one of the two is exact. With ``m = inf`` (the default) nothing changes, bit for bit.
#
# The NumPy reference evaluates the same algorithm pixel by pixel with ``math.exp/log``
# (the C library functions that Numba calls too; NumPy's SIMD ``np.log`` may differ in the
# last bit) on the same counter-based uniforms, and calls the plain-arithmetic helpers
# ``_log_factorial`` and ``_unit_circle`` through ``.py_func`` (Python floats round exactly as
# Numba's without fastmath), so kernel and reference agree bit for bit.

_POISSON_PTRS_MIN = 10.0
#: Stream of the normals of an approximated pixel: ``mix64(pixel_key ^ _SHOT_STREAM)``.
_SHOT_STREAM = np.uint64(0xD1B54A32D192ED03)
_LOG_SQRT_TWO_PI = 0.5 * np.log(2.0 * np.pi)
_LOG_FACTORIAL_SMALL = np.array([np.log(float(np.prod(np.arange(1, k + 1)))) for k in range(10)])


@numba.njit(inline="always")
def _log_factorial(k):
    """``log(k!)`` for a whole number ``k >= 0`` held in a float64.

    Table for ``k < 10``; Stirling series for ``log Gamma(k + 1)`` to the ``n**-7`` term
    beyond (truncation error below ``1e-12`` for ``n = k + 1 >= 11``).
    """
    if k < 10.0:
        return _LOG_FACTORIAL_SMALL[int(k)]
    n = k + 1.0
    inv_n = 1.0 / n
    r = inv_n * inv_n
    series = (1.0 / 12.0 - r * (1.0 / 360.0 - r * (1.0 / 1260.0 - r * (1.0 / 1680.0)))) * inv_n
    return (n - 0.5) * math.log(n) - n + _LOG_SQRT_TWO_PI + series


@numba.njit(inline="always")
def _poisson(pixel_key, mean):
    """Poisson sample (float64) of ``mean >= 0`` from uniforms 2, 3, ... of ``pixel_key``."""
    counter = 2
    if mean < _POISSON_PTRS_MIN:
        limit = math.exp(-mean)
        product = uniform_open(pixel_key, counter)
        k = 0.0
        while product > limit:
            counter += 1
            product *= uniform_open(pixel_key, counter)
            k += 1.0
        return k
    b = 0.931 + 2.53 * math.sqrt(mean)
    a = -0.059 + 0.02483 * b
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    log_mean = -1.0  # computed on the first slow-path test only
    while True:
        u = uniform_open(pixel_key, counter) - 0.5
        v = uniform_open(pixel_key, counter + 1)
        counter += 2
        us = 0.5 - abs(u)
        if us == 0.0:  # u = 1/2 exactly (probability 2**-53): outside Hormann's open interval
            continue
        k = np.floor((2.0 * a / us + b) * u + mean + 0.43)  # float64 (math.floor: int64)
        if us >= 0.07 and v <= v_r:
            return k
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        if log_mean < 0.0:
            log_mean = math.log(mean)
        us2 = us * us
        # log(v / alpha / (a / us**2 + b)) <= log f(k), with 1 / alpha = 1.1239 + 1.1328 / (b - 3.4)
        inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
        if (math.log(v * inv_alpha * us2 / (a + b * us2))
                <= -mean + k * log_mean - _log_factorial(k)):
            return k


# Taylor coefficients of sin(x) / x - 1 and cos(x) - 1 in x**2, highest power first; on
# |x| <= pi/4 the truncation errors are below (pi/4)**17 / 17! = 5e-17 and (pi/4)**18 / 18!.
_SIN_TAYLOR = tuple((-1.0) ** k / math.factorial(2 * k + 1) for k in range(7, 0, -1))
_COS_TAYLOR = tuple((-1.0) ** k / math.factorial(2 * k) for k in range(8, 0, -1))


@numba.njit(inline="always")
def _unit_circle(u):
    """``(cos(2 pi u), sin(2 pi u))`` with only + and * (so NumPy reproduces it bit for bit).

    ``4 u = q + r`` with ``q`` whole and ``|r| <= 1/2`` (exact: Sterbenz), ``x = pi r / 2``;
    Taylor polynomials on ``|x| <= pi / 4``, then the quadrant ``q mod 4`` rotates the pair.
    About 1e-16 absolute error, several times faster than the C library's ``sincos`` here.
    """
    w = 4.0 * u
    quadrant = math.floor(w + 0.5)
    x = 0.5 * math.pi * (w - quadrant)
    x2 = x * x
    sin_poly = 0.0
    for c in _SIN_TAYLOR:
        sin_poly = (sin_poly + c) * x2
    cos_poly = 0.0
    for c in _COS_TAYLOR:
        cos_poly = (cos_poly + c) * x2
    sin_x = x + x * sin_poly
    cos_x = 1.0 + cos_poly
    # quadrant 0: (c, s); 1: (-s, c); 2: (-c, -s); 3: (s, -c); branch-free selection
    odd = quadrant & 1
    cos_sign = 1.0 - 2.0 * (((quadrant + 1) >> 1) & 1)
    sin_sign = 1.0 - 2.0 * ((quadrant >> 1) & 1)
    return cos_sign * (sin_x if odd else cos_x), sin_sign * (cos_x if odd else sin_x)


@numba.njit(inline="always")
def _box_muller(pixel_key):
    """Two independent standard normals from uniforms 0 and 1 of ``pixel_key``.

    ``(r cos(theta), r sin(theta))`` with ``r = sqrt(-2 log u0)`` and ``theta = 2 pi u1``
    (G. E. P. Box and M. E. Muller, Ann. Math. Statist. 29, 610-611, 1958).
    """
    radius = math.sqrt(-2.0 * math.log(uniform_open(pixel_key, 0)))
    cos_t, sin_t = _unit_circle(uniform_open(pixel_key, 1))
    return radius * cos_t, radius * sin_t


# Ziggurat for the standard normal (G. Marsaglia and W. W. Tsang, J. Stat. Softw. 5(8), 2000):
# 128 layers of equal area v under f(x) = exp(-x**2 / 2); x_1 = r, x_{i+1} =
# sqrt(-2 log(v / x_i + f(x_i))), x_128 = 0, and x_0 = v / f(r) the pseudo-width of the base
# strip (rectangle plus tail). One 64-bit word per attempt: bits 0-6 pick the layer, bit 7
# the sign, bits 11-63 the uniform position; about 98.8 % of attempts return at once.
_ZIG_R = 3.442619855899
_ZIG_V = 9.91256303526217e-3


def _ziggurat_edges():
    x = np.empty(129)
    x[0], x[1] = _ZIG_V / math.exp(-0.5 * _ZIG_R**2), _ZIG_R
    for i in range(1, 128):
        x[i + 1] = math.sqrt(-2.0 * math.log(_ZIG_V / x[i] + math.exp(-0.5 * x[i] ** 2)))
    x[128] = 0.0
    return x


_ZIG_X = _ziggurat_edges()
_ZIG_F = np.exp(-0.5 * _ZIG_X**2)
_ZIG_F[0] = 0.0  # the base strip's bottom


@numba.njit(inline="always")
def _ziggurat(key, counter):
    """A standard normal from words ``counter, counter + 1, ...`` of ``key``; returns
    ``(z, next counter)``."""
    while True:
        bits = _random_word(key, counter)
        counter += 1
        layer = int(bits & np.uint64(127))
        sign = 1.0 - 2.0 * np.float64((bits >> np.uint64(7)) & np.uint64(1))
        x = np.float64(bits >> np.uint64(11)) * _INV_2_53 * _ZIG_X[layer]
        if x < _ZIG_X[layer + 1]:
            return sign * x, counter
        if layer == 0:  # the tail beyond r (Marsaglia 1964)
            while True:
                tail = -math.log(uniform_open(key, counter)) / _ZIG_R
                height = -math.log(uniform_open(key, counter + 1))
                counter += 2
                if 2.0 * height > tail * tail:
                    return sign * (_ZIG_R + tail), counter
        y = _ZIG_F[layer] + uniform_open(key, counter) * (_ZIG_F[layer + 1] - _ZIG_F[layer])
        counter += 1
        if y < math.exp(-0.5 * x * x):
            return sign * x, counter


def _ziggurat_reference(key, counter):
    """Scalar reference of :func:`_ziggurat` (same words, same order, same functions)."""
    while True:
        bits = int(uniform_bits_reference(key, counter))
        counter += 1
        layer = bits & 127
        sign = 1.0 - 2.0 * ((bits >> 7) & 1)
        x = float(bits >> 11) * _INV_2_53 * float(_ZIG_X[layer])
        if x < _ZIG_X[layer + 1]:
            return sign * x, counter
        if layer == 0:
            while True:
                tail = -math.log(float(uniform_open_reference(key, counter))) / _ZIG_R
                height = -math.log(float(uniform_open_reference(key, counter + 1)))
                counter += 2
                if 2.0 * height > tail * tail:
                    return sign * (_ZIG_R + tail), counter
        low, high = float(_ZIG_F[layer]), float(_ZIG_F[layer + 1])
        y = low + float(uniform_open_reference(key, counter)) * (high - low)
        counter += 1
        if y < math.exp(-0.5 * x * x):
            return sign * x, counter


@numba.njit(inline="always")
def _normal_count(mean, z):
    """Whole-number Cornish-Fisher normal approximation to Poisson(``mean``) from a normal z.

    ``rint(mean + sqrt(mean) z + (z**2 - 1) / 6)``, at least 0: the first-order
    Cornish-Fisher expansion of the Poisson quantile (skewness ``1 / sqrt(mean)``; M. G.
    Kendall and A. Stuart, *The Advanced Theory of Statistics* vol. 1, 6.25-6.26), rounded
    half to even, which is the continuity correction. Mean, variance (+1/12 + 1/18) and third
    central moment match the Poisson's to O(1); the KS distance is 1.4e-3 at mean 10, 4e-4
    at 30, 1.2e-5 at 1000 (``validation/``, case "normal shot noise").
    """
    return max(np.rint(mean + math.sqrt(mean) * z + (z * z - 1.0) / 6.0), 0.0)


@numba.njit(inline="always")
def _detect(mean, pixel_key, z, normal_above, read_noise, full_well, gain, offset, max_code,
            noise):
    """Digital number (float64) of one pixel of ``mean`` electrons; ``z`` is its standard
    normal read-noise draw if it is sampled exactly (``mean < normal_above``).

    The collected charge saturates at the full well; the read noise is added after it, in
    the analog domain, and only the ADC range clips (no clip at 0 e-).
    """
    if noise:
        if mean >= normal_above:
            shot_key = mix64(pixel_key ^ _SHOT_STREAM)
            z_shot, counter = _ziggurat(shot_key, 0)
            collected = _normal_count(mean, z_shot)
            if read_noise > 0.0:
                z = _ziggurat(shot_key, counter)[0]
        else:
            collected = _poisson(pixel_key, mean)
        electrons = min(collected, full_well) + read_noise * z
    else:
        electrons = min(mean, full_well)
    return min(max(np.rint(electrons * gain + offset), 0.0), max_code)


@numba.njit(cache=True, parallel=True)
def camera_chain(photons, eta, dark, read_noise, full_well, gain, offset, max_code, seed,
                 capture, noise, normal_above, out):
    """Detect flat mean photon counts ``photons`` into flat digital numbers ``out``.

    Per pixel ``i``: ``mu = eta * photons[i] + dark`` (mean electrons, float64); if ``noise``,
    ``e = min(n, full_well) + read_noise * z_i`` with ``n ~ Poisson(mu)`` (exact) below
    ``normal_above`` electrons and the normal approximation :func:`_normal_count` from
    ``mu = normal_above`` up, from counter-based sub-streams (see the section notes), else
    ``e = min(mu, full_well)``; then ``out[i] = clip(rint(e * gain + offset), 0, max_code)``
    (round half to even), written in ``out``'s integer dtype. ``seed`` and ``capture`` are
    uint64; ``photons`` float32 or float64, finite and >= 0; ``normal_above`` float64
    (``inf``: exact everywhere).
    """
    key = stream_key(seed, capture)
    n = photons.shape[0]
    for pair in numba.prange((n + 1) // 2):
        i = 2 * pair
        last = i + 1 >= n
        even_key = mix64(key ^ (np.uint64(i) * _GAMMA))
        mean_even = eta * np.float64(photons[i]) + dark
        # a missing odd pixel counts as approximated: it never asks for the Box-Muller pair
        mean_odd = normal_above if last else eta * np.float64(photons[i + 1]) + dark
        z_even = z_odd = 0.0
        if noise and read_noise > 0.0 and (mean_even < normal_above
                                           or mean_odd < normal_above):
            z_even, z_odd = _box_muller(even_key)
        out[i] = _detect(mean_even, even_key, z_even, normal_above, read_noise, full_well,
                         gain, offset, max_code, noise)
        if not last:
            odd_key = mix64(key ^ (np.uint64(i + 1) * _GAMMA))
            out[i + 1] = _detect(mean_odd, odd_key, z_odd, normal_above, read_noise,
                                 full_well, gain, offset, max_code, noise)


def camera_chain_reference(photons, eta, dark, read_noise, full_well, gain, offset, max_code,
                           seed, capture, noise, normal_above, out):
    """NumPy reference of :func:`camera_chain` (slow: a Python loop over pixels if ``noise``).

    Bit-identical to the kernel: same uniforms, same samplers, same C-library functions.
    """
    mean = eta * np.asarray(photons, dtype=np.float64) + dark
    electrons = mean.copy()
    if noise:
        with np.errstate(over="ignore"):
            keys = stream_key_reference(seed, capture) ^ (
                np.arange(mean.size, dtype=np.uint64) * _GAMMA)
        keys = mix64_reference(keys)
        z = np.zeros(mean.size)
        if read_noise > 0.0:
            for pair, (u0, u1) in enumerate(zip(uniform_open_reference(keys[::2], 0),
                                                uniform_open_reference(keys[::2], 1))):
                radius = math.sqrt(-2.0 * math.log(u0))
                cos_t, sin_t = _unit_circle.py_func(float(u1))
                z[2 * pair] = radius * cos_t
                if 2 * pair + 1 < mean.size:
                    z[2 * pair + 1] = radius * sin_t
        for i, pixel_key in enumerate(keys):
            if mean[i] >= normal_above:
                shot_key = mix64_reference(pixel_key ^ _SHOT_STREAM)
                z_shot, counter = _ziggurat_reference(shot_key, 0)
                m = float(mean[i])
                electrons[i] = max(np.rint(m + math.sqrt(m) * z_shot
                                           + (z_shot * z_shot - 1.0) / 6.0), 0.0)
                if read_noise > 0.0:
                    z[i] = _ziggurat_reference(shot_key, counter)[0]
            else:
                electrons[i] = _poisson_reference(pixel_key, mean[i])
        electrons = np.minimum(electrons, full_well) + read_noise * z
    else:
        electrons = np.minimum(electrons, full_well)
    out[...] = np.clip(np.rint(electrons * gain + offset), 0.0, max_code)


def _poisson_reference(pixel_key, mean):
    """Scalar reference of :func:`_poisson`: the same uniforms, in the same order."""
    uniforms = uniform_open_reference(pixel_key, np.arange(2, 34))
    counter = 0

    def draw():
        nonlocal uniforms, counter
        if counter == uniforms.size:
            more = np.arange(2 + counter, 2 + 2 * counter)
            uniforms = np.concatenate([uniforms, uniform_open_reference(pixel_key, more)])
        counter += 1
        return float(uniforms[counter - 1])

    if mean < _POISSON_PTRS_MIN:
        limit = math.exp(-mean)
        product = draw()
        k = 0.0
        while product > limit:
            product *= draw()
            k += 1.0
        return k
    b = 0.931 + 2.53 * math.sqrt(mean)
    a = -0.059 + 0.02483 * b
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = draw() - 0.5
        v = draw()
        us = 0.5 - abs(u)
        if us == 0.0:
            continue
        k = float(math.floor((2.0 * a / us + b) * u + mean + 0.43))
        if us >= 0.07 and v <= v_r:
            return k
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        us2 = us * us
        inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
        if (math.log(v * inv_alpha * us2 / (a + b * us2))
                <= -mean + k * math.log(mean) - _log_factorial.py_func(k)):
            return k


# ---------------------------------------------------------------------------- media
# Entry (k, j) of a Gaussian transmission matrix with ``n_in`` columns is drawn from counters
# ``2 c`` and ``2 c + 1`` with ``c = k * n_in + j`` (Box-Muller, both outputs used), so it is a
# pure function of (key, k, j). A drifted matrix is the recursion ``t <- decay[m] t + gain[m]
# g_m`` over independent streams ``keys[m]`` (``decay[0] = 0, gain[0] = 1``: the base matrix).
# Everything is float64 until the final store. The transcendental functions are the C
# library's (what Numba calls); the reference calls the same ones through ``math`` because
# NumPy's SIMD ``log`` can differ from it in the last bit.


@numba.njit(inline="always")
def _gaussian_entry(keys, decay, gain, index, scale):
    re = 0.0
    im = 0.0
    for m in range(keys.shape[0]):
        u1 = uniform_open(keys[m], 2 * index)
        u2 = uniform_open(keys[m], 2 * index + 1)
        radius = np.sqrt(-2.0 * np.log(u1)) * scale
        angle = _TWO_PI * u2
        re = decay[m] * re + gain[m] * (radius * np.cos(angle))
        im = decay[m] * im + gain[m] * (radius * np.sin(angle))
    return complex(re, im)


@numba.njit(cache=True, parallel=True)
def gaussian_block(keys, decay, gain, rows, col0, n_in_total, scale, transpose, out):
    """Fill ``out`` with rows ``rows`` and columns ``col0, col0 + 1, ...`` of a Gaussian matrix.

    ``out[a, b] = T[rows[a], col0 + b]``, or ``out[b, a]`` (the transposed block, the layout of
    ``T.T``) when ``transpose``. ``T`` has ``n_in_total`` columns; each stream contributes
    ``scale * sqrt(-2 ln u1) * exp(2 pi i u2)`` and streams are combined by the drift
    recursion with coefficients ``decay``, ``gain`` (float64 arrays, one per key).
    """
    n_rows = rows.shape[0]
    if transpose:
        for b in numba.prange(out.shape[0]):
            j = col0 + b
            for a in range(n_rows):
                out[b, a] = _gaussian_entry(keys, decay, gain, rows[a] * n_in_total + j, scale)
    else:
        n_cols = out.shape[1]
        for a in numba.prange(n_rows):
            start = rows[a] * n_in_total + col0
            for b in range(n_cols):
                out[a, b] = _gaussian_entry(keys, decay, gain, start + b, scale)


def _libm(function, values):
    """Apply a ``math`` (C library) function elementwise, as compiled code does."""
    return np.frompyfunc(function, 1, 1)(values).astype(np.float64)


def gaussian_block_reference(keys, decay, gain, rows, col0, n_in_total, scale, transpose,
                             out):
    """NumPy reference of :func:`gaussian_block` (bit-identical)."""
    n_cols = out.shape[0] if transpose else out.shape[1]
    index = (np.asarray(rows, dtype=np.int64)[:, None] * np.int64(n_in_total)
             + (np.int64(col0) + np.arange(n_cols, dtype=np.int64))[None, :])
    re = np.zeros(index.shape)
    im = np.zeros(index.shape)
    for key, a, b in zip(keys, decay, gain, strict=True):
        u1 = uniform_open_reference(key, 2 * index)
        u2 = uniform_open_reference(key, 2 * index + 1)
        radius = np.sqrt(-2.0 * _libm(math.log, u1)) * scale
        angle = _TWO_PI * u2
        re = a * re + b * (radius * _libm(math.cos, angle))
        im = a * im + b * (radius * _libm(math.sin, angle))
    value = np.empty(index.shape, dtype=np.complex128)
    value.real = re
    value.imag = im
    out[...] = value.T if transpose else value


# ---------------------------------------------------------------------------- dmd


# ---------------------------------------------------------------------------- opu


@numba.njit(cache=True, parallel=True)
def affine_fields(X, d_t, base, out):
    """``out[i] = base + sum_k X[i, k] d_t[k]``: fields of a folded (macro-pixel) input.

    ``X`` ``(n, K)`` real, ``d_t`` ``(K, M)`` and ``base`` ``(M,)`` complex64, ``out``
    ``(n, M)`` complex64. For small ``K`` (one input per class) a direct loop beats a BLAS
    call, whose thread start-up dominates such thin products.
    """
    n, n_in = X.shape
    for i in numba.prange(n):
        out[i, :] = base
        for k in range(n_in):
            x = np.float32(X[i, k])
            if x != 0:
                for m in range(d_t.shape[1]):
                    out[i, m] += x * d_t[k, m]


def affine_fields_reference(X, d_t, base, out):
    """NumPy reference of :func:`affine_fields`."""
    out[...] = X.astype(np.float32) @ d_t + base


@numba.njit(cache=True, parallel=True)
def speckle_photons(fields, reference, reference_factors, scales, block_rows, block_cols,
                    lattice_cols, out):
    """``out[i, p] = scales[i] * sum_(a, b) |fields[i, j] + r_i s[j]|**2`` over a grain block.

    Intensity of the speckle grains of sensor pixel ``p = (py, px)`` with the reference field
    ``s`` multiplied by frame ``i``'s complex factor ``r_i = reference_factors[i]`` (1 when
    the reference mirrors are ON, the leak when OFF, times a phase jitter), summed over the
    pixel's ``block_rows x block_cols`` grains ``j = (py block_rows + a) lattice_cols + px
    block_cols + b`` of the row-major grain lattice (:mod:`lightsim.plane`) and multiplied by
    ``scales[i]`` (photons per unit intensity of frame ``i``, laser power fluctuation
    included). ``fields`` ``(n, lattice_rows lattice_cols)`` complex64,
    ``reference_factors`` ``(n,)`` complex64, ``scales`` ``(n,)`` float32, ``out`` ``(n,
    P)`` float32 with ``P`` the sensor pixels, row-major; accumulated in float32 like the
    unfused NumPy expression.
    """
    n, pixels = out.shape
    pixel_cols = lattice_cols // block_cols
    for i in numba.prange(n):
        alpha = reference_factors[i]
        factor = scales[i]
        for p in range(pixels):
            py = p // pixel_cols
            px = p - py * pixel_cols
            total = np.float32(0.0)
            for a in range(block_rows):
                start = (py * block_rows + a) * lattice_cols + px * block_cols
                for b in range(block_cols):
                    value = fields[i, start + b] + alpha * reference[start + b]
                    total += value.real * value.real + value.imag * value.imag
            out[i, p] = total * factor


def speckle_photons_reference(fields, reference, reference_factors, scales, block_rows,
                              block_cols, lattice_cols, out):
    """NumPy reference of :func:`speckle_photons`."""
    total = fields + reference_factors[:, None] * reference[None, :]
    intensity = total.real**2 + total.imag**2
    n = out.shape[0]
    lattice_rows = fields.shape[1] // lattice_cols
    blocks = intensity.reshape(n, lattice_rows // block_rows, block_rows,
                               lattice_cols // block_cols, block_cols)
    out[...] = (blocks.transpose(0, 1, 3, 2, 4).reshape(n, out.shape[1], -1)
                .sum(axis=-1, dtype=np.float32) * scales[:, None])
