"""Working memory (chapter 09): the STP mean-field steady state against simulated synapses, the rate
model against its fixed-point theory, and the spiking network of Mongillo, Barak & Tsodyks (2008):
its wiring and bookkeeping, and the cued population (and only it) reactivated by a read-out."""
import dataclasses

import numpy as np
import pytest

from course_lib import theory
from course_lib.models.working_memory import (MongilloNetwork, Pulse, RateModel, RatePulse, cue, population_spike_times,
                                              rate_cue, readout, readout_response, simulate_rates)
from course_lib.network import simulate_network
from course_lib.plasticity import TsodyksMarkram

STP = TsodyksMarkram.mongillo2008()
RATE = RateModel()


# ------------------------------------------------------------------ STP at a steady rate

def poisson_time_averages(stp, rates_hz, n_per_rate, t_stop, dt, seed):
    """Time-averaged u and x of n_per_rate synapses per rate, each driven by its own Poisson train."""
    rng = np.random.default_rng(seed)
    rate_of = np.repeat(rates_hz, n_per_rate)
    state = stp.initial_state(rate_of.size)
    p_spike = rate_of * dt / 1000.0
    u_sum, x_sum, n_avg, warmup = 0.0, 0.0, 0, int(5 * stp.tau_f / dt)
    for k in range(int(t_stop / dt)):
        stp.step(state, rng.random(rate_of.size) < p_spike, dt)
        if k >= warmup:
            u_sum, x_sum, n_avg = u_sum + state["u"], x_sum + state["x"], n_avg + 1
    shape = (len(rates_hz), n_per_rate)
    return (u_sum / n_avg).reshape(shape).mean(1), (x_sum / n_avg).reshape(shape).mean(1)


def test_stp_mean_field_steady_state_matches_poisson_driven_synapses():
    rates = np.array([1.0, 5.0, 20.0])
    u_sim, x_sim = poisson_time_averages(STP, rates, 100, 25_000.0, 1.0, seed=3)
    u_th, x_th = theory.stp_poisson_steady_state(STP, rates)
    # u: exact in theory (Poisson spikes do not see u); 100 synapses x 17.5 s after the warm-up give a
    # statistical error below 1 %, and the Bernoulli steps (rate dt <= 2 %) bias it by < 1 %: 3 %
    np.testing.assert_allclose(u_sim, u_th, rtol=0.03)
    # x: mean field neglects the correlation of u+ and x at a spike; it is worth a few % here: 6 %
    np.testing.assert_allclose(x_sim, x_th, rtol=0.06)


def test_stp_steady_states_limits_and_consistency():
    u, x = theory.stp_poisson_steady_state(STP, np.array([1e-9, 1e6]))
    assert u[0] == pytest.approx(STP.u_rest) and x[0] == pytest.approx(1.0)   # silent: rested synapse
    assert u[1] == pytest.approx(1.0, abs=1e-5) and x[1] < 1e-3                 # very fast: facilitated, empty
    # the rate model's fixed point makes du/dt and dx/dt vanish at constant rate
    r = np.array([0.5, 3.0, 30.0])
    u_r, x_r = theory.rate_model_stp_steady_state(RATE, r)
    r_ms = r / 1000.0
    assert np.allclose((RATE.u_se - u_r) / RATE.tau_f + RATE.u_se * (1 - u_r) * r_ms, 0.0, atol=1e-15)
    assert np.allclose((1 - x_r) / RATE.tau_d - u_r * x_r * r_ms, 0.0, atol=1e-15)
    # for a regular train (exact theory in theory/synapses) u just after a spike exceeds the Poisson mean
    u_reg, _ = theory.stp_steady_state(STP, 5.0)
    assert u_reg > theory.stp_poisson_steady_state(STP, 5.0)[0]


def test_memory_lifetime_and_recovery_time_invert_the_relaxation():
    u0, x0 = 0.7, 0.3
    t_life = theory.memory_lifetime_ms(u0, 0.4, STP.u_rest, STP.tau_f)
    u_then, _ = STP.relax(u0, 1.0, t_life)
    assert u_then == pytest.approx(0.4, rel=1e-12)
    t_rec = theory.recovery_time_ms(x0, 0.8, STP.tau_d)
    _, x_then = STP.relax(STP.u_rest, x0, t_rec)
    assert x_then == pytest.approx(0.8, rel=1e-12)
    # with ongoing release k x per ms: integrate dx/dt = (1 - x)/tau_d - k x with small Euler steps
    k, dt, x, t = 0.002, 0.01, x0, 0.0
    while x < 0.6:
        x += dt * ((1.0 - x) / STP.tau_d - k * x)
        t += dt
    # Euler with dt = 0.01 ms against a recovery of ~300 ms: error of order dt, far below 0.1 %
    assert theory.recovery_time_ms(x0, 0.6, STP.tau_d, k) == pytest.approx(t, rel=1e-3)
    assert np.isnan(theory.recovery_time_ms(x0, 0.9, STP.tau_d, k))          # beyond the plateau 1/(1 + 0.4)


