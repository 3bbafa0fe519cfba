"""Decision making (chapter 10): the reduced Wong & Wang (2006) model against its phase-plane theory,
its behaviour (accuracy, decision times), the psychometric fit, and Wang's (2002) spiking network
against the published firing rates."""
import dataclasses

import numpy as np
import pytest
from scipy.optimize import fsolve

from course_lib import theory
from course_lib.models.decision import (WangNetwork, WongWang, choice_statistics, first_crossing, pool_counts,
                                        run_trials, simulate_reduced)

MODEL = WongWang()


# ------------------------------------------------------------------ input-output function H(x)

def test_rate_has_its_removable_singularity_and_limits():
    x_singular = MODEL.b / MODEL.a                          # a x - b = 0: H = 0/0, limit 1/d
    assert MODEL.rate_hz(x_singular) == pytest.approx(1.0 / MODEL.d, rel=1e-12)
    near = MODEL.rate_hz(x_singular + np.array([-1e-9, 1e-9]))
    assert np.allclose(near, 1.0 / MODEL.d, rtol=1e-9)      # continuous across it
    big = 2000.0                                             # d (a x - b) = 67: H = a x - b to 1e-29
    assert MODEL.rate_hz(big) == pytest.approx(MODEL.a * big - MODEL.b, rel=1e-12)
    assert 0.0 <= MODEL.rate_hz(-1e6) < 1e-300 and np.isfinite(MODEL.rate_hz(1e6))


def test_rate_slope_matches_finite_differences():
    x = np.array([200.0, 350.0, MODEL.b / MODEL.a, 400.0 + 1e-5, 450.0, 800.0])
    h = 1e-4
    numeric = (MODEL.rate_hz(x + h) - MODEL.rate_hz(x - h)) / (2 * h)
    assert np.allclose(MODEL.rate_slope(x), numeric, rtol=1e-7, atol=1e-12)   # central differences: O(h^2)


# ------------------------------------------------------------------ phase plane

CASES = {"no stimulus": (0.0, 0.0), "symmetric": tuple(MODEL.stimulus_pa(0.0)),
         "biased": tuple(MODEL.stimulus_pa(25.6))}


@pytest.mark.parametrize("name", CASES)
def test_fixed_points_are_roots_and_agree_with_an_independent_solver(name):
    external = np.array(CASES[name])
    points = theory.reduced_fixed_points(MODEL, external)
    # each is a root to round-off: |dS/dt| ~ 1e-3/ms at typical S, so 1e-13 is 10 orders below
    assert np.abs(MODEL.ds_dt(points, external)).max() < 1e-13
    # an independent solver (fsolve, numerical Jacobian) started from a 9 x 9 grid finds no other root
    starts = np.stack(np.meshgrid(np.linspace(0.02, 0.9, 9), np.linspace(0.02, 0.9, 9)), -1).reshape(-1, 2)
    for start in starts:
        sol, info, ok, _ = fsolve(lambda s: MODEL.ds_dt(s, external) * 1e3, start, full_output=True, xtol=1e-13)
        if ok == 1 and np.all((sol >= 0) & (sol <= 1)):
            assert np.min(np.abs(points - sol).max(axis=1)) < 1e-7, f"missed fixed point {sol}"


def test_fixed_point_classification_is_the_published_landscape():
    labels = {name: [theory.classify_fixed_point(theory.reduced_jacobian(MODEL, p, np.array(ext)))
                     for p in theory.reduced_fixed_points(MODEL, np.array(ext))] for name, ext in CASES.items()}
    # Wong & Wang (2006): without stimulus, spontaneous state + two memory states, separated by saddles;
    # with a stimulus the spontaneous state is gone, two choice attractors flank one saddle
    assert labels["no stimulus"] == ["stable", "saddle", "stable", "saddle", "stable"]
    assert labels["symmetric"] == ["stable", "saddle", "stable"]
    assert labels["biased"] == ["stable", "saddle", "stable"]
    saddle = theory.reduced_fixed_points(MODEL, np.array(CASES["symmetric"]))[1]
    assert saddle[0] == pytest.approx(saddle[1], abs=1e-10)            # symmetric saddle at c = 0


