"""Checks for chapter 08 (continuous attractor): the ring weight matrix, the population vector,
the critical inhibition found by simulation, and the tracking lag measured from recorded traces.

Each check runs the student's function on cases it chooses, compares with the exact theory
(course_lib.theory.attractor) or the reference code (course_lib.models.cann), and names the most
likely mistake when they differ. Positions in rad, times in ms.
"""
import numpy as np

from .. import theory
from ..models import cann
from ..models.cann import (CANN, coupling, moving_path, path_input, ring_distance,
                           ring_positions, run_cann)
from . import NotYet, as_number, case_rng, check

W_ATOL = 1e-9        # the weights are a closed formula: only round-off may differ
DECODE_ATOL = 1e-9   # the population vector of a symmetric bump is its centre, up to round-off
K_C_TOL = 0.01       # a sweep with steps of 0.005 in k/k_c and runs of a few hundred ms brackets k_c = 1 to +-0.005
LAG_ATOL = 1e-6      # the mean of given numbers: only round-off may differ


# --------------------------------------------------------------------------------------------
# (1) the recurrent weight matrix of the ring
# --------------------------------------------------------------------------------------------

def reference_weight_matrix(x, a, j0):
    """W[i, j] = j0 / (sqrt(2 pi) a) exp(-d^2 / (2 a^2)), d = x_i - x_j wrapped around the ring."""
    x = np.asarray(x, float)
    return coupling(ring_distance(x[:, None], x[None, :]), a, j0)


def _diagnose_weights(W, x, a, j0):
    """Name the mistake of a weight matrix that differs from the reference."""
    ref = reference_weight_matrix(x, a, j0)
    plain = x[:, None] - x[None, :]
    if np.allclose(W, coupling(plain, a, j0), atol=W_ATOL):
        return ("the distance is not wrapped around the ring: W[0, -1] should equal W[0, 1] because x = -pi and "
                "x = pi - 2 pi/n are neighbours. Wrap d = x_i - x_j into [-pi, pi), e.g. "
                "np.mod(d + np.pi, 2 * np.pi) - np.pi.")
    ratio = W[ref > 1e-3 * ref.max()] / ref[ref > 1e-3 * ref.max()]
    factor = float(np.median(ratio))
    if np.allclose(W, factor * ref, atol=W_ATOL, rtol=1e-6):
        norm = np.sqrt(2 * np.pi) * a
        if np.isclose(factor, norm, rtol=1e-6):
            hint = "the normalisation 1/(sqrt(2 pi) a) is missing"
        elif np.isclose(factor, 1 / j0, rtol=1e-6):
            hint = "the strength j0 is missing"
        else:
            hint = f"the weights are {factor:.4g} times too large"
        return (f"{hint}. Use J(d) = j0 / (sqrt(2 pi) a) exp(-d^2/(2 a^2)), which makes the weights integrate "
                f"to j0 (a row sums to rho j0 = {len(x) / (2 * np.pi) * j0:.4g}).")
    d = ring_distance(x[:, None], x[None, :])
    for width2, text in ((a ** 2, "exp(-d^2/a^2)"), (4 * a ** 2, "exp(-d^2/(4 a^2)), the shape of the bump u")):
        shape = np.exp(-d ** 2 / width2)
        scale = W[0, 0] / shape[0, 0] if shape[0, 0] else 0.0
        if np.allclose(W, scale * shape, atol=W_ATOL, rtol=1e-6):
            return f"the profile has the wrong width: you used {text}; the coupling is exp(-d^2/(2 a^2))."
    if not np.allclose(W, W.T, atol=W_ATOL):
        return "W is not symmetric, but J depends only on the distance |x_i - x_j|: check the indices."
    return "compare with W[i, j] = j0 / (sqrt(2 pi) a) exp(-d_ij^2/(2 a^2)), d_ij = x_i - x_j wrapped into [-pi, pi)."


