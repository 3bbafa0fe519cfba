"""The maths toolkit helpers (course_lib.theory.toolkit) against analytic results.

Statistical tests use fixed seeds and tolerances of 4 standard errors (a false alarm about 1 in 16,000);
deterministic ones are compared to round-off or to the known truncation error of the method.
"""
import json
import pathlib
import re

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.special import zeta

from course_lib import analysis, theory
from course_lib.theory import toolkit


def fhn_rhs(state, current, a=0.7, b=0.8, eps=0.08):
    v, w = state
    return np.array([v - v ** 3 / 3 - w + current, eps * (v + a - b * w)])


# --- Jacobians and eigenvalues ---

def test_numerical_jacobian_matches_the_analytic_one():
    point = np.array([-0.9, 0.3])
    jac = toolkit.numerical_jacobian(lambda s: fhn_rhs(s, 0.4), point)
    exact = np.array([[1 - point[0] ** 2, -1.0], [0.08, -0.08 * 0.8]])
    # central differences: error step^2 f'''/6 = 1e-12 / 3 for the cubic; round-off ~1e-16 / 1e-6 = 1e-10
    np.testing.assert_allclose(jac, exact, atol=1e-8)


def test_eigenvalues_from_trace_det_agree_with_numpy():
    rng = np.random.default_rng(3)
    for _ in range(200):
        m = rng.normal(size=(2, 2))
        ours = np.sort_complex(toolkit.eigenvalues_from_trace_det(np.trace(m), np.linalg.det(m)))
        np.testing.assert_allclose(ours, np.sort_complex(np.linalg.eigvals(m).astype(complex)), atol=1e-10)


@pytest.mark.parametrize("matrix, name", [
    ([[-1.0, 0.0], [0.0, -2.0]], "stable node"),
    ([[1.0, 0.0], [0.0, 2.0]], "unstable node"),
    ([[-0.1, -1.0], [1.0, -0.1]], "stable focus"),
    ([[0.1, -1.0], [1.0, 0.1]], "unstable focus"),
    ([[1.0, 0.0], [0.0, -1.0]], "saddle"),
    ([[0.0, -1.0], [1.0, 0.0]], "centre"),
    ([[0.0, 0.0], [0.0, -1.0]], "degenerate"),
])
def test_classify_2d_names_every_kind(matrix, name):
    assert toolkit.classify_2d(matrix) == name


def test_classify_2d_refuses_a_larger_matrix():
    with pytest.raises(ValueError, match="2 x 2"):
        toolkit.classify_2d(np.eye(3))


def test_neutral_mode_projection_is_the_left_eigenvector_projection():
    tau_1, tau_2 = 20.0, 5.0
    jac = np.array([[-1 / tau_1, 1 / tau_1], [1 / tau_2, -1 / tau_2]])
    kick = np.array([1.0, 0.0])
    e0, amount = toolkit.neutral_mode_projection(jac, kick)
    # tau_1 x + tau_2 y is conserved, so the pair settles at x = y = tau_1 / (tau_1 + tau_2)
    np.testing.assert_allclose(amount * e0, [0.8, 0.8], atol=1e-12)
    np.testing.assert_allclose(expm(jac * 500.0) @ kick, amount * e0, atol=1e-12)   # the true flow agrees
    assert abs(e0 @ kick - 0.8 * np.sqrt(2)) > 0.2          # the orthogonal projection would be wrong


def test_neutral_mode_projection_needs_one_zero_eigenvalue():
    with pytest.raises(ValueError, match="exactly one zero eigenvalue"):
        toolkit.neutral_mode_projection(-np.eye(2), [1.0, 0.0])


# --- FitzHugh-Nagumo: fixed point and Hopf point ---

@pytest.mark.parametrize("current", [-0.5, 0.0, 0.33, 1.0])
def test_fhn_fixed_point_is_a_zero_of_the_vector_field(current):
    point = toolkit.fhn_fixed_point(current)
    np.testing.assert_allclose(fhn_rhs(point, current), 0.0, atol=1e-12)
    np.testing.assert_allclose(toolkit.fhn_jacobian(current),
                               toolkit.numerical_jacobian(lambda s: fhn_rhs(s, current), point), atol=1e-8)