# ------------------------------------------------------------------ rate model

def test_rate_function_and_its_inverse():
    r = np.array([1e-3, 0.5, 5.0, 80.0])
    assert np.allclose(RATE.rate_hz(RATE.input_for_rate(r)), r, rtol=1e-10)
    assert RATE.rate_hz(100.0) == pytest.approx(100.0, rel=1e-12)              # threshold-linear far above 0


@pytest.mark.parametrize("i_b", [2.0, 8.0])
def test_spontaneous_state_matches_uniform_fixed_point(i_b):
    # 10 s = 6.7 tau_f: u has relaxed to 0.1 % of its initial distance from the fixed point
    run = simulate_rates(dataclasses.replace(RATE, i_b=i_b), 10_000.0, dt=0.5, record_every=100)
    rate = run.r[-1, 0]
    r_grid = np.linspace(0.01, 1.0, 20000)
    r_theory = r_grid[np.argmin(np.abs(theory.uniform_state_background(RATE, r_grid) - i_b))]
    # grid spacing 5e-5 Hz; exponential Euler has the same fixed points as the equations: 0.2 %
    assert rate == pytest.approx(r_theory, rel=2e-3)
    assert np.ptp(run.r[-1]) < 1e-9                                            # all populations alike


def test_one_item_state_is_reached_after_a_cue_where_it_is_stable():
    r_active = 12.0
    i_b, r_other = theory.one_item_state(RATE, r_active)
    model = dataclasses.replace(RATE, i_b=float(i_b))
    state = theory.rate_model_fixed_point(model, np.where(np.arange(model.p) == 0, r_active, float(r_other)))
    assert theory.rate_model_growth_rate(model, state) < 0                      # stable fixed point
    run = simulate_rates(model, 6000.0, pulses=[rate_cue(0, 200.0)], dt=0.2)
    # after 6 s the slowest mode (u of the silent populations, tau_f = 1.5 s) has decayed by e^-3.8
    assert run.r[-1, 0] == pytest.approx(r_active, rel=0.01)
    assert run.r[-1, 1] == pytest.approx(float(r_other), rel=0.05, abs=1e-3)


def test_stability_predicts_whether_a_perturbation_grows():
    # uniform state: stable at I_b = 8, unstable at I_b = 20 (one population breaks away)
    for i_b, grows in ((8.0, False), (20.0, True)):
        r = np.linspace(0.01, 2.0, 40000)
        r0 = r[np.argmin(np.abs(theory.uniform_state_background(RATE, r) - i_b))]
        model = dataclasses.replace(RATE, i_b=i_b)
        state = theory.rate_model_fixed_point(model, np.full(model.p, r0))
        assert (theory.rate_model_growth_rate(model, state) > 0) == grows
        state["h"] = state["h"] + 1e-3 * np.arange(model.p) / model.p           # break the symmetry slightly
        run = simulate_rates(model, 2000.0, dt=0.2, state=state)
        spread = np.ptp(run.r[-1])
        assert (spread > 1.0) == grows, spread


def test_bistable_range_has_three_fixed_points_inside_and_one_outside():
    single = RateModel(p=1)
    low, high = theory.rate_model_bistable_range(single)
    assert low < high
    r = np.logspace(-4, 2.5, 20000)
    curve = theory.uniform_state_background(single, r)
    for i_b, n_expected in ((0.5 * (low + high), 3), (low - 0.5, 1), (high + 0.5, 1)):
        n_roots = np.count_nonzero(np.diff(np.sign(curve - i_b)))
        assert n_roots == n_expected
    assert np.isnan(theory.rate_model_bistable_range(RATE)[0])                 # p = 16: the curve is monotonic


def test_readout_after_short_delay_succeeds_after_long_delay_fails():
    out = readout_response(dataclasses.replace(RATE, i_b=0.0), [500.0, 6000.0])
    assert out["peak_hz"][0] > 100.0 and out["peak_hz"][1] < 10.0               # a population spike, or none
    assert out["u"][0] > out["u"][1]
    assert np.all(out["other_peak_hz"] < 5.0)                                  # the uncued populations stay low