@check("weight_matrix: Gaussian ring coupling with periodic distance and normalisation",
       forbid=(coupling, cann.ring_kernel, cann.weight_matrix, CANN))
def check_weight_matrix(weight_matrix):
    """Two rings (n = 64, a = 0.5, j0 = 1; n = 100, a = 0.3, j0 = 2) and a random one against the reference."""
    rng = case_rng()
    random_ring = (int(rng.integers(16, 160)), float(np.round(rng.uniform(0.2, 1.0), 4)),
                   float(np.round(rng.uniform(0.5, 3.0), 4)))
    for n, a, j0 in ((64, 0.5, 1.0), (100, 0.3, 2.0), random_ring):
        x = ring_positions(n)
        W = weight_matrix(x.copy(), a, j0)
        try:
            W = np.asarray(W, dtype=float)
        except (TypeError, ValueError):
            raise NotYet(f"weight_matrix should return an (n, n) array of numbers; got {type(W).__name__}.") from None
        if W.shape != (n, n):
            raise NotYet(f"n = {n} neurons: expected a matrix of shape ({n}, {n}), got shape {W.shape}. "
                         f"Build W[i, j] for every pair, e.g. with x[:, None] - x[None, :].")
        ref = reference_weight_matrix(x, a, j0)
        if not np.allclose(W, ref, atol=W_ATOL):
            i, j = np.unravel_index(np.argmax(np.abs(W - ref)), W.shape)
            raise NotYet(f"n = {n}, a = {a}, j0 = {j0}: W[{i}, {j}] (x_i = {x[i]:.3f}, x_j = {x[j]:.3f}) expected "
                         f"{ref[i, j]:.6g}, got {W[i, j]:.6g}. " + _diagnose_weights(W, x, a, j0))
    return ("W matches J0/(sqrt(2 pi) a) exp(-d^2/(2 a^2)) with the ring distance for n = 64, n = 100 and a random "
            "ring")


# --------------------------------------------------------------------------------------------
# (2) the population vector
# --------------------------------------------------------------------------------------------

@check("population_vector: decode the bump position on the ring", forbid=(cann.decode_position, cann.bump_width))
def check_population_vector(population_vector):
    """Gaussian bumps centred at chosen places, including on the seam at +-pi and between neurons, then at random
    places and widths; then a lopsided random activity against the reference population vector."""
    rng = case_rng()
    n = 128
    x = ring_positions(n)
    spacing = 2 * np.pi / n
    cases = [(center, 0.5) for center in (3.1, -3.1, 0.3, -2.0, 1.0 + 0.37 * spacing, np.pi - 0.5 * spacing)]
    cases += [(float(c), float(w)) for c, w in zip(rng.uniform(-np.pi, np.pi, 3), rng.uniform(0.2, 0.45, 3))]
    for center, width in cases:
        activity = np.exp(-ring_distance(x, center) ** 2 / (2 * width ** 2))
        got = population_vector(activity.copy(), x.copy())
        got = as_number(got, "population_vector (the position in rad)")
        error = float(ring_distance(got, center))
        if abs(error) > DECODE_ATOL:
            naive = float(np.sum(activity * x) / np.sum(activity))
            peak = float(x[np.argmax(activity)])
            if abs(ring_distance(got, naive)) < 1e-6:
                hint = ("that is the plain centre of mass sum(r x)/sum(r), which averages -pi and pi to 0 for a bump "
                        "on the seam. Use the angle of the vector sum: np.angle(np.sum(r * np.exp(1j * x))).")
            elif abs(ring_distance(got, -center)) < 1e-6:
                hint = "the sign is flipped: use exp(+1j x), i.e. angle of sum(r (cos x + i sin x))."
            elif abs(got - np.degrees(center)) < 1e-6 or abs(got - np.degrees(center) % 360) < 1e-6:
                hint = "that is the answer in degrees; return radians."
            elif abs(ring_distance(got, peak)) < 1e-9:
                hint = ("that is the position of the most active neuron; the population vector averages over all "
                        "neurons and so interpolates between them.")
            else:
                hint = "the population vector is the angle of sum_i r_i exp(i x_i) (np.angle or np.arctan2)."
            raise NotYet(f"bump centred at {center:.4f} rad: expected {center:.8f}, got {got:.8f} (off by "
                         f"{error:.2g} rad). {hint}")
    lopsided = rng.uniform(0.0, 1.0, n) * np.exp(-ring_distance(x, rng.uniform(-np.pi, np.pi)) ** 2)
    expected = float(np.angle(np.sum(lopsided * np.exp(1j * x))))
    got = as_number(population_vector(lopsided.copy(), x.copy()), "population_vector (the position in rad)")
    if abs(ring_distance(got, expected)) > DECODE_ATOL:
        raise NotYet(f"for an irregular activity pattern (random rates around {expected:.3f} rad) the population "
                     f"vector is {expected:.8f} rad, got {got:.8f}: use the angle of sum_i r_i exp(i x_i), which "
                     "weights every neuron by its rate.")
    return ("exact to 1e-9 rad for bumps anywhere on the ring, including on the seam at +-pi and between neurons, "
            "and for an irregular pattern")


