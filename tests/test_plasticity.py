"""Tsodyks-Markram short-term plasticity: event-driven and per-step forms against the steady-state theory."""
import numpy as np
import pytest

from course_lib import theory
from course_lib.inputs import regular_spike_counts
from course_lib.plasticity import TsodyksMarkram

SETS = {"depressing": TsodyksMarkram.depressing(), "facilitating": TsodyksMarkram.facilitating(),
        "mongillo2008": TsodyksMarkram.mongillo2008()}


@pytest.mark.parametrize("name", SETS)
def test_steady_state_of_regular_trains(name):
    stp = SETS[name]
    for rate in (2.0, 10.0, 40.0):
        eff = stp.efficacies(np.arange(0.0, 20_000.0, 1000.0 / rate))
        # 20 s >> tau_d, tau_f: the transient has died out to machine precision
        assert eff[-1] == pytest.approx(theory.stp_steady_efficacy(stp, rate), rel=1e-8)


@pytest.mark.parametrize("name", SETS)
def test_first_spikes_and_paired_pulse_ratio(name):
    stp = SETS[name]
    eff = stp.efficacies([0.0, 50.0])
    assert eff[0] == pytest.approx(stp.u_rest + stp.u_se * (1 - stp.u_rest))
    assert eff[1] / eff[0] == pytest.approx(theory.stp_paired_pulse_ratio(stp, 50.0), rel=1e-12)


def test_depression_and_facilitation_go_the_right_way():
    dep, fac = SETS["depressing"], SETS["facilitating"]
    assert theory.stp_paired_pulse_ratio(dep, 50.0) < 1 < theory.stp_paired_pulse_ratio(fac, 50.0)
    rates = np.array([1.0, 10.0, 100.0])
    assert np.all(np.diff(theory.stp_steady_efficacy(dep, rates)) < 0)
    # depressing synapse: rate x efficacy saturates at 1/tau_d (1.25 per s) at high rates
    assert 100.0 * theory.stp_steady_efficacy(dep, 100.0) == pytest.approx(1000.0 / dep.tau_d, rel=0.05)


def test_per_step_form_matches_event_driven_and_is_vectorized():
    stp, dt = SETS["facilitating"], 0.1
    rates = np.array([5.0, 20.0, 50.0])
    counts = regular_spike_counts(rates, 3, 3000.0, dt)
    state = stp.initial_state(3)
    efficacy = np.array([stp.step(state, counts[k], dt) for k in range(counts.shape[0])])
    for i in range(3):
        k = np.flatnonzero(counts[:, i])
        # spikes sit on the dt grid in both forms: identical to rounding
        np.testing.assert_allclose(efficacy[k, i], stp.efficacies(k * dt), rtol=1e-10)
    assert np.all(efficacy[counts == 0] == 0)


def test_on_spike_is_the_event_driven_update():
    stp = SETS["mongillo2008"]
    u, x = np.full(4, stp.u_rest), np.ones(4)
    u, x, eff = stp.on_spike(u, x, np.inf)
    assert np.allclose(eff, 0.2 + 0.2 * 0.8)
    gap = np.array([1.0, 10.0, 100.0, 1e6])
    u2, x2, eff2 = stp.on_spike(u, x, gap)
    u_before = 0.2 + (0.36 - 0.2) * np.exp(-gap / 1500.0)          # by hand, Mongillo et al. (2008) equations
    x_before = 1.0 - 0.36 * np.exp(-gap / 200.0)
    np.testing.assert_allclose(eff2, (u_before + 0.2 * (1 - u_before)) * x_before, rtol=1e-12)
    np.testing.assert_allclose(x2, x_before * (1 - (u_before + 0.2 * (1 - u_before))), rtol=1e-12)
    assert np.isclose(eff2[3], eff[0])                                # a long pause: fully rested again


@pytest.mark.parametrize("kwargs, message", [
    (dict(u_se=1.5), "u_se must lie between 0.0 and 1.0"),
    (dict(u_se=-0.1), "u_se must lie between"),
    (dict(tau_d=0.0), "tau_d must be positive"),
    (dict(tau_f=-5.0), "tau_f must be zero or positive"),
    (dict(u_rest=2.0), "u_rest must lie between"),
])
def test_bad_parameters_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TsodyksMarkram(**kwargs)
