"""analysis.step_response and analysis.response_time on synthetic step responses of known shape."""
import numpy as np
import pytest

from course_lib import analysis

DT = 0.1      # ms, sample spacing (the network's step)
HALF = 30.0   # ms between steps; 10 tau, so each response has settled (e^-10) before the next step


def square_wave_response(tau, delay, n_steps, noise, rng, low=5.0, high=8.0):
    """Samples (bin centres, ms) of a signal that follows alternating up/down steps exponentially after a delay."""
    t = (np.arange(int(round(n_steps * HALF / DT)) + int(round(HALF / DT))) + 0.5) * DT
    t_steps = HALF * (1 + np.arange(n_steps))
    since = t - (HALF * np.floor(t / HALF))                 # time since the last step (ms)
    phase = np.floor(t / HALF).astype(int)                 # 0: before the first step; odd: after an up step
    rise = np.where(since > delay, 1.0 - np.exp(-np.maximum(since - delay, 0.0) / tau), 0.0)
    level = np.where(phase % 2 == 1, rise, 1.0 - rise)     # fraction of the way from low to high
    level[phase == 0] = 0.0
    signal = low + (high - low) * level + noise * (high - low) * rng.standard_normal(t.size)
    directions = np.where(np.arange(n_steps) % 2 == 0, 1, -1)
    return t, signal, t_steps, directions


def test_noise_free_exponential_with_delay():
    t, signal, t_steps, directions = square_wave_response(3.0, 1.0, 4, 0.0, np.random.default_rng(0))
    lag, x, change = analysis.step_response(t, signal, t_steps, HALF, baseline_ms=5.0, final_ms=3.0)
    assert change == pytest.approx(3.0, rel=1e-3)           # 8 - 5, e^-9 short of the full step in the final window
    assert np.allclose(x[lag < 0], 0.0, atol=1e-3)         # the previous step has settled to e^-9.7
    r = analysis.response_time(lag, x)
    # exact: delay + tau = 4 ms; linear interpolation between samples 0.1 ms apart errs by
    # at most dt^2 |x''| / (8 x') = dt^2 / (8 tau) = 4e-4 ms
    assert r["t_cross_ms"] == pytest.approx(4.0, abs=1e-3)
    assert r["tau_ms"] == pytest.approx(3.0, rel=1e-3) and r["delay_ms"] == pytest.approx(1.0, abs=1e-3)
    assert r["overshoot"] < 1e-3 and r["fit_rms"] < 1e-3     # the final window sits e^-9 below the new level
    # settling into +-10 %: 1 - e^(-(t - 1)/3) = 0.9 at t = 1 + 3 ln 10 = 7.91 ms
    assert r["settling_ms"] == pytest.approx(1.0 + 3.0 * np.log(10.0), abs=0.01)


def test_noisy_exponential_averaged_over_many_steps():
    tau, delay, n_steps, noise = 2.0, 0.5, 400, 0.3
    t, signal, t_steps, directions = square_wave_response(tau, delay, n_steps, noise, np.random.default_rng(1))
    lag, x, change = analysis.step_response(t, signal, t_steps, HALF, baseline_ms=10.0, final_ms=10.0,
                                            directions=directions)
    scatter = x[lag < 0].std()
    # 0.3 per sample and step, averaged over 400 steps: 0.3 / sqrt(400) = 0.015 (plus the baseline's share)
    assert 0.010 < scatter < 0.022
    r = analysis.response_time(lag, x)
    # the crossing: noise / slope at 63 % = 0.015 / (e^-1 / tau) = 0.08 ms per sample; 0.3 ms is ~4 s.d.
    assert r["t_cross_ms"] == pytest.approx(delay + tau, abs=0.3)
    # the fit uses all 300 samples after the step: its error is ~sqrt(300) times smaller (~0.01 ms);
    # 0.1 ms (5 % of tau) leaves room for the error of the normalisation (final window, 0.5 %)
    assert r["tau_ms"] == pytest.approx(tau, abs=0.1) and r["delay_ms"] == pytest.approx(delay, abs=0.1)
    assert r["fit_rms"] == pytest.approx(scatter, rel=0.3)          # the residual is just the noise
    assert r["overshoot"] < 4 * scatter                              # the largest of ~300 noisy samples


