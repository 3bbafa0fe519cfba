"""Receptors (AMPA, GABA_A, NMDA with Mg2+ block, GABA_B) against their analytic behaviour."""
import numpy as np
import pytest

from course_lib import theory
from course_lib.inputs import regular_spike_counts
from course_lib.receptors import AMPA, GABAA, GABAB, NMDA, mg_block
from course_lib.synapses import SynapticInput, simulate_synapses

DT = 0.1


def one_spike(t_stop, n_spikes=1, interval=0.0):
    spikes = np.zeros(int(round(t_stop / DT)))
    for m in range(n_spikes):
        spikes[int(round(m * interval / DT))] += 1
    return spikes


def test_mg_block_published_values():
    # Jahr & Stevens (1990) with [Mg] = 1 mM: B = 1 / (1 + exp(-0.062 v) / 3.57), values computed by hand
    assert mg_block(0.0) == pytest.approx(1 / (1 + 1 / 3.57))              # 0.781
    assert mg_block(-70.0) == pytest.approx(1 / (1 + np.exp(4.34) / 3.57))   # 0.0445
    assert mg_block(-70.0) == pytest.approx(0.0445, abs=5e-4)
    assert mg_block(-20.0, mg_mm=0.0) == 1.0                                  # no Mg2+, no block
    v = np.linspace(-100, 40, 50)
    assert np.all(np.diff(mg_block(v)) > 0)                                   # depolarisation relieves the block
    assert np.all(mg_block(v, 2.0) < mg_block(v, 1.0))                        # more Mg2+, more block
    # half block where [Mg] exp(-0.062 v) = 3.57: v = ln([Mg]/3.57)/0.062 = -20.5 mV at 1 mM
    assert mg_block(np.log(1 / 3.57) / 0.062) == pytest.approx(0.5)


def test_ampa_and_gaba_a_follow_wang_2002():
    for receptor, tau, e_rev in ((AMPA(), 2.0, 0.0), (GABAA(), 5.0, -70.0)):
        assert receptor.tau_decay == tau and receptor.e_rev == e_rev
        run = simulate_synapses(None, [SynapticInput(receptor, one_spike(50.0))], 50.0, DT, v_clamp=-60.0,
                                record=("s",))
        np.testing.assert_allclose(run.s[:, 0], np.exp(-run.t / tau), atol=1e-12)   # exact between spikes
        assert np.all(receptor.block(np.array([-80.0, 0.0])) == 1.0)


def test_nmda_gating_after_one_spike_matches_exact_solution():
    nmda = NMDA()
    run = simulate_synapses(None, [SynapticInput(nmda, one_spike(300.0))], 300.0, DT, v_clamp=-60.0, record=("s",))
    exact = theory.nmda_gating_after_spike(run.t[::25], nmda)
    # exponential Euler with the exact step mean of x: error ~ (dt/tau_rise)^2 * s ~ 1e-3 at most
    np.testing.assert_allclose(run.s[::25, 0], exact, atol=1e-3)
    # the slow tail is the closed-form increment times exp(-t/tau_decay) (checked at 200-300 ms, where x ~ 0)
    tail = run.t > 200
    np.testing.assert_allclose(run.s[tail, 0], theory.nmda_spike_increment(nmda) * np.exp(-run.t[tail] / 100.0),
                               rtol=2e-3)
    assert theory.nmda_spike_increment(nmda) == pytest.approx(0.648, abs=1e-3)


def test_nmda_saturates_and_troughs_match_the_train_theory():
    nmda = NMDA()
    rates = np.array([5.0, 10.0, 20.0, 40.0])
    counts = regular_spike_counts(rates, rates.size, 2000.0, DT)
    run = simulate_synapses(None, [SynapticInput(nmda, counts)], 2000.0, DT, v_clamp=-60.0, record=("s",))
    last = np.array([np.flatnonzero(counts[:, i])[-1] for i in range(rates.size)])
    troughs = run.s[last - 1, np.arange(rates.size)]
    # the fixed point neglects x left over from the previous spike (exp(-T/tau_rise) < 4e-6 here): 0.1 %
    np.testing.assert_allclose(troughs, theory.nmda_trough_regular_train(nmda, rates), rtol=1e-3)
    assert run.s.max() < 1.0


def test_nmda_iv_curve_from_a_vectorized_voltage_clamp():
    nmda = NMDA()
    v_hold = np.linspace(-100.0, 40.0, 15)
    run = simulate_synapses(None, [SynapticInput(nmda, one_spike(100.0)[:, None] * np.ones(15), weight=2.0)],
                            100.0, DT, v_clamp=v_hold, record=("s", "i_syn"))
    k = np.argmax(run.s[:, 0])
    clamp_current = -run.i_syn[k]
    # the step-mean gating differs from the end-of-step value by < 0.5 % near the peak
    expected = theory.nmda_iv_curve(v_hold, 2.0 * run.s[k, 0])
    np.testing.assert_allclose(clamp_current, expected, rtol=5e-3, atol=1e-3)
    assert v_hold[np.argmin(clamp_current)] == pytest.approx(-20.0, abs=10.0)   # most inward near -20 mV


def test_gabab_peaks_near_100_ms_and_needs_bursts():
    gabab = GABAB()
    spikes = np.stack([one_spike(500.0), one_spike(500.0, 10, 10.0)], axis=1)
    run = simulate_synapses(None, [SynapticInput(gabab, spikes)], 500.0, DT, v_clamp=-60.0, record=("s",))
    # single spike: the small-signal cascade peaks at ln(K4/K2)/(K4-K2) = 102 ms (+ half the 0.3 ms pulse)
    assert run.t[np.argmax(run.s[:, 0])] == pytest.approx(theory.gabab_peak_time(gabab), abs=1.0)
    # G^4 cooperativity: ten spikes give far more than ten times one spike
    assert run.s[:, 1].max() > 100 * 10 * run.s[:, 0].max()


@pytest.mark.parametrize("make, message", [
    (lambda: NMDA(tau_rise=-1.0), "tau_rise must be positive"),
    (lambda: NMDA(alpha=0.0), "alpha must be positive"),
    (lambda: NMDA(mg_mm=-1.0), "mg_mm must be zero or positive"),
    (lambda: AMPA(tau_decay=0.0), "tau_decay must be positive"),
    (lambda: GABAB(k4=-0.1), "k4 must be positive"),
    (lambda: mg_block(-60.0, mg_mm=-0.5), "mg_mm must be zero or positive"),
])
def test_bad_receptor_parameters_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_nmda_rejects_a_step_that_misses_the_rise():
    with pytest.raises(ValueError, match="too large"):
        simulate_synapses(None, [SynapticInput(NMDA(), one_spike(10.0)[:10])], 10.0, dt=1.0, v_clamp=-60.0)