def test_jacobian_matches_finite_differences():
    external = MODEL.stimulus_pa(12.8)
    for s in ([0.1, 0.1], [0.3, 0.05], [0.6, 0.2]):
        s = np.array(s)
        numeric = np.empty((2, 2))
        for j in range(2):
            step = np.zeros(2)
            step[j] = 1e-6
            numeric[:, j] = (MODEL.ds_dt(s + step, external) - MODEL.ds_dt(s - step, external)) / 2e-6
        assert np.allclose(theory.reduced_jacobian(MODEL, s, external), numeric, rtol=1e-6, atol=1e-12)


def test_nullcline_points_have_zero_rate_of_change():
    s1 = np.linspace(0.02, 0.8, 40)
    s2 = theory.reduced_nullcline(MODEL, s1, 10.0)
    ds1 = MODEL.ds_dt(np.stack([s1, s2], -1), np.array([10.0, 0.0]))[:, 0]
    assert np.abs(ds1).max() < 1e-12            # bisection to 64 halvings: x exact to ~1e-12 pA


def test_classify_known_matrices():
    assert theory.classify_fixed_point([[-1, 0], [0, -2]]) == "stable"
    assert theory.classify_fixed_point([[-0.1, 1], [-1, -0.1]]) == "stable"       # focus
    assert theory.classify_fixed_point([[0.5, 0], [0, -2]]) == "saddle"           # trace < 0, still a saddle
    assert theory.classify_fixed_point([[1, 0], [0, 2]]) == "unstable"            # det > 0, still unstable


def test_noise_free_simulation_settles_on_the_spontaneous_fixed_point():
    quiet = dataclasses.replace(MODEL, sigma_noise=0.0)
    run = simulate_reduced(quiet, 0.0, n_trials=1, t_stop=3000.0, t_on=1e9, seed=0)
    s_end = run.s[0, -1]
    # 3 s = 30 tau_s: the slowest eigenvalue (-0.0023/ms) leaves exp(-6.8) ~ 1e-3 of the 0.003 start offset
    assert np.allclose(s_end, theory.reduced_spontaneous_state(MODEL), atol=1e-5)
    assert MODEL.rate_hz(MODEL.input_pa(s_end)) == pytest.approx(1.78, abs=0.01)


# ------------------------------------------------------------------ behaviour of the reduced model

@pytest.fixture(scope="module")
def reduced_batch():
    levels = np.array([0.0, 3.2, 12.8, 51.2])
    coherence = np.repeat(levels, 2000)
    run = simulate_reduced(MODEL, coherence, n_trials=coherence.size, t_stop=4000.0, record=False,
                           stop_when_decided=True, seed=2024)
    return choice_statistics(run.coherence, run.choice, run.decision_time), run


def test_every_trial_decides(reduced_batch):
    _, run = reduced_batch
    assert np.all(run.choice >= 0)            # with the stimulus on, the symmetric state is a saddle


def test_accuracy_is_chance_at_zero_coherence_and_rises(reduced_batch):
    stats, _ = reduced_batch
    se = np.sqrt(0.25 / 2000)                 # binomial standard error at p = 0.5, 2000 trials: 0.011
    assert abs(stats["accuracy"][0] - 0.5) < 3.5 * se
    assert np.all(np.diff(stats["accuracy"]) > 0)          # strictly rising
    assert stats["accuracy"][1] - stats["accuracy"][0] > 0.1   # ~20 points at 3.2 %, >> 3 SE = 0.04
    assert stats["accuracy"][-1] > 0.99


def test_decision_time_falls_with_coherence_and_errors_are_slower(reduced_batch):
    stats, run = reduced_batch
    assert np.all(np.diff(stats["rt_correct"]) < -10.0)   # means over ~2000 trials: SE ~ 3 ms
    # Wong & Wang (2006): error trials are slower than correct ones. At 3.2 % about 560 errors,
    # SE of each mean ~ 6 ms; the difference is ~40 ms
    assert stats["rt_error"][1] > stats["rt_correct"][1] + 15.0
    assert np.all(run.decision_time >= 0)