# --------------------------------------------------------------------------------------------
# (3) the critical inhibition, found by simulation
# --------------------------------------------------------------------------------------------

@check("find_critical_k_rel: the inhibition at which the bump disappears, found by simulation",
       require=(run_cann, CANN.step), require_what="a simulation of the ring (run_cann)")
def check_find_critical_k_rel(find_critical_k_rel):
    """The student's number against the exact existence limit k/k_c = 1."""
    got = find_critical_k_rel()
    got = as_number(got, "find_critical_k_rel (k/k_c)")
    if not np.isfinite(got):
        raise NotYet(f"find_critical_k_rel returned {got}; return the largest k/k_c at which a bump survived.")
    if abs(got - 1.0) <= K_C_TOL:
        return (f"largest k/k_c with a bump {got:.4f}, theory exactly 1 (k_c = rho J0^2/(8 sqrt(2 pi) a)): "
                f"{abs(got - 1) * 100:.2f} % off")
    if got > 2.0:
        raise NotYet(f"expected k/k_c close to 1 (theory), got {got:.4g}. That looks like the absolute inhibition k; "
                     f"divide by k_c (the model's .k_c) or sweep k_rel directly.")
    if got < 1.0:
        raise NotYet(f"expected k/k_c = 1 (the exact existence limit) within {K_C_TOL}, got {got:.4f}: your bumps "
                     f"died although a bump exists. A bump started below the unstable branch A_- decays even for "
                     f"k < k_c: start every network from a tall bump (taller than the stable one), and call a bump "
                     f"alive if any activity is left (e.g. height > 1e-3 of the typical height).")
    raise NotYet(f"expected k/k_c = 1 (the exact existence limit) within {K_C_TOL}, got {got:.4f}: your bumps seemed "
                 f"to survive above k_c. Just above k_c the bump decays very slowly (the two branches have just "
                 f"merged), so a short run still shows activity. Run longer (several hundred ms) or refine the grid "
                 f"of k/k_c values near 1.")


# --------------------------------------------------------------------------------------------
# (4) the tracking lag, measured from recorded traces
# --------------------------------------------------------------------------------------------

def reference_lag(t, bump_position, stimulus_position, t_start):
    """Mean over t >= t_start of (stimulus - bump) wrapped into [-pi, pi): > 0 when the bump trails."""
    late = np.asarray(t) >= t_start
    return float(np.mean(ring_distance(np.asarray(stimulus_position)[late], np.asarray(bump_position)[late])))


