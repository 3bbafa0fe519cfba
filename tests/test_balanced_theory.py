"""course_lib.theory.balanced: the balanced state, van Vreeswijk & Sompolinsky's mean field, the
Siegert rate and Brunel's self-consistent rate, against published formulas and limits."""
import numpy as np
import pytest
from scipy.integrate import quad

from course_lib import theory
from course_lib.models.balanced import BRUNEL_NEURON, VVS_COUPLINGS, brunel_couplings, brunel_threshold_rate_hz


# --- the balanced state ----------------------------------------------------------------------------

def vvs_couplings(e, i, j_e, j_i):
    return {("E", "E"): 1.0, ("E", "I"): -j_e, ("I", "E"): 1.0, ("I", "I"): -j_i, ("E", "X"): e, ("I", "X"): i}


@pytest.mark.parametrize("e, i, j_e, j_i", [(1.0, 0.8, 2.0, 1.8), (1.2, 0.7, 1.5, 1.1), (1.0, 0.5, 3.0, 2.0)])
def test_balanced_rates_follow_van_vreeswijk_sompolinsky(e, i, j_e, j_i):
    # vVS 1998, section 4: m_E = (E J_I - I J_E) / (J_E - J_I) m0, m_I = (E - I) / (J_E - J_I) m0
    m0 = 0.1
    expected = np.array([(e * j_i - i * j_e) / (j_e - j_i), (e - i) / (j_e - j_i)]) * m0
    assert np.allclose(theory.balanced_rates(m0, vvs_couplings(e, i, j_e, j_i)), expected, rtol=1e-12)


def test_published_vvs_parameters_give_rates_equal_to_the_external_rate():
    # E = 1, I = 0.8, J_E = 2, J_I = 1.8: both populations are as active as the external one
    assert np.allclose(theory.balanced_rates(0.1, VVS_COUPLINGS), [0.1, 0.1])
    assert theory.balance_conditions(VVS_COUPLINGS)
    assert not theory.balance_conditions(vvs_couplings(0.8, 1.0, 2.0, 1.8))     # E/I < J_E/J_I


def test_balanced_rates_are_linear_in_the_input():
    rates = np.array([theory.balanced_rates(nu, VVS_COUPLINGS) for nu in (2.0, 4.0, 8.0)])
    assert np.allclose(rates[1], 2 * rates[0]) and np.allclose(rates[2], 4 * rates[0])


def test_brunel_model_balance_uses_the_symmetric_solution():
    # identical E and I neurons: nu = nu_ext / (g gamma - 1) (K -> infinity limit of Brunel 2000, eq. 12)
    assert np.allclose(theory.balanced_rates(10.0, brunel_couplings(g=8.0)), [10.0, 10.0])
    assert np.allclose(theory.balanced_rates(10.0, brunel_couplings(g=6.0)), [20.0, 20.0])
    with pytest.raises(ValueError, match="inhibition does not dominate"):
        theory.balanced_rates(10.0, brunel_couplings(g=3.0))


def test_impossible_balance_is_rejected():
    with pytest.raises(ValueError, match="negative rates"):
        theory.balanced_rates(0.1, vvs_couplings(0.8, 1.0, 2.0, 1.8))


# --- van Vreeswijk & Sompolinsky's mean field at finite K -----------------------------------------

def test_gaussian_tail():
    assert theory.gaussian_tail(0.0) == pytest.approx(0.5)
    assert theory.gaussian_tail(1.959964) == pytest.approx(0.025, rel=1e-5)


@pytest.mark.parametrize("fixed_indegree", [False, True])
def test_vvs_mean_field_approaches_the_balanced_state_as_one_over_sqrt_k(fixed_indegree):
    # the O(1) threshold terms are divided by sqrt(K): 100 times more K, 10 times closer (to 2 %
    # at K = 1e6 -> 1e8; at smaller K the next order in 1/sqrt(K) still shows: ratio 8.6 at 1e4 -> 1e6)
    balanced = theory.balanced_rates(0.1, VVS_COUPLINGS)
    deviation = {k: np.abs(theory.vvs_mean_field(k, 0.1, fixed_indegree=fixed_indegree) - balanced)
                 for k in (1e4, 1e6, 1e8)}
    assert np.allclose(deviation[1e6] / deviation[1e8], 10.0, rtol=0.03)
    assert np.all(deviation[1e4] > deviation[1e6]) and np.all(deviation[1e8] < 3e-4)


def test_vvs_mean_field_solves_its_equations():
    k, m0 = 1000, 0.1
    m = theory.vvs_mean_field(k, m0)
    j = np.array([[1.0, -2.0], [1.0, -1.8]])
    mean = np.sqrt(k) * (np.array([1.0, 0.8]) * m0 + j @ m)
    alpha = (j ** 2) @ m
    assert np.allclose(m, theory.gaussian_tail((np.array([1.0, 0.7]) - mean) / np.sqrt(alpha)), atol=1e-10)


# --- the Siegert rate ---------------------------------------------------------------------------------