def test_noise_free_decision_time_bounds_and_ordering():
    times = [theory.noise_free_decision_time(MODEL, c) for c in (0.0, 3.2, 12.8, 51.2)]
    assert times[0] == np.inf                 # at c = 0 the trajectory runs into the symmetric saddle
    assert np.all(np.diff(times[1:]) < 0)


def test_noise_free_simulation_converges_to_the_theoretical_decision_time():
    quiet = dataclasses.replace(MODEL, sigma_noise=0.0)
    s0 = theory.reduced_spontaneous_state(MODEL)[0]
    exact = theory.noise_free_decision_time(MODEL, 51.2)
    gaps = [abs(simulate_reduced(quiet, 51.2, t_stop=1000.0, dt=dt, s0=s0, record=False).decision_time[0] - exact)
            for dt in (0.5, 0.25)]
    # exponential Euler is first-order accurate: a few ms at dt = 0.5 ms, shrinking with dt
    # (the read-out grid adds up to one dt either way)
    assert gaps[0] < 5.0 and gaps[1] <= gaps[0]


# ------------------------------------------------------------------ psychometric function

def test_weibull_fit_recovers_parameters():
    c = np.array([0.0, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2])
    alpha, beta = theory.fit_weibull(c, theory.weibull_accuracy(c, 9.0, 1.4))
    assert alpha == pytest.approx(9.0, rel=1e-6) and beta == pytest.approx(1.4, rel=1e-6)
    rng = np.random.default_rng(5)
    n = 4000
    noisy = rng.binomial(n, theory.weibull_accuracy(c, 9.0, 1.4)) / n
    alpha, beta = theory.fit_weibull(c, noisy, n)
    assert alpha == pytest.approx(9.0, rel=0.08) and beta == pytest.approx(1.4, rel=0.15)  # ~3 SE of the fit
    assert theory.weibull_accuracy(9.0, 9.0, 1.4) == pytest.approx(1 - 0.5 / np.e)


# ------------------------------------------------------------------ spiking network (Wang 2002)

@pytest.fixture(scope="module")
def spiking_trial():
    return run_trials(WangNetwork(), coherence=51.2, t_stop=1500.0, t_on=300.0, t_off=1500.0, seed=11)


def test_spiking_rates_in_the_published_range(spiking_trial):
    t, counts = pool_counts(spiking_trial)                              # 1 ms bins
    sizes = WangNetwork().pool_sizes
    spont = counts[0, 100:300].sum(axis=0) / sizes / 0.2                 # 100-300 ms, before the stimulus
    late = counts[0, 1200:1500].sum(axis=0) / sizes / 0.3                # 900-1200 ms into the stimulus
    # Wang (2002): spontaneous pyramidal rates of a few Hz (~2-3 Hz), interneurons higher; decision
    # state 30-40 Hz. 1600 E cells x 0.2 s give ~800 spikes: the sampling error is ~4 %, the window
    # is wide because the spontaneous state itself fluctuates.
    assert 1.5 < spont[:3].mean() < 4.0 and 5.0 < spont[3] < 13.0
    winner, loser = max(late[0], late[1]), min(late[0], late[1])
    assert 25.0 < winner < 45.0 and loser < 5.0
    assert late[0] > late[1]                  # at 51.2 % coherence the network chooses A