def test_fhn_hopf_current_is_where_the_real_part_crosses_zero():
    i_hopf = toolkit.fhn_hopf_current()
    assert i_hopf == pytest.approx(0.331281, abs=1e-6)          # FitzHugh's parameters a, b, eps = 0.7, 0.8, 0.08
    jac = toolkit.fhn_jacobian(i_hopf)
    assert abs(np.trace(jac)) < 1e-12 and np.linalg.det(jac) > 0
    growth = [np.linalg.eigvals(toolkit.fhn_jacobian(i)).real.max() for i in (i_hopf - 1e-3, i_hopf + 1e-3)]
    assert growth[0] < 0 < growth[1]
    omega = abs(np.linalg.eigvals(jac)[0].imag)
    assert omega == pytest.approx(np.sqrt(0.08 * (1 - 0.08 * 0.8 ** 2)), rel=1e-12)


# --- first passage of the Ornstein-Uhlenbeck membrane ---

def test_threshold_shift_constant():
    assert toolkit.THRESHOLD_SHIFT_CONSTANT == pytest.approx(-zeta(0.5) / np.sqrt(2 * np.pi), rel=1e-14)
    assert toolkit.THRESHOLD_SHIFT_CONSTANT == pytest.approx(0.5826, abs=1e-4)
    assert toolkit.discrete_threshold_shift_mv(5.0, 0.05, 20.0) == pytest.approx(0.5826 * 5 * 0.05, rel=1e-4)


def test_first_passage_without_noise_is_the_lif_travel_time():
    # mu above threshold: v relaxes deterministically, T = tau ln((mu - v_r)/(mu - v_th)) = 20 ln 2 ms
    times, _ = toolkit.ou_first_passage_ms(30.0, 1e-9, 3, dt=0.001, t_max=100.0, rng=0)
    exact = 20.0 * np.log(2.0)
    # Euler's local error makes v lag the exact curve by less than a step's worth; crossings are stamped at
    # the end of their step: within 3 steps
    np.testing.assert_allclose(times, exact, atol=0.003)


def test_first_passage_mean_matches_siegert_with_the_time_step_correction():
    mu, sigma, dt, n = 15.0, 5.0, 0.05, 6000
    times, _ = toolkit.ou_first_passage_ms(mu, sigma, n, dt=dt, t_max=3000.0, rng=2026)
    assert np.all(np.isfinite(times))
    shift = toolkit.discrete_threshold_shift_mv(sigma, dt)
    expected = 1000.0 / theory.siegert_rate_hz(mu, sigma, 20.0, 0.0, 20.0 + shift, 10.0)   # t_ref 0: the FPT
    se = times.std(ddof=1) / np.sqrt(n)
    assert abs(times.mean() - expected) < 4 * se, (times.mean(), expected, se)
    uncorrected = 1000.0 / theory.siegert_rate_hz(mu, sigma, 20.0, 0.0, 20.0, 10.0)
    assert times.mean() - uncorrected > 2 * se           # the grid bias is real: the test can see it


def test_first_passage_snapshots_follow_the_free_ou_density_before_anyone_fires():
    mu, sigma, n, t = 15.0, 5.0, 20000, 2.0
    times, snaps = toolkit.ou_first_passage_ms(mu, sigma, n, dt=0.05, t_max=5.0, record_at=[t], rng=5)
    v = snaps[t]
    assert v.size == n - np.count_nonzero(times <= t)
    mean = mu + (10.0 - mu) * np.exp(-t / 20.0)
    var = sigma ** 2 / 2 * (1 - np.exp(-2 * t / 20.0))
    assert abs(v.mean() - mean) < 4 * np.sqrt(var / n)
    assert abs(v.var() / var - 1) < 4 * np.sqrt(2 / n) + 0.01      # + Euler-Maruyama's O(dt/tau) variance error


def test_first_passage_is_reproducible_with_a_seed_and_validates():
    a, _ = toolkit.ou_first_passage_ms(15.0, 5.0, 50, rng=7)
    b, _ = toolkit.ou_first_passage_ms(15.0, 5.0, 50, rng=7)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        toolkit.ou_first_passage_ms(15.0, 0.0, 50)
    with pytest.raises(ValueError):
        toolkit.ou_first_passage_ms(15.0, 5.0, 50, v_th=5.0, v_reset=10.0)


# --- renewal spike trains and the Cramer-Rao bound ---