def test_population_spike_times_finds_separated_peaks():
    t = np.arange(0.0, 1000.0, 1.0)
    rate = 1.0 + 100.0 * (np.exp(-0.5 * ((t - 200) / 5) ** 2) + np.exp(-0.5 * ((t - 520) / 5) ** 2))
    assert np.allclose(population_spike_times(t, rate, 40.0, 50.0), [200.0, 520.0])
    assert population_spike_times(t, np.ones_like(t)).size == 0


# ------------------------------------------------------------------ spiking network

SMALL = MongilloNetwork(n_e=800, n_i=200)


def test_wiring_keeps_k_times_j_of_the_published_network():
    conn, delays = SMALL.connect(1)
    dense = conn.to_dense()                                                      # W[target, source]
    item0, item1 = SMALL.members(0), SMALL.members(1)
    within = dense[np.ix_(item0, item0)].sum(axis=1).mean()
    # each neuron of item 0: c n_pop inputs from its own population of J_p (800/8000 scaled) on average
    expected = SMALL.c * SMALL.n_pop * SMALL.j_p * SMALL.e_scale
    assert within == pytest.approx(expected, rel=0.05)                           # 80 x 16 inputs: ~2 % s.e.
    assert within == pytest.approx(0.2 * 800 * 0.45, rel=0.05)                   # = K J of the paper (800 per item)
    across = dense[np.ix_(item0, item1)].sum(axis=1).mean()
    assert across == pytest.approx(SMALL.c * SMALL.n_pop * SMALL.j_b * SMALL.e_scale, rel=0.05)
    inhibitory = dense[:SMALL.n_e, SMALL.n_e:]
    assert inhibitory.max() <= 0 and inhibitory.min() == pytest.approx(-SMALL.j_ei * SMALL.i_scale)
    assert delays.min() >= SMALL.delay_min and delays.max() <= SMALL.delay_max
    assert np.all(np.diag(dense) == 0)                                          # no autapses
    on_grid = SMALL.synapse_delays(delays)                                      # what the engine gets
    assert np.all(np.abs(on_grid - delays) <= SMALL.delay_step / 2 + 1e-6)      # the nearest multiple of 0.2 ms
    assert set(np.round(on_grid / SMALL.delay_step).astype(int)) == {1, 2, 3, 4, 5}


def test_the_engine_network_has_the_published_structure():
    net = SMALL.network([cue(1, 50.0)], seed=1)
    assert [p.name for p in net.populations] == ["item 1", "item 2", "item 3", "item 4", "item 5", "non-selective", "I"]
    assert net.ranges["item 2"] == (80, 160) and net.n_e == 800
    assert net.stp.sources == net.stp.targets == ("item 1", "item 2", "item 3", "item 4", "item 5", "non-selective")
    drive, = net.drives
    assert drive.sigma_mv == SMALL.sigma_ext
    before, during, after = drive.mean_at(49.8), drive.mean_at(0.2 * 250), drive.mean_at(400.0)
    assert np.all(before[:SMALL.n_e] == SMALL.mu_ext_e) and np.all(before[SMALL.n_e:] == SMALL.mu_ext_i)
    assert np.all(during[80:160] == pytest.approx(1.15 * SMALL.mu_ext_e))      # the cue, from the step at 50 ms
    assert np.all(np.delete(during, np.arange(80, 160)) == before[np.r_[0:80, 160:SMALL.n]])
    assert np.all(after == before)


def test_event_driven_stp_of_each_neuron_matches_its_spike_train():
    result = simulate_network(SMALL.network([cue(0, 100.0)], seed=4), 600.0, dt=0.2, seed=4)
    state = result.info["state"]["stp"]
    counts = np.bincount(result.spike_indices, minlength=SMALL.n)[:SMALL.n_e]
    several = np.flatnonzero(counts >= 2)                                          # E neurons with an interval
    assert several.size >= 5
    for neuron in several[np.linspace(0, several.size - 1, 5).astype(int)]:       # cued item to non-selective
        train = result.spike_times[result.spike_indices == neuron]
        efficacies = STP.efficacies(train)
        u, x = STP.on_spike(STP.u_rest, 1.0, np.inf)[:2]
        for gap in np.diff(train):
            u, x, _ = STP.on_spike(u, x, gap)
        assert state["u"][neuron] == pytest.approx(u, rel=1e-12)
        assert state["x"][neuron] == pytest.approx(x, rel=1e-12)
        assert efficacies[0] == pytest.approx(0.36)                               # U + U (1 - U) at rest
    inhibitory = np.arange(SMALL.n_e, SMALL.n)
    assert np.all(state["x"][inhibitory] == 1.0)                                  # I synapses are not plastic


