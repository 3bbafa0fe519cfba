"""The one-dimensional continuous attractor neural network (CANN) on a ring, with optional adaptation.

Neuron i prefers the stimulus value x_i (an angle in rad, evenly spaced on [-pi, pi)); its
synaptic input u_i and the adaptation v_i follow (Wu, Hamaguchi & Amari 2008; Fung, Wong & Wu 2010;
adaptation: Mi, Fung, Wong & Wu 2014)

    tau   du_i/dt = -u_i + sum_j J(x_i - x_j) r_j - v_i + I_ext,i
    tau_v dv_i/dt = -v_i + m u_i
    r_i = u_i+^2 / (1 + k sum_j u_j+^2)          (global divisive inhibition)
    J(d) = J0 / (sqrt(2 pi) a) exp(-d^2 / (2 a^2)),  d the distance around the ring.

The sums are the papers' integrals rho * int dx' with rho = n / (2 pi) neurons per rad, because
rho dx = 1. J depends only on the distance, so the recurrent input is a circular convolution,
computed with the FFT in O(n log n) instead of a dense n x n product.

State arrays have shape (n,) for one network, or (batch, n) for a batch of independent networks
run in one call (k_rel and m may then be arrays of shape (batch,): one network per value).
Units: time in ms, positions in rad, speeds in rad/ms; u, v, r and I_ext are dimensionless.
"""
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..progress import progress_range
from ..simulation import n_steps_for
from ..theory.attractor import cann_bump_height, cann_critical_inhibition
from ..validation import (MAX_NEURONS, InputTypeError, require_count, require_finite, require_instance, require_memory,
                          require_non_negative, require_number, require_positive)

TWO_PI = 2.0 * np.pi


# ----------------------------------------------------------------------------------------------
# the ring and its coupling
# ----------------------------------------------------------------------------------------------

def ring_positions(n):
    """Preferred stimuli of n neurons evenly spaced on the ring, x_i = -pi + 2 pi i / n (rad)."""
    n = require_count("n", n)
    require_memory("the ring positions", n, advice="Use a smaller n.")
    return -np.pi + TWO_PI * np.arange(n) / n


def ring_distance(x, y):
    """Signed distance x - y around the ring (rad), wrapped into [-pi, pi)."""
    return _wrapped(require_finite("x", x, "rad") - require_finite("y", y, "rad"))


def _wrapped(d):
    """An angle difference d (rad) wrapped into [-pi, pi), unchecked."""
    return np.mod(d + np.pi, TWO_PI) - np.pi


def coupling(d, a, j0):
    """Recurrent weight J(d) = j0 / (sqrt(2 pi) a) exp(-d^2 / (2 a^2)) at ring distance d (rad)."""
    d = require_finite("d", d, "rad")
    require_positive("a", a, "rad")
    require_finite("j0", j0)
    return j0 / (np.sqrt(TWO_PI) * a) * np.exp(-d ** 2 / (2.0 * a ** 2))


def ring_kernel(n, a, j0):
    """Weights from neuron 0 to neuron j (shape (n,)): one row of the circulant weight matrix."""
    x = ring_positions(n)
    return coupling(ring_distance(x, x[0]), a, j0)


def weight_matrix(n, a, j0):
    """Dense recurrent weight matrix W[i, j] = J(x_i - x_j) (n x n): for teaching and checks only."""
    require_memory("the dense weight matrix", float(require_count("n", n)) ** 2 * 3, advice="Use a smaller n.")
    x = ring_positions(n)
    return coupling(ring_distance(x[:, None], x[None, :]), a, j0)


def _column(value):
    """A per-network parameter as a column (batch, 1) so that it broadcasts against (batch, n) states."""
    value = np.asarray(value, float)
    return value if value.ndim == 0 else value.reshape(-1, 1)