@pytest.mark.parametrize("shape", [1.0, 4.0, 0.25])
def test_gamma_renewal_trains_have_the_asked_rate_and_cv(shape):
    n, t_stop, rate = 100, 50000.0, 20.0
    times, idx = toolkit.gamma_renewal_spikes(rate, shape, n, t_stop, rng=11)
    assert np.all(np.diff(times) >= 0) and times.min() >= 0 and times.max() < t_stop
    counts = np.bincount(idx, minlength=n)
    rates = counts / (t_stop / 1000.0)
    # count variance of a renewal process over a long window: CV^2 * mean count
    se = np.sqrt(rate * t_stop / 1000.0 / shape) / (t_stop / 1000.0) / np.sqrt(n)
    assert abs(rates.mean() - rate) < 4 * se
    intervals = np.concatenate([analysis.isis(times[idx == i]) for i in range(n)])
    cv = intervals.std() / intervals.mean()
    per_train = [analysis.cv_isi(times[idx == i]) for i in range(n)]
    assert abs(cv - 1 / np.sqrt(shape)) < 4 * np.std(per_train, ddof=1) / np.sqrt(n)


def test_poisson_fano_factor_is_one_and_gamma_tends_to_cv_squared():
    times, idx = toolkit.gamma_renewal_spikes(20.0, 4.0, 300, 40000.0, rng=12)
    counts = analysis.spike_counts(times, idx, np.arange(300), 0.0, 40000.0, 2000.0)
    fano = counts.var(axis=1, ddof=1) / counts.mean(axis=1)
    expected = 0.25 + (1 - 1 / 16) / 6 / 40        # CV^2 + c / (nu T), Cox (1962), nu T = 40
    assert abs(fano.mean() - expected) < 4 * fano.std(ddof=1) / np.sqrt(300)


def test_cramer_rao_bound_of_a_poisson_rate():
    assert toolkit.poisson_rate_cramer_rao_hz2(20.0, 500.0) == pytest.approx(40.0, rel=1e-12)
    rng = np.random.default_rng(13)
    n = 40000
    estimates = rng.poisson(10.0, size=n) / 0.5           # N / T for 20 Hz in 500 ms
    var = estimates.var(ddof=1)
    assert abs(var / 40.0 - 1) < 4 * np.sqrt(2 / (n - 1))   # N / T is efficient: it reaches the bound
    with pytest.raises(ValueError):
        toolkit.poisson_rate_cramer_rao_hz2(20.0, 0.0)


# --- links from the lectures into the toolkit (CONVENTIONS section 20) ---

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
TOOLKIT = NOTEBOOKS / "90_maths_toolkit.ipynb"
LINK = re.compile(r"90_maths_toolkit\.ipynb#([A-Za-z0-9_-]+)")
# where the issue found mathematics used without introduction (issue 18): lecture -> anchors it must link
REQUIRED_LINKS = {"02": {"jacobian-2d"}, "03": {"hopf"}, "07": {"first-passage"}, "08": {"neutral-mode", "cramer-rao"},
                  "09": {"jacobian-2d"}}


def markdown_of(path):
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "markdown"]


def toolkit_anchors():
    return set(re.findall(r'<a id="([A-Za-z0-9_-]+)"></a>', "\n".join(markdown_of(TOOLKIT))))


def lecture_links():
    links = {}
    for path in sorted(NOTEBOOKS.glob("[0-8][0-9]_*.ipynb")):
        links[path.name[:2]] = set(LINK.findall("\n".join(markdown_of(path))))
    return links


def test_every_link_into_the_toolkit_names_an_anchor_that_exists():
    anchors = toolkit_anchors()
    assert {"fixed-points-1d", "jacobian-2d", "hopf", "first-passage", "poisson", "cramer-rao"} <= anchors
    broken = {lecture: sorted(found - anchors) for lecture, found in lecture_links().items() if found - anchors}
    assert not broken, f"links to anchors missing from 90_maths_toolkit.ipynb: {broken}"


def test_lectures_link_the_toolkit_where_they_first_need_it():
    links = lecture_links()
    missing = {lecture: sorted(need - links.get(lecture, set())) for lecture, need in REQUIRED_LINKS.items()
               if need - links.get(lecture, set())}
    assert not missing, f"lectures that use the mathematics without linking the toolkit: {missing}"
