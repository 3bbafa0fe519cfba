"""Checks for chapter 04 (synapses): the alpha kernel, Campbell's theorem, a shot-noise simulation,
and balanced weights.

Each check runs the student's function on cases it chooses, compares with the kernels of
course_lib.synapses or the theory of course_lib.theory.synapses, and names the most likely
mistake when they differ. Units: ms, pA, Hz.
"""
import numpy as np

from .. import synapses, theory
from ..models import balanced as balanced_models
from ..synapses import ExponentialSynapse, alpha_kernel
from . import NotYet, as_tuple, case_rng, check, expect_close

KERNEL_ATOL = 1e-9        # a closed-form kernel: only round-off is allowed
THEORY_RTOL = 1e-6        # closed-form Campbell formulas: only round-off
SIM_MEAN_RTOL = 0.04      # 20 s of shot noise (tau 5 ms): statistical error ~0.5 %; sampling at step ends or
SIM_STD_RTOL = 0.06       # starts shifts the mean by dt/(2 tau) = 1 % and the std by ~2 %: tolerances leave room


def _as_array(out, what, shape=None):
    try:
        arr = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise NotYet(f"{what} should return numbers (a numpy array); got {type(out).__name__}.") from None
    if shape is not None and arr.shape != shape:
        raise NotYet(f"{what} should return an array of shape {shape} (one value per time); got shape {arr.shape}.")
    return arr


# --------------------------------------------------------------------------------------------
# (a) the alpha kernel
# --------------------------------------------------------------------------------------------

@check("alpha_kernel: the alpha kernel, peak 1 at t = tau", forbid=(alpha_kernel, synapses.AlphaSynapse))
def check_alpha_kernel(student_alpha_kernel):
    """Compare with (t/tau) exp(1 - t/tau) on times before and after the spike, for three tau and a random one."""
    t = np.linspace(-5.0, 40.0, 91)
    for tau in (2.0, 1.0, 5.0, float(np.round(case_rng().uniform(0.5, 8.0), 4))):
        got = _as_array(student_alpha_kernel(t, tau), "alpha_kernel(t_ms, tau_ms)", t.shape)
        expected = alpha_kernel(t, tau)
        if np.any(np.abs(got[t < 0]) > KERNEL_ATOL):
            raise NotYet(f"with tau = {tau} ms, alpha_kernel is {got[t < 0][0]:.3g} at t = {t[t < 0][0]} ms: the "
                         "kernel must be 0 before the spike (t < 0). Use np.where(t >= 0, ..., 0.0).")
        after = t > 0
        ratio = got[after] / expected[after]
        if np.allclose(ratio, 1.0 / np.e, rtol=1e-6):
            raise NotYet(f"with tau = {tau} ms the peak is {got.max():.4f} = 1/e, not 1: multiply by e, "
                         "k(t) = (t/tau) exp(1 - t/tau), so that the weight J is the peak current.")
        if np.allclose(ratio, 1.0 / (np.e * tau), rtol=1e-6):
            raise NotYet(f"your kernel has area 1 (it is (t/tau^2) exp(-t/tau)); the course scales kernels to a "
                         f"peak of 1 at t = tau instead: k(t) = (t/tau) exp(1 - t/tau).")
        expect_close(got, expected, f"alpha_kernel(t, tau = {tau} ms)", atol=KERNEL_ATOL,
                     hint="Expected (t/tau) exp(1 - t/tau) for t >= 0 and 0 before.")
        t_peak = t[np.argmax(got)]
        if abs(t_peak - tau) > 0.5 + 1e-9:
            raise NotYet(f"with tau = {tau} ms the peak is at {t_peak} ms; it should be at t = tau.")
    return ("matches (t/tau) exp(1 - t/tau) for tau = 1, 2, 5 ms and a random tau (zero before the spike, "
            "peak 1 at t = tau)")