@pytest.mark.slow
def test_readout_reactivates_the_cued_population_and_only_it():
    # half the published size, background 22.3 mV: the delay is silent (the regime of the lecture)
    # The read-out comes 650 ms after the cue ends: with 20 seeds (41-60: wiring and noise) item 1 peaked at
    # 104-194 Hz and no other item above 6.5 Hz. Later read-outs meet a weaker trace: 1050 ms after the cue item 1
    # answered in 29 of 40 seeds (the loop of chapter 09 before issue 15: 34 of 40), and never another item.
    net = MongilloNetwork(n_e=4000, n_i=1000, mu_ext_e=22.3)
    t_read = 1200.0
    result = simulate_network(net.network([cue(0, 200.0), readout(t_read)], seed=2), t_read + 400.0, dt=0.2, seed=2,
                              record_stp_ms=5.0)
    t_delay = (800.0, t_read)                                                    # from 250 ms after the cue
    items = net.group_names[:net.p]
    for item, name in enumerate(items):
        t, rate = result.rate_hz(name, bin_ms=5.0)
        in_readout = (t >= t_read) & (t < t_read + 250.0)
        spikes = population_spike_times(t[in_readout], rate[in_readout], threshold_hz=40.0)
        # a population spike: most of the 400 neurons fire within ~10 ms (> 40 Hz in a 5 ms bin);
        # the spontaneous rate is ~0.2 Hz, so 40 Hz in a bin never happens by chance (Poisson tail)
        assert (spikes.size > 0) == (item == 0), (item, spikes)
        assert result.mean_rate_hz(name, *t_delay) < 1.0                         # silent delay
    i_u = np.searchsorted(result.stp["t"], [600.0, t_read - 10.0])
    u = np.array([result.stp["u"][name] for name in items]).T
    assert u[i_u[0], 0] > 0.5 and u[i_u[1], 0] > 0.35                            # facilitation held by item 0
    assert np.all(u[i_u[1], 1:] < 0.3)                                            # not by the others


def test_invalid_parameters_are_rejected():
    with pytest.raises(ValueError, match="tau_f"):
        MongilloNetwork(tau_f=-1.0)
    with pytest.raises(ValueError, match="v_th"):
        MongilloNetwork(v_reset_e=25.0)
    with pytest.raises(ValueError, match="c must lie"):
        MongilloNetwork(c=1.5)
    with pytest.raises(ValueError, match="p f"):
        MongilloNetwork(p=12)
    with pytest.raises(ValueError, match="u_se"):
        RateModel(u_se=1.2)
    with pytest.raises(ValueError, match="tau_d"):
        RateModel(tau_d=0.0)
    with pytest.raises(ValueError, match="dt"):
        simulate_network(SMALL.network(seed=1), 100.0, dt=0.5)
    with pytest.raises(ValueError, match="multiples of dt"):                      # delays on the 0.2 ms grid
        simulate_network(SMALL.network(seed=1), 100.0, dt=0.15)
    with pytest.raises(ValueError, match="dt"):
        simulate_rates(RATE, 100.0, dt=5.0)
    with pytest.raises(ValueError, match="t_off"):
        Pulse(100.0, 50.0, 1.1)
    with pytest.raises(ValueError, match="group"):
        SMALL.network([Pulse(0.0, 10.0, 1.1, 9)], seed=1)
    with pytest.raises(ValueError, match="population"):
        simulate_rates(RATE, 100.0, pulses=[RatePulse(0.0, 10.0, 5.0, 20)])
    with pytest.raises(ValueError, match="i_b"):
        simulate_rates(RATE, 100.0, i_b=np.ones((2, 2)))


def test_simulate_rates_is_the_plain_loop_of_steps_bit_for_bit():
    # simulate_rates hands each step the rates of the previous one and finds the pulses' steps once; the same
    # numbers as stepping by hand with the input of each step's middle (a pulse starting between grid points too)
    model, dt = RateModel(), 0.1
    pulses = [rate_cue(0, 200.0), RatePulse(215.03, 260.0, 30.0, "all")]
    run = simulate_rates(model, 400.0, pulses, dt=dt)
    state = model.initial_state()
    for k in range(run.t.size):
        extra = sum((p.amount_hz * (np.arange(model.p) == p.target if p.target != "all" else 1.0)
                     for p in pulses if p.t_on <= k * dt + 0.5 * dt < p.t_off), np.zeros(model.p))
        rates = model.step(state, extra, dt)
        assert np.array_equal(run.r[k], rates) and np.array_equal(run.u[k], state["u"]), k