def test_siegert_rate_tends_to_the_deterministic_lif_rate():
    # sigma -> 0 above threshold: the Part I formula 1 / (t_ref + tau ln((mu - V_r)/(mu - theta)))
    for mu in (22.0, 30.0, 50.0):
        deterministic = theory.lif_rate_hz(BRUNEL_NEURON, mu * BRUNEL_NEURON.g_l)
        assert theory.siegert_rate_hz(mu, 0.01) == pytest.approx(deterministic, rel=2e-3)
    assert theory.siegert_rate_hz(5.0, 0.5) == 0.0          # 30 sigma below threshold


def test_siegert_rate_equals_the_alternative_integral_form():
    # Brunel & Hakim (1999): sqrt(pi) int exp(x^2)(1 + erf x) dx = int_0^inf exp(-u^2)/u (e^{2 y_t u} - e^{2 y_r u}) du
    tau, t_ref, theta, v_r = 20.0, 2.0, 20.0, 10.0
    for mu, sigma in ((15.0, 4.0), (19.0, 2.0), (25.0, 5.0)):
        y_t, y_r = (theta - mu) / sigma, (v_r - mu) / sigma
        integral, _ = quad(lambda u: (np.exp(-u * u + 2 * y_t * u) - np.exp(-u * u + 2 * y_r * u)) / u, 0, np.inf)
        assert theory.siegert_rate_hz(mu, sigma) == pytest.approx(1000.0 / (t_ref + tau * integral), rel=1e-7)


def test_siegert_rate_grows_with_mean_and_fluctuations_below_threshold():
    rates = theory.siegert_rate_hz(np.array([10.0, 15.0, 19.0]), 3.0)
    assert np.all(np.diff(rates) > 0)
    assert theory.siegert_rate_hz(15.0, 6.0) > theory.siegert_rate_hz(15.0, 3.0)
    with pytest.raises(ValueError, match="sigma_mv"):
        theory.siegert_rate_hz(15.0, 0.0)


# --- Brunel's network ---------------------------------------------------------------------------------

def test_brunel_threshold_rate_is_10_hz():
    # Brunel (2000), section 2: nu_thr = theta / (J C_E tau) = 20 / (0.1 * 1000 * 20 ms) = 10 Hz
    assert brunel_threshold_rate_hz(0.1, 1000) == pytest.approx(10.0)


@pytest.mark.parametrize("g, eta", [(5.0, 2.0), (6.0, 4.0), (8.0, 1.5)])
def test_brunel_rate_is_self_consistent(g, eta):
    nu = theory.brunel_rate_hz(g, eta)
    c_e, j, tau, gamma = 1000, 0.1, 20.0, 0.25
    nu_ext = eta * 10.0
    mu = c_e * j * tau * (nu_ext + nu * (1 - g * gamma)) / 1000
    sigma = np.sqrt(c_e * j ** 2 * tau * (nu_ext + nu * (1 + g ** 2 * gamma)) / 1000)
    assert theory.siegert_rate_hz(mu, sigma) == pytest.approx(nu, rel=1e-8)


def test_brunel_rate_approaches_the_high_inhibition_estimate():
    # the estimate (nu_ext - nu_thr)/(g gamma - 1) assumes a mean input at threshold: the full
    # solution is within 10 % of it in the inhibition-dominated AI regime (g = 5 to 8, eta = 2 to 4)
    for g, eta in ((5.0, 2.0), (6.0, 3.0), (8.0, 4.0)):
        assert theory.brunel_rate_hz(g, eta) == pytest.approx(theory.brunel_balanced_rate_hz(g, eta), rel=0.1)
    with pytest.raises(ValueError, match="must exceed 1"):
        theory.brunel_balanced_rate_hz(3.0, 2.0)


def test_general_network_rates_reduce_to_brunel():
    g, eta = 6.0, 3.0
    j = 0.1
    rates = theory.lif_network_rates_hz([[j, -g * j], [j, -g * j]], [[1000, 250], [1000, 250]], [j, j],
                                        [1000, 1000], eta * 10.0, guess_hz=[30.0, 30.0])
    assert np.allclose(rates, theory.brunel_rate_hz(g, eta), rtol=1e-6)


def test_balanced_lif_rates_approach_the_balanced_state():
    # finite-K mean field of the balanced LIF network: the gap to nu0 / (g gamma - 1) shrinks with K
    gaps = [10.0 - theory.balanced_lif_rates_hz(k, 10.0)[0] for k in (400, 1600, 6400)]
    assert gaps[0] > gaps[1] > gaps[2] > 0
    assert gaps[1] / gaps[2] == pytest.approx(2.0, rel=0.25)      # about 1/sqrt(K) at large K
    inputs = theory.balanced_lif_input_mv(1000, [10.0, 10.0], 10.0)
    net = inputs["exc"] + inputs["inh"] + inputs["ext"]
    assert np.allclose(net, 0.0, atol=1e-9)                      # the balanced rates cancel the input