# --------------------------------------------------------------------------------------------
# (b) Campbell's theorem for an exponential kernel
# --------------------------------------------------------------------------------------------

def reference_shot_noise_stats(k, rate_hz, j_pa, tau_ms):
    """Mean and std (pA) of the current from k Poisson inputs through exponential PSCs of peak j_pa."""
    return theory.shot_noise_mean_std(ExponentialSynapse(tau_ms), k, rate_hz, j_pa)


@check("shot_noise_stats: mean and std of the input from K Poisson inputs (Campbell)",
       forbid=(theory.shot_noise_mean_std, theory.campbell_mean, theory.campbell_variance, theory.kernel_integral,
               theory.kernel_square_integral))
def check_shot_noise_stats(shot_noise_stats):
    """Three fixed cases and a random one; names unit slips and the tau/2 of the squared kernel."""
    rng = case_rng()
    cases = [(800, 5.0, 10.0, 4.0), (100, 20.0, 50.0, 2.0), (3000, 2.0, 1.5, 10.0),
             (int(rng.integers(50, 5000)), float(np.round(rng.uniform(0.5, 30.0), 3)),
              float(np.round(rng.uniform(0.5, 60.0), 3)), float(np.round(rng.uniform(1.0, 20.0), 3)))]
    for k, rate, j, tau in cases:
        out = as_tuple(shot_noise_stats(k, rate, j, tau), 2, "shot_noise_stats", "mean_pa, std_pa")
        mean, std = (float(np.asarray(x, dtype=float)) for x in out)
        exp_mean, exp_std = (float(x) for x in reference_shot_noise_stats(k, rate, j, tau))
        where = f"K = {k}, rate = {rate} Hz, J = {j} pA, tau = {tau} ms"
        if np.isclose(std, exp_std ** 2, rtol=1e-6) and np.isclose(mean, exp_mean, rtol=1e-6):
            raise NotYet(f"{where}: you returned the variance {std:.4g} pA^2; the task asks for the standard "
                         f"deviation, {exp_std:.4g} pA (take the square root).")
        if np.isclose(mean, 1000 * exp_mean, rtol=1e-6) or np.isclose(std, np.sqrt(1000) * exp_std, rtol=1e-6):
            raise NotYet(f"{where}: expected mean {exp_mean:.4g} pA and std {exp_std:.4g} pA, got {mean:.4g} and "
                         f"{std:.4g}. Unit slip: a rate in Hz is per second and tau is in ms; convert the rate with "
                         "course_lib.units.hz_to_per_ms (divide by 1000).")
        expect_close(mean, exp_mean, f"{where}: mean", rtol=THEORY_RTOL,
                     hint="Campbell: mean = K * rate * J * (area of the kernel) = K nu J tau.")
        if np.isclose(std, np.sqrt(2) * exp_std, rtol=1e-6):
            raise NotYet(f"{where}: std {std:.4g} pA is sqrt(2) times too large ({exp_std:.4g} pA expected). The "
                         "integral of the squared kernel exp(-2t/tau) is tau/2, not tau.")
        expect_close(std, exp_std, f"{where}: std", rtol=THEORY_RTOL,
                     hint="Campbell: variance = K * rate * J^2 * (integral of k^2) = K nu J^2 tau / 2.")
    return "mean K nu J tau and std sqrt(K nu J^2 tau / 2) right for three cases and a random one"


# --------------------------------------------------------------------------------------------
# (c) simulate the shot noise and compare with Campbell
# --------------------------------------------------------------------------------------------

@check("simulate_shot_noise: a vectorized shot-noise simulation that obeys Campbell's theorem",
       forbid=(theory, ExponentialSynapse, synapses.simulate_synapses))