def test_monotone_fit_removes_the_early_bias_of_a_noisy_slow_rise():
    tau, n_steps, noise = 6.0, 40, 0.6
    t, signal, t_steps, directions = square_wave_response(tau, 0.0, n_steps, noise, np.random.default_rng(3))
    lag, x, _ = analysis.step_response(t, signal, t_steps, HALF, baseline_ms=10.0, final_ms=5.0,
                                       directions=directions)
    # noise of x: 0.6 / sqrt(40) = 0.095 per sample; the rise passes 63 % with slope e^-1 / tau = 0.06 / ms,
    # so a sample reaches 63 % by noise alone ~1.5 ms early, and among the ~60 samples before it one does
    raw = analysis.response_time(lag, x, monotone=False)["t_cross_ms"]
    fitted = analysis.response_time(lag, x)["t_cross_ms"]
    assert raw < tau - 1.0
    # the isotonic fit averages blocks of ~10 samples near the crossing: error ~ 0.095 / 0.06 / sqrt(10)
    # = 0.5 ms; 1 ms is two of these
    assert fitted == pytest.approx(tau, abs=1.0)


def test_pure_delay():
    t, signal, t_steps, _ = square_wave_response(1e-9, 2.0, 4, 0.0, np.random.default_rng(2))
    lag, x, _ = analysis.step_response(t, signal, t_steps, HALF)
    r = analysis.response_time(lag, x)
    # the jump lies between the samples at 1.95 and 2.05 ms: crossing inside that sample interval
    assert 1.95 <= r["t_cross_ms"] <= 2.05
    assert r["tau_ms"] < DT and abs(r["delay_ms"] - 2.0) <= DT
    assert 1.95 <= r["settling_ms"] <= 2.05 and r["overshoot"] == 0.0


def test_overshoot_and_settling_of_a_damped_oscillation():
    lag = (np.arange(-50, 600) + 0.5) * DT
    omega, decay = 2 * np.pi / 6.0, 4.0              # period 6 ms, envelope decays with 4 ms
    x = np.where(lag > 0, 1.0 - np.exp(-lag / decay) * np.cos(omega * lag), 0.0)
    r = analysis.response_time(lag, x)
    # the first peak is near half a period (3 ms): overshoot e^(-3/4) = 0.47 up to the slight shift of the peak
    assert r["t_peak_ms"] == pytest.approx(3.0, abs=0.3) and r["overshoot"] == pytest.approx(0.47, abs=0.03)
    # the envelope e^(-t/4) falls below 0.1 at 4 ln 10 = 9.2 ms; the last excursion outside the band ends before
    assert 6.0 < r["settling_ms"] < 9.3
    assert r["fit_rms"] > 0.05                       # not an exponential: the fit says so


def test_bad_input_names_the_parameter():
    t, signal, t_steps, _ = square_wave_response(3.0, 1.0, 4, 0.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="signal"):
        analysis.step_response(t, signal[:-1], t_steps, HALF)
    with pytest.raises(ValueError, match="t_ms"):
        analysis.step_response(t ** 1.01, signal, t_steps, HALF)
    with pytest.raises(ValueError, match="t_steps"):
        analysis.step_response(t, signal, t_steps + 20.0, HALF)
    with pytest.raises(ValueError, match="window_ms"):
        analysis.step_response(t, signal, t_steps, -1.0)
    with pytest.raises(ValueError, match="final_ms"):
        analysis.step_response(t, signal, t_steps, 10.0, final_ms=20.0)
    with pytest.raises(ValueError, match="directions"):
        analysis.step_response(t, signal, t_steps, HALF, directions=[1, 0, 1, -1])
    lag, x, _ = analysis.step_response(t, signal, t_steps, HALF)
    with pytest.raises(ValueError, match="level"):
        analysis.response_time(lag, x, level=1.2)
    with pytest.raises(ValueError, match="band"):
        analysis.response_time(lag, x, band=0.0)
    with pytest.raises(ValueError, match="x"):
        analysis.response_time(lag, x[:-1])