# ----------------------------------------------------------------------------------------------
# the model
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class CANN:
    """1-D CANN on a ring (Wu, Hamaguchi & Amari 2008; Fung, Wong & Wu 2010) with optional adaptation.

    Defaults follow Fung, Wong & Wu (2010): coupling width a = 0.5 rad on the ring (-pi, pi] and
    inhibition at half its critical value (their rescaled k = 0.5); J0 = 1 only sets the scale of u
    (the papers rescale it away). Time is measured in units of tau, here tau = 1 ms.
    Spike-frequency adaptation (Mi, Fung, Wong & Wu 2014) is off (m = 0); its time constant is
    slow, tau_v >> tau as in that paper: we take tau_v = 50 tau (it rescales onset and speeds only).
    The inhibition is given relative to the critical value: k = k_rel * k_c, with
    k_c = rho J0^2 / (8 sqrt(2 pi) a) above which no bump exists (course_lib.theory).
    """

    n: int = 512           # neurons on the ring
    a: float = 0.5         # width of the excitatory coupling, rad
    j0: float = 1.0        # coupling strength
    k_rel: float = 0.5     # global inhibition k relative to its critical value k_c (may be an array (batch,))
    tau: float = 1.0       # time constant of the synaptic input u, ms
    m: float = 0.0         # adaptation strength (may be an array (batch,))
    tau_v: float = 50.0    # adaptation time constant, ms
    kernel_fft: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        if not isinstance(self.n, (int, np.integer)) or isinstance(self.n, bool) or self.n < 16:
            raise ValueError(f"n is the number of neurons on the ring: give an integer >= 16 (got {self.n!r}).")
        require_memory("the ring", 16.0 * self.n, advice="Use a smaller n.")
        require_positive("a", self.a, "rad")
        if self.a > np.pi / 2:
            raise ValueError(f"a = {self.a} rad is too wide for a ring of circumference 2 pi: the bump would "
                             f"overlap itself. Give a <= pi/2 (the papers use 0.5).")
        if self.a < 4 * TWO_PI / self.n:
            raise ValueError(f"a = {self.a} rad spans fewer than 4 neurons (spacing {TWO_PI / self.n:.3g} rad): "
                             f"the bump would not be resolved. Increase n or a.")
        require_positive("j0", self.j0)
        require_non_negative("k_rel", self.k_rel)
        require_positive("tau", self.tau, "ms")
        require_non_negative("m", self.m)
        require_positive("tau_v", self.tau_v, "ms")
        for name in ("k_rel", "m"):
            if np.ndim(getattr(self, name)) > 1:
                raise ValueError(f"{name} must be a number or a 1-d array (one value per network in a batch).")
        for name in ("a", "j0", "tau", "tau_v"):
            if np.ndim(getattr(self, name)) != 0:
                raise ValueError(f"{name} must be a single number (only k_rel and m may be arrays).")
        object.__setattr__(self, "kernel_fft", np.fft.rfft(ring_kernel(self.n, self.a, self.j0)))
        object.__setattr__(self, "_k_column", _column(self.k))
        object.__setattr__(self, "_m_column", _column(self.m))

    # --- derived quantities ---------------------------------------------------------------
    @property
    def rho(self):
        """Neuron density on the ring, n / (2 pi) neurons per rad."""
        return self.n / TWO_PI

    @cached_property
    def x(self):
        """Preferred stimuli of the neurons, shape (n,), rad (computed once, read-only: the stimuli read it every step)."""
        x = ring_positions(self.n)
        x.flags.writeable = False
        return x

    @property
    def k_c(self):
        """Critical inhibition of the network without adaptation, rho J0^2 / (8 sqrt(2 pi) a)."""
        return cann_critical_inhibition(self, m=0.0)

    @cached_property
    def k(self):
        """Absolute global inhibition k = k_rel * k_c (an array (batch,) if k_rel is one)."""
        return np.asarray(self.k_rel, float) * self.k_c

    @cached_property
    def phasors(self):
        """cos x_i and sin x_i, shape (2, n): the population vector of activity r is r @ phasors.T."""
        return np.stack([np.cos(self.x), np.sin(self.x)])

    @property
    def batch(self):
        """Number of networks implied by array parameters k_rel, m (None if all are scalars)."""
        sizes = {np.size(p) for p in (self.k_rel, self.m) if np.ndim(p) == 1}
        if len(sizes) > 1:
            raise ValueError(f"k_rel and m arrays have different lengths {sorted(sizes)}; give them one length.")
        return sizes.pop() if sizes else None

    @property
    def max_dt(self):
        """Largest accepted time step, ms: a fifth of the shorter time constant."""
        return min(self.tau, self.tau_v) / 5.0

    # --- the dynamics -----------------------------------------------------------------------
    def initial_state(self, position=None, batch=None, height=None):
        """State dict {'u', 'v'}: silent (position None) or the exact bump centred at position (rad).

        position may be an array (batch,); the bump height defaults to the stable theoretical one
        (a height above it is fine: the network relaxes onto the attractor).
        """
        batch = require_count("batch", batch, maximum=MAX_NEURONS // self.n) if batch is not None else self.batch
        if position is not None:
            position = require_finite("position", position, "rad")
            if position.ndim > 1:
                raise ValueError(f"position must be a number or one value per network, shape (batch,) "
                                 f"(got shape {position.shape}).")
        if height is not None:
            require_non_negative("height", height)
        if position is not None and np.ndim(position) == 1:
            batch = np.size(position)
        shape = (self.n,) if batch is None else (batch, self.n)
        if position is None:
            u = np.zeros(shape)
        else:
            if height is None:
                height = cann_bump_height(self, k=self.k, m=self.m)
                height = np.where(np.isfinite(height), height, cann_bump_height(self, k=0.5 * self.k_c, m=0))
            d = ring_distance(self.x, _column(position))
            u = np.broadcast_to(_column(height) * np.exp(-d ** 2 / (4 * self.a ** 2)), shape).copy()
        return {"u": u, "v": _column(self.m) * u}

    def firing_rate(self, u):
        """r = u+^2 / (1 + k sum_j u_j+^2): squared rectified input, divided by the global inhibition."""
        u_plus_sq = np.square(np.maximum(u, 0.0))
        return u_plus_sq / (1.0 + self._k_column * np.sum(u_plus_sq, axis=-1, keepdims=True))

    def recurrent_input(self, r):
        """sum_j J(x_i - x_j) r_j for every i: a circular convolution done with the FFT."""
        return np.fft.irfft(np.fft.rfft(r, axis=-1) * self.kernel_fft, n=self.n, axis=-1)

    def step(self, state, i_ext, dt):
        """Advance u and v by dt ms (forward Euler, input held over the step); returns the rate r used.

        Forward Euler, not exponential Euler: the bump's position is a neutral direction where leak
        and recurrent input cancel, and forward Euler moves the bump by exactly dt/tau times the net
        push in each step, while exponential Euler (exact for the leak alone) would slow every shift
        by a factor (1 - exp(-dt/tau)) tau/dt, about 5 % at dt = tau/10.
        """
        r = self.firing_rate(state["u"])
        du_dt = (-state["u"] + self.recurrent_input(r) - state["v"] + i_ext) / self.tau
        dv_dt = (-state["v"] + self._m_column * state["u"]) / self.tau_v
        state["u"] = state["u"] + dt * du_dt
        state["v"] = state["v"] + dt * dv_dt
        return r


# ----------------------------------------------------------------------------------------------
# stimuli and read-out
# ----------------------------------------------------------------------------------------------

def gaussian_input(model, position, amplitude):
    """External input amplitude * exp(-d^2 / (4 a^2)) centred at position (rad); (n,) or (batch, n)."""
    require_instance("model", model, CANN)
    require_finite("position", position, "rad")
    require_finite("amplitude", amplitude)
    return _gaussian_profile(model, position, amplitude)


def _gaussian_profile(model, position, amplitude):
    """gaussian_input without the argument checks (called in every step by path_input's function)."""
    d = _wrapped(model.x - _column(position))
    return _column(amplitude) * np.exp(-d ** 2 / (4.0 * model.a ** 2))


def moving_path(speed, start=0.0, t_on=0.0):
    """Stimulus position (rad) as a function of t (ms): at start until t_on, then moving at speed (rad/ms)."""
    speed, start = require_finite("speed", speed, "rad/ms"), require_finite("start", start, "rad")
    t_on = require_number("t_on", t_on, "ms")
    return lambda t: _wrapped(start + speed * max(t - t_on, 0.0))     # checked above, not again at every t


def jump_path(before, after, t_jump):
    """Stimulus position (rad) as a function of t (ms): before until t_jump, after from then on."""
    require_finite("before", before, "rad")
    require_finite("after", after, "rad")
    require_number("t_jump", t_jump, "ms")
    return lambda t: np.asarray(before if t < t_jump else after, float)


def path_input(model, path, amplitude):
    """Input as a function of t (ms): a Gaussian stimulus of the given amplitude at position path(t)."""
    require_instance("model", model, CANN)
    if not callable(path):
        raise InputTypeError(f"path must be a function of t (ms) returning a position, such as moving_path(...) "
                             f"(got {path!r:.60}).")
    require_finite("amplitude", amplitude)
    return lambda t: _gaussian_profile(model, path(t), amplitude)    # checked above, not again in every step


def _activity(name, values):
    """Activity with the neurons on its last axis: finite, at least one axis of at least 2 neurons."""
    values = require_finite(name, values)
    if values.ndim == 0 or values.shape[-1] < 2:
        raise ValueError(f"{name} must hold the neurons on its last axis, at least 2 (got shape {values.shape}).")
    return values


def _positions(x, activity):
    """Preferred positions (rad), one per neuron on the last axis of activity."""
    x = require_finite("x", x, "rad")
    if x.shape != activity.shape[-1:]:
        raise ValueError(f"x has shape {x.shape}; give one position per neuron, shape {activity.shape[-1:]}.")
    return x


def decode_position(activity, x=None):
    """Population-vector estimate of the bump position (rad): angle of sum_i activity_i exp(i x_i).

    activity has the neurons on its last axis; x defaults to the evenly spaced ring positions.
    """
    activity = _activity("activity", activity)
    x = ring_positions(activity.shape[-1]) if x is None else _positions(x, activity)
    return np.angle(np.sum(activity * np.exp(1j * x), axis=-1))


def bump_height(u):
    """Height of the bump: the largest u over the ring (last axis)."""
    return np.max(_activity("u", u), axis=-1)


def bump_width(u, x=None):
    """Width of the bump (rad): standard deviation of u+ around its decoded centre, periodic distance."""
    u = np.maximum(_activity("u", u), 0.0)
    x = ring_positions(u.shape[-1]) if x is None else _positions(x, u)
    d = ring_distance(x, decode_position(u, x)[..., None])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(np.sum(u * d ** 2, axis=-1) / np.sum(u, axis=-1))


# ----------------------------------------------------------------------------------------------
# the runner
# ----------------------------------------------------------------------------------------------

@dataclass
class CANNResult:
    """What run_cann recorded: every step t, position (rad) and height of the bump; snapshots of u, v.

    Arrays carry time on axis 0: position and height have shape (steps,) or (steps, batch); the
    snapshots u and v, taken every record_every ms at times t_snap, have shape (snaps, [batch,] n).
    state is the final state, ready to continue a run.
    """

    t: np.ndarray
    position: np.ndarray
    height: np.ndarray
    t_snap: np.ndarray
    u: np.ndarray
    v: np.ndarray
    state: dict
    dt: float


def _input_function(stimulus):
    """Turn None, a constant array or a function of t (ms) into a function of t."""
    if stimulus is None:
        return lambda t: 0.0
    if callable(stimulus):
        def checked(t):
            return require_finite("stimulus", stimulus(t))   # the function's value at t
        return checked
    constant = require_finite("stimulus", stimulus)
    return lambda t: constant


def run_cann(model, t_stop, dt=0.1, stimulus=None, state=None, record_every=1.0, progress=None):
    """Run the CANN for t_stop ms with step dt; returns a CANNResult.

    stimulus: None, a constant input array ((n,) or (batch, n)) or a function of t (ms) returning
    one (see gaussian_input, path_input). state: a state dict to start from (it is not modified);
    default the model's silent state. Input sample k acts during [k dt, (k+1) dt); recorded values
    are the state after each step, at t = (k+1) dt (COURSE.md section 9).
    """
    require_instance("model", model, CANN)
    dt = require_number("dt", dt, "ms")
    if dt <= 0:
        raise ValueError(f"dt must be a positive number of ms (got {dt!r}).")
    if dt > model.max_dt + 1e-12:
        raise ValueError(f"dt = {dt} ms is too large for tau = {model.tau} ms and tau_v = {model.tau_v} ms; "
                         f"use dt <= {model.max_dt:g} ms.")
    n_steps = n_steps_for(t_stop, dt)
    require_positive("record_every", record_every, "ms")
    if state is None:
        state = model.initial_state()
    elif not isinstance(state, dict) or set(state) != {"u", "v"}:
        raise ValueError(f"state must be a dict with keys 'u' and 'v' (see CANN.initial_state); got {state!r:.60}.")
    else:
        state = {key: require_finite(f"state[{key!r}]", val).copy() for key, val in state.items()}
    if state["u"].ndim not in (1, 2) or state["u"].shape[-1] != model.n or state["v"].shape != state["u"].shape:
        raise ValueError(f"state['u'] and state['v'] must hold the model's {model.n} neurons on its last axis, "
                         f"shape ({model.n},) or (batch, {model.n}); got {state['u'].shape} and {state['v'].shape}.")
    drive = _input_function(stimulus)
    if stimulus is not None and not callable(stimulus):
        shape = np.shape(drive(0.0))
        if shape not in ((), (model.n,), state["u"].shape):
            raise ValueError(f"stimulus has shape {shape}; give ({model.n},) or {state['u'].shape}, "
                             f"or a function of t.")
    every = max(1, int(round(record_every / dt)))
    batch_shape = state["u"].shape[:-1]
    n_networks = state["u"].size // model.n
    require_memory("the recorded snapshots", 2.0 * (n_steps // every) * state["u"].size + 2.0 * n_steps * n_networks)
    position, height = np.empty((n_steps,) + batch_shape), np.empty((n_steps,) + batch_shape)
    snaps_u, snaps_v, t_snap = [], [], []
    cos_x, sin_x = model.phasors
    for k in progress_range(n_steps, progress, work=n_steps * state["u"].size, desc="CANN"):
        model.step(state, drive(k * dt), dt)
        u_plus = np.maximum(state["u"], 0.0)
        position[k] = np.arctan2(u_plus @ sin_x, u_plus @ cos_x)   # population vector, as decode_position
        height[k] = np.max(state["u"], axis=-1)
        if (k + 1) % every == 0:
            snaps_u.append(state["u"].copy())
            snaps_v.append(state["v"].copy())
            t_snap.append((k + 1) * dt)
    return CANNResult(t=dt * np.arange(1, n_steps + 1), position=position, height=height,
                      t_snap=np.array(t_snap), u=np.array(snaps_u), v=np.array(snaps_v), state=state, dt=dt)
