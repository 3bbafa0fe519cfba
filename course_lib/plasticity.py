"""Short-term synaptic plasticity: the Tsodyks-Markram model of depression and facilitation.

Each synapse (or each presynaptic neuron, whose synapses share the same history) carries two
numbers: u, the fraction of the available resources a spike uses (release probability), and
x, the fraction of resources available. Between spikes

    du/dt = (u_rest - u) / tau_f          dx/dt = (1 - x) / tau_d

and at a spike, first u facilitates, then the spike releases u x and x loses it:

    u -> u + U (1 - u)          efficacy = u x          x -> x - u x

The efficacy (fraction of the maximal response) multiplies the synaptic weight. With
u_rest = 0 this is the model of Tsodyks, Pawelzik & Markram (1998) and Markram, Wang &
Tsodyks (1998), where the first spike after a long pause has efficacy U; Mongillo, Barak &
Tsodyks (2008) let u relax to U instead (u_rest = U). tau_f = 0 switches facilitation off.

Two ways to use it, both vectorized over synapses (arrays of shape (n,)):
* event-driven: ``on_spike(u, x, interval_ms)`` -> (u, x, efficacy) given the time since each
  synapse's previous spike (u and x are the values just after that spike);
* per step: ``state = initial_state(n)``, then ``efficacy = step(state, spiked, dt)`` each step.
Units: ms, Hz.
"""
from dataclasses import dataclass

import numpy as np

from .validation import (MAX_NEURONS, as_numbers, common_size, require_count, require_finite, require_in_range,
                         require_non_negative, require_positive)

__all__ = ["TsodyksMarkram"]


def _check_interval(name, value):
    """A time since the last spike (ms): >= 0, and +inf for a synapse that never fired; nan refused."""
    arr = as_numbers(name, value, "ms")
    if np.any(np.isnan(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be zero or positive (a time since the last spike, ms; inf for none); "
                         f"got {value!r:.60}.")
    return arr


@dataclass(frozen=True, eq=False)
class TsodyksMarkram:
    """Tsodyks-Markram synapse; defaults: the depressing synapse of Tsodyks & Markram (1997).

    U = 0.5, tau_d = 800 ms, no facilitation: the values used for depressing neocortical
    pyramidal-pyramidal synapses in Tsodyks, Pawelzik & Markram (1998), Fig. 1A. See
    ``facilitating()`` and ``mongillo2008()`` for the other published sets.
    """

    u_se: float = 0.5      # U, utilisation of synaptic efficacy (release probability of a rested synapse)
    tau_d: float = 800.0   # ms, recovery from depression
    tau_f: float = 0.0     # ms, decay of facilitation (0: none)
    u_rest: float = 0.0    # value u relaxes to between spikes (0, or U as in Mongillo et al. 2008)

    def __post_init__(self):
        require_in_range("u_se", self.u_se, 0.0, 1.0)
        require_in_range("u_rest", self.u_rest, 0.0, 1.0)
        require_positive("tau_d", self.tau_d, "ms")
        require_non_negative("tau_f", self.tau_f, "ms")
        common_size(**vars(self))

    @classmethod
    def depressing(cls):
        """Depressing synapse, Tsodyks & Markram (1997) / Tsodyks, Pawelzik & Markram (1998), Fig. 1A."""
        return cls(u_se=0.5, tau_d=800.0, tau_f=0.0)

    @classmethod
    def facilitating(cls):
        """Facilitating synapse, Markram, Wang & Tsodyks (1998) / Tsodyks, Pawelzik & Markram (1998), Fig. 1B."""
        return cls(u_se=0.03, tau_d=130.0, tau_f=530.0)

    @classmethod
    def mongillo2008(cls):
        """Facilitation-dominated synapse of the working-memory model of Mongillo, Barak & Tsodyks (2008)."""
        return cls(u_se=0.2, tau_d=200.0, tau_f=1500.0, u_rest=0.2)

    def relax(self, u, x, elapsed_ms):
        """u and x after elapsed_ms (ms) without spikes: exact exponential relaxation."""
        return self._relax(require_finite("u", u), require_finite("x", x), _check_interval("elapsed_ms", elapsed_ms))

    def _relax(self, u, x, elapsed_ms):
        """relax without the argument checks (the per-step loop)."""
        elapsed = np.asarray(elapsed_ms, dtype=float)
        tau_f = np.asarray(self.tau_f, dtype=float)
        decay_f = np.where(tau_f > 0, np.exp(-elapsed / np.where(tau_f > 0, tau_f, 1.0)), 0.0)
        u_new = self.u_rest + (np.asarray(u, dtype=float) - self.u_rest) * decay_f
        x_new = 1.0 - (1.0 - np.asarray(x, dtype=float)) * np.exp(-elapsed / self.tau_d)
        return u_new, x_new

    def release(self, u, x):
        """A spike now: u facilitates, u x is released; returns (u, x, efficacy) just after the spike."""
        return self._release(require_finite("u", u), require_finite("x", x))

    def _release(self, u, x):
        """release without the argument checks."""
        u_new = u + self.u_se * (1.0 - u)
        efficacy = u_new * x
        return u_new, x - efficacy, efficacy

    def on_spike(self, u, x, interval_ms):
        """Event-driven update for a spike interval_ms after the previous one (u, x: values just after it)."""
        interval_ms = _check_interval("interval_ms", interval_ms)
        return self._on_spike(require_finite("u", u), require_finite("x", x), interval_ms)

    def _on_spike(self, u, x, interval_ms):
        """on_spike without the argument checks (a network's spikes, in every step)."""
        return self._release(*self._relax(u, x, interval_ms))

    def initial_state(self, n):
        """A rested synapse: u = u_rest, x = 1."""
        n = require_count("n", n, maximum=MAX_NEURONS)
        return {"u": np.broadcast_to(self.u_rest, (n,)).astype(float), "x": np.ones(n)}

    def step(self, state, spiked, dt):
        """Per-step form: synapses with a spike (at the start of the step) release, then all relax dt ms.

        spiked: boolean or count array of shape (n,) (at most one spike per synapse and step counts).
        Returns the efficacy u x of each synapse's spike in this step (0 where there was none).
        """
        spiked = np.asarray(spiked) > 0
        u_spike, x_spike, efficacy = self.release(state["u"], state["x"])
        u = np.where(spiked, u_spike, state["u"])
        x = np.where(spiked, x_spike, state["x"])
        state["u"], state["x"] = self._relax(u, x, dt)
        return np.where(spiked, efficacy, 0.0)

    def efficacies(self, spike_times_ms):
        """Efficacy of each spike of one train (sorted times in ms), starting from a rested synapse."""
        times = np.sort(require_finite("spike_times_ms", spike_times_ms, "ms").ravel())
        u, x = np.asarray(self.u_rest, dtype=float), np.asarray(1.0)
        out = np.empty(times.size)
        previous = -np.inf
        for i, t in enumerate(times):
            u, x, out[i] = self.on_spike(u, x, t - previous)
            previous = t
        return out