def _synthetic_traces(rng=None):
    """A stimulus moving at 0.01 rad/ms that crosses the seam, and a bump trailing it after a transient
    (with rng: random speed, start, lag and t_start; the stimulus still crosses the seam)."""
    speed, start, lag, t_start = (0.01, 0.0, 0.25, 300.0) if rng is None else (
        float(rng.uniform(0.008, 0.02)), float(rng.uniform(-1.0, 1.0)), float(rng.uniform(0.05, 0.6)),
        float(np.round(rng.uniform(150.0, 400.0))))
    t = np.arange(0.5, 600.5, 0.5)
    stimulus = ring_distance(start + speed * t, 0.0)    # the default crosses the seam at pi at t = 314 ms
    trail = lag * (1 - np.exp(-t / 30.0)) + 0.01 * np.sin(t / 7.0)
    return t, ring_distance(stimulus - trail, 0.0), stimulus, t_start


def _cann_traces():
    """A course CANN (n = 128) tracking a weak stimulus moving at 0.008 rad/ms for 500 ms."""
    model = CANN(n=128)
    alpha = 0.05 * theory.cann_bump_height(model)
    path = moving_path(0.008, start=0.0)               # crosses the seam at pi at t = 393 ms
    result = run_cann(model, t_stop=500.0, dt=0.2, stimulus=path_input(model, path, alpha),
                      state=model.initial_state(position=0.0), record_every=500.0)
    stimulus = np.array([path(t) for t in result.t])
    return result.t, result.position, stimulus, 300.0, theory.cann_tracking_lag(model, 0.008, alpha)


def _diagnose_lag(got, t, bump, stimulus, t_start, expected):
    """Name the mistake of a lag that differs from the reference."""
    late = t >= t_start
    if abs(got + expected) < 1e-6:
        return "the sign is flipped: the lag is stimulus - bump, positive when the bump trails the stimulus."
    unwrapped = float(np.mean((stimulus - bump)[late]))
    if abs(got - unwrapped) < 1e-6 or abs(got + unwrapped) < 1e-6:
        return ("the differences are not wrapped around the ring: when the stimulus has crossed pi and the bump not "
                "yet, stimulus - bump is close to -2 pi. Wrap each difference into [-pi, pi) before averaging.")
    if abs(got - reference_lag(t, bump, stimulus, -np.inf)) < 1e-6:
        return f"the mean includes the transient before t_start = {t_start} ms; average only over t >= t_start."
    return "average (stimulus - bump), wrapped into [-pi, pi), over the recorded times t >= t_start."


@check("measure_lag: mean lag of the bump behind a moving stimulus")
def check_measure_lag(measure_lag):
    """Synthetic traces that cross the seam (fixed, then random), then traces from a CANN run compared with the
    theory."""
    rng = case_rng()
    for traces in (_synthetic_traces(), _synthetic_traces(rng)):
        t, bump, stimulus, t_start = traces
        expected = reference_lag(t, bump, stimulus, t_start)
        got = measure_lag(t.copy(), bump.copy(), stimulus.copy(), t_start)
        got = as_number(got, "measure_lag (rad)")
        if abs(got - expected) > LAG_ATOL:
            raise NotYet(f"synthetic traces (a stimulus crossing the seam at pi, the bump trailing it; t_start = "
                         f"{t_start:g} ms): expected {expected:.6f} rad, got {got:.6f} rad. "
                         + _diagnose_lag(got, t, bump, stimulus, t_start, expected))
    t, bump, stimulus, t_start, lag_theory = _cann_traces()
    expected = reference_lag(t, bump, stimulus, t_start)
    got = as_number(measure_lag(t.copy(), bump.copy(), stimulus.copy(), t_start), "measure_lag (rad)")
    if abs(got - expected) > LAG_ATOL:
        raise NotYet(f"CANN run (stimulus at 0.008 rad/ms): expected {expected:.6f} rad, got {got:.6f} rad. "
                     + _diagnose_lag(got, t, bump, stimulus, t_start, expected))
    return (f"lag {got:.4f} rad in a CANN run vs first-order theory {lag_theory:.4f} rad "
            f"({abs(got / lag_theory - 1) * 100:.1f} %); synthetic traces across the seam exact")