def check_simulate_shot_noise(simulate_shot_noise):
    """Runs 20 s of shot noise with random K, rate, J and tau; compares mean and std with Campbell; checks that
    the result depends on rng alone. Counts per step and exact spike times are both accepted."""
    rng = case_rng()
    k, rate = int(rng.integers(600, 1500)), float(np.round(rng.uniform(3.0, 10.0), 2))
    j, tau = float(np.round(rng.uniform(2.0, 20.0), 2)), float(np.round(rng.uniform(3.0, 10.0), 2))
    t_stop, dt = 20_000.0, 0.1
    steps = int(round(t_stop / dt))
    trace = _as_array(simulate_shot_noise(k, rate, j, tau, t_stop, dt, np.random.default_rng(1)),
                      "simulate_shot_noise", (steps,))
    exp_mean, exp_std = (float(x) for x in reference_shot_noise_stats(k, rate, j, tau))
    settled = trace[int(round(10 * tau / dt)):]          # skip the first 10 tau (the start from zero)
    mean, std = settled.mean(), settled.std()
    where = f"K = {k} inputs at {rate} Hz, J = {j} pA, tau = {tau} ms, 20 s"
    if np.isclose(mean, 1000 * exp_mean, rtol=0.1):
        raise NotYet(f"{where}: mean {mean:.4g} pA is 1000 times Campbell's {exp_mean:.4g} pA. The expected count "
                     "per step is K * rate * dt with the rate in spikes per ms: use course_lib.units.expected_count"
                     "(k * rate_hz, dt).")
    if np.isclose(mean, exp_mean / k, rtol=0.2):
        raise NotYet(f"{where}: mean {mean:.4g} pA is 1/K of Campbell's {exp_mean:.4g} pA: you simulated one input. "
                     "The sum of K Poisson trains is one Poisson train of rate K * rate: draw counts with that mean.")
    if abs(mean / exp_mean - 1) > SIM_MEAN_RTOL:
        raise NotYet(f"{where}: simulated mean {mean:.4g} pA vs Campbell {exp_mean:.4g} pA "
                     f"({100 * (mean / exp_mean - 1):+.1f} %, allowed {100 * SIM_MEAN_RTOL:.0f} %). Check the "
                     "counts per step (Poisson with mean K rate dt) and the weight J per spike.")
    if abs(std / exp_std - 1) > SIM_STD_RTOL:
        if std < 0.5 * exp_std:
            hint = (" The current barely fluctuates: draw the counts of each step from a Poisson distribution "
                    "(rng.poisson), don't use their expected value.")
        else:
            hint = " Each step must decay the current by exp(-dt/tau) and add J for each spike arriving in it."
        raise NotYet(f"{where}: simulated std {std:.4g} pA vs Campbell {exp_std:.4g} pA "
                     f"({100 * (std / exp_std - 1):+.1f} %, allowed {100 * SIM_STD_RTOL:.0f} %).{hint}")
    seed = int(rng.integers(2 ** 31))
    once, again, other = (_as_array(simulate_shot_noise(k, rate, j, tau, 1000.0, dt, np.random.default_rng(s)),
                                    "simulate_shot_noise") for s in (seed, seed, seed + 1))
    if not np.array_equal(once, again) or np.array_equal(once, other):
        raise NotYet("the statistics are right, but the result must depend only on the rng argument: the same "
                     "generator seed must give the same current and another seed another one. Draw every random "
                     "number with rng (e.g. rng.poisson), not with np.random or a fixed seed.")
    return (f"simulated mean {mean:.2f} pA vs Campbell {exp_mean:.2f} pA ({100 * (mean / exp_mean - 1):+.1f} %), "
            f"std {std:.2f} pA vs {exp_std:.2f} pA ({100 * (std / exp_std - 1):+.1f} %)")


# --------------------------------------------------------------------------------------------
# (d) balanced weights
# --------------------------------------------------------------------------------------------

def reference_balanced_weights(k_e, k_i, rate_e_hz, rate_i_hz, j0_pa, k0):
    """J_E = j0 sqrt(k0 / k_e); J_I such that k_e J_E nu_E = k_i J_I nu_I."""
    j_e = j0_pa * np.sqrt(k0 / k_e)
    return j_e, k_e * rate_e_hz * j_e / (k_i * rate_i_hz)