def test_pool_counts_count_every_spike_in_its_pool_and_bin(spiking_trial):
    # the window of CONVENTIONS.md section 12: a bin counts the spikes stamped in [start, end), as the engine's own
    # NetworkResult.rate_hz does; a spike stamped exactly at the run's end lies after the last bin
    run = spiking_trial
    t, counts = pool_counts(run, bin_ms=10.0)
    assert np.allclose(t, 10.0 * np.arange(1, 151))
    for pool, name in enumerate(("A", "B", "non-selective", "I")):
        times, _ = run.spikes_of(name)
        stamps = np.rint(times / 0.1).astype(int)
        assert np.array_equal(counts[0, :, pool], np.bincount(stamps[stamps < 15000] // 100, minlength=150))
        _, rate = run.rate_hz(name, bin_ms=10.0)
        assert np.allclose(counts[0, :, pool], rate * run.population(name).size * 0.01)
    assert counts.sum() == np.count_nonzero(run.spike_times < 1500.0 - 1e-9)


def test_stimulus_rates_follow_coherence():
    net = WangNetwork()
    rates_hz = net.stimulus_rates(np.array([25.6]), t_on=0.0, t_off=20_000.0, seed=0)
    draws = np.array([rates_hz(t).reshape(2, net.n_pool) for t in np.arange(0.0, 20_000.0, 50.0)])
    assert np.all(draws == draws[..., :1])                  # one rate per pool and segment
    # 400 segments of 50 ms, s.d. 4 Hz: s.e. of the mean 0.2 Hz
    assert draws[:, 0, 0].mean() == pytest.approx(40 * 1.256, abs=1.0)
    assert draws[:, 1, 0].mean() == pytest.approx(40 * 0.744, abs=1.0)
    assert np.all(rates_hz(49.99) == draws[0].ravel()) and np.all(rates_hz(50.0) == draws[1].ravel())   # every 50 ms
    short = net.stimulus_rates(np.array([0.0]), t_on=5.0, t_off=8.0, seed=1)
    assert np.all(short(4.9) == 0) and np.all(short(8.0) == 0) and np.all(short(5.0) > 0)


# ------------------------------------------------------------------ read-out helpers

def test_first_crossing_and_choice_statistics():
    t = np.arange(10.0)
    rates = np.zeros((3, 10, 2))
    rates[0, 4:, 0] = 20.0                      # pool 1 at t = 4
    rates[1, 6:, 1] = 20.0                      # pool 2 at t = 6
    rates[2, 1, 0] = 20.0                       # only before t_start: no decision
    choice, when = first_crossing(t, rates, 15.0, t_start=2.0)
    assert list(choice) == [0, 1, -1] and when[0] == 2.0 and when[1] == 4.0 and np.isnan(when[2])
    stats = choice_statistics([10.0, 10.0, -10.0], [0, 1, 1], [100.0, 300.0, 200.0])
    assert stats["accuracy"][0] == pytest.approx(2 / 3)
    assert stats["rt_correct"][0] == 150.0 and stats["rt_error"][0] == 300.0


# ------------------------------------------------------------------ invalid input

@pytest.mark.parametrize("kwargs, words", [
    ({"f": 0.7}, "f must lie"), ({"w_plus": 10.0}, "w_minus negative"), ({"tau_nmda_decay": -100.0}, "positive"),
    ({"v_th": -60.0}, "above"), ({"g_nmda_e": -0.1}, "zero or positive"), ({"n_e": 1600.5}, "whole")])
def test_invalid_network_parameters_are_rejected(kwargs, words):
    with pytest.raises(ValueError, match=words):
        WangNetwork(**kwargs)


@pytest.mark.parametrize("kwargs, words", [
    ({"tau_s": -100.0}, "positive"), ({"sigma_noise": -1.0}, "zero or positive"), ({"d": 0.0}, "positive"),
    ({"j_self": -0.2}, "zero or positive")])
def test_invalid_reduced_parameters_are_rejected(kwargs, words):
    with pytest.raises(ValueError, match=words):
        WongWang(**kwargs)


def test_invalid_run_arguments_are_rejected():
    with pytest.raises(ValueError, match="too large"):
        simulate_reduced(MODEL, dt=5.0)
    with pytest.raises(ValueError, match="coherence"):
        simulate_reduced(MODEL, coherence=150.0)
    with pytest.raises(ValueError, match="n_trials"):
        simulate_reduced(MODEL, n_trials=0)
    with pytest.raises(ValueError, match="n_trials must be a whole number >= 1"):
        run_trials(WangNetwork(), n_trials=2.5)
    with pytest.raises(ValueError, match="too large for NMDA"):
        run_trials(WangNetwork(), dt=1.0)
    with pytest.raises(ValueError, match="swap"):
        run_trials(WangNetwork(), t_on=500.0, t_off=100.0)
    with pytest.raises(TypeError, match="network"):
        run_trials(WongWang())
    with pytest.raises(ValueError, match="matching"):
        theory.fit_weibull([1.0, 2.0], [0.6])


# ------------------------------------------------------------------ holding the choice after the stimulus

def test_choice_lifetime_finds_the_first_window_below_the_level():
    from course_lib.models.decision import choice_lifetime_ms
    t = np.arange(1, 101) * 50.0                           # bins of 50 ms ending at 50 ... 5000 ms
    rates = np.full((3, t.size, 2), 2.0)
    rates[0, :, 1] = np.where(t <= 2000.0, 20.0, 2.0)      # pool 2 wins, falls to 2 Hz after t = 2000 ms
    rates[1, :, 0] = 20.0                                   # pool 1 wins and never falls
    rates[2, :, 0] = np.where(t <= 1000.0, 20.0, 2.0)      # falls exactly at the stimulus offset
    winner, lifetime = choice_lifetime_ms(t, rates, t_off=1000.0, lost_below_hz=6.0, window_ms=250.0)
    assert winner.tolist() == [1, 0, 0]
    # trial 0: the 250 ms mean of (20, 20, 20, 20, 2 Hz ...) first drops below 6 Hz when 4 of the 5 bins
    # are at 2 Hz (mean 5.6 Hz): the window ending 200 ms after the fall, 1200 ms after offset
    assert lifetime[0] == pytest.approx(1200.0)
    assert np.isinf(lifetime[1])
    # trial 2: windows must lie wholly after the offset, so the first one ends 250 ms after it
    assert lifetime[2] == pytest.approx(250.0)


def test_choice_lifetime_rejects_records_without_the_stimulus():
    from course_lib.models.decision import choice_lifetime_ms
    t = np.arange(1, 11) * 50.0
    with pytest.raises(ValueError, match="t_off"):
        choice_lifetime_ms(t, np.ones((1, t.size, 2)), t_off=-500.0)
    with pytest.raises(ValueError, match="longer than the record"):
        choice_lifetime_ms(t, np.ones((1, t.size, 2)), t_off=200.0, window_ms=5000.0)


def test_noise_current_has_the_stated_variance_and_correlation_time():
    """Wong & Wang (2006), Methods: "sigma_noise^2 is the variance of the noise"; correlation time tau_AMPA."""
    rng = np.random.default_rng(3)
    state = MODEL.initial_state(20000, rng)                  # 40 000 noise currents, started stationary
    before = state["noise"].copy()
    for _ in range(4):                                       # 4 steps of 0.5 ms = one tau_AMPA
        MODEL.step(state, 0.0, 0.5, rng)
    # 40 000 samples: the relative s.e. of an s.d. is 1/sqrt(2 n) = 0.35 %, of a correlation 0.5 %; allow 4 s.e.
    assert state["noise"].std() == pytest.approx(MODEL.sigma_noise, rel=0.015)
    correlation = np.mean(before * state["noise"]) / MODEL.sigma_noise ** 2
    assert correlation == pytest.approx(np.exp(-1.0), abs=0.02)


def test_bad_seed_is_rejected():
    with pytest.raises(ValueError, match="seed"):
        run_trials(WangNetwork(), t_stop=1.0, seed=-3)
    with pytest.raises(ValueError, match="seed"):
        simulate_reduced(MODEL, seed=-1)


def test_a_delay_that_is_not_a_whole_number_of_steps_is_refused():
    """CONVENTIONS.md section 12: a delay parameter must be a multiple of dt (0.5 ms at dt 0.2 would round)."""
    with pytest.raises(ValueError, match=r"0.5 ms, is not a multiple of dt = 0.2 ms.*dt = 0.25 ms"):
        run_trials(WangNetwork(), 0.0, t_stop=10.0, dt=0.2, seed=1, progress=False)
    run_trials(WangNetwork(), 0.0, t_stop=1.0, dt=0.25, seed=1, progress=False)      # 0.25 divides 0.5