@check("balanced_weights: J ~ 1/sqrt(K) with excitation and inhibition cancelling",
       forbid=(balanced_models.balanced_couplings,))
def check_balanced_weights(balanced_weights):
    """Several K; then shows that the mean input cancels and the std stays constant with the student's weights."""
    rng = case_rng()
    cases = [(100, 25, 5.0, 5.0, 10.0, 100), (1600, 400, 5.0, 5.0, 10.0, 100), (1000, 250, 2.0, 8.0, 4.0, 50),
             (10_000, 2000, 3.0, 10.0, 20.0, 400),
             (int(rng.integers(50, 20_000)), int(rng.integers(20, 5000)), float(np.round(rng.uniform(1.0, 20.0), 2)),
              float(np.round(rng.uniform(1.0, 40.0), 2)), float(np.round(rng.uniform(1.0, 30.0), 2)),
              int(rng.integers(20, 2000)))]
    for k_e, k_i, nu_e, nu_i, j0, k0 in cases:
        out = as_tuple(balanced_weights(k_e, k_i, nu_e, nu_i, j0, k0), 2, "balanced_weights", "j_e_pa, j_i_pa")
        j_e, j_i = (float(np.asarray(x, dtype=float)) for x in out)
        exp_e, exp_i = reference_balanced_weights(k_e, k_i, nu_e, nu_i, j0, k0)
        where = f"K_E = {k_e}, K_I = {k_i}, rates {nu_e} / {nu_i} Hz, j0 = {j0} pA at K0 = {k0}"
        if np.isclose(j_e, j0 * k0 / k_e, rtol=1e-6) and k_e != k0:
            raise NotYet(f"{where}: J_E = {j_e:.4g} pA scales like 1/K. Then the fluctuations vanish like 1/sqrt(K); "
                         f"the balanced scaling is J_E = j0 sqrt(K0 / K_E) = {exp_e:.4g} pA.")
        expect_close(j_e, exp_e, f"{where}: J_E", rtol=1e-6, hint="J_E = j0 * sqrt(K0 / K_E).")
        if np.isclose(j_i, j_e, rtol=1e-6) and not np.isclose(exp_i, exp_e):
            raise NotYet(f"{where}: J_I = J_E = {j_i:.4g} pA does not cancel the mean: K_E J_E nu_E = "
                         f"{k_e * j_e * nu_e:.4g} but K_I J_I nu_I = {k_i * j_i * nu_i:.4g}. "
                         "Choose J_I so that they are equal.")
        if np.isclose(j_i, j_e * k_i * nu_i / (k_e * nu_e), rtol=1e-6) and not np.isclose(exp_i, j_i):
            raise NotYet(f"{where}: J_I = {j_i:.4g} pA: the ratio is upside down. K_E J_E nu_E = K_I J_I nu_I gives "
                         f"J_I = K_E nu_E J_E / (K_I nu_I) = {exp_i:.4g} pA.")
        expect_close(j_i, exp_i, f"{where}: J_I", rtol=1e-6, hint="J_I = K_E nu_E J_E / (K_I nu_I).")
    syn = ExponentialSynapse(5.0)
    stds = []
    for k_e in (100, 1000, 10_000):
        j_e, j_i = balanced_weights(k_e, k_e // 4, 5.0, 5.0, 10.0, 100)
        mean, std = theory.input_current_mean_std(syn, k_e, k_e // 4, 5.0, 5.0, float(j_e), float(j_i))
        stds.append(float(std))
    return (f"with your weights the mean input cancels (0 pA) and its std stays {stds[0]:.1f}, {stds[1]:.1f}, "
            f"{stds[2]:.1f} pA for K_E = 100, 1000, 10000")
