"""Pooled all-to-all projections through receptors (AMPA, GABA_A, NMDA), for the network engine (course_lib.network).

Wang (2002) couples his decision network all-to-all. Then every neuron of a target population sees the same
summed gating of a source population, and the engine need not keep one variable per synapse:

* a linear receptor (AMPA, GABA_A: the gating jumps by 1 per spike and decays) obeys, summed over a source
  population, the same equation with the population's spike count as input: one variable per source population;
* NMDA saturates per presynaptic neuron (ds/dt = -s/tau_decay + alpha x (1 - s)), so it keeps one gating per
  source neuron and sums them each step.

The cost of a step grows like the number of neurons, never like the number of synapses (N^2). The receptors'
own ``step`` (course_lib.receptors) advances the gating and returns its mean over the step: one discretisation
per receptor kind (CONVENTIONS.md section 12). The conductance onto a target neuron is
sum over sources S of g_ns[(T, S)] * (summed gating of S), and its current g block(v) (e_rev - v).

    from course_lib.receptors import AMPA
    ampa = PooledProjection(AMPA(), {("E", "E"): 0.05, ("I", "E"): 0.04})    # nS per synapse
    Network(..., pooled=(ampa, ...))

Units: ms, mV, nS.
"""
from dataclasses import dataclass

import numpy as np

from .receptors import AMPA, GABAA, NMDA, mg_block_unchecked
from .synapses import ExponentialSynapse
from .validation import InputTypeError, require_instance, require_mapping, require_non_negative

RECEPTORS = (AMPA, GABAA, NMDA)


@dataclass(frozen=True, eq=False)
class PooledProjection:
    """Every neuron of some source populations onto every neuron of some target populations, through one receptor.

    receptor: AMPA(), GABAA() or NMDA() from course_lib.receptors (kinetics, reversal e_rev, Mg block);
    g_ns: {(target name, source name): conductance of one synapse at full gating, nS}; pairs not listed are
    not connected. The sources must all be excitatory or all inhibitory (their currents are recorded on the
    engine's channel 'exc' or 'inh'); a spike acts one delay of its source population later.
    """

    receptor: object
    g_ns: dict

    def __post_init__(self):
        require_instance("receptor", self.receptor, RECEPTORS)
        require_mapping("g_ns", self.g_ns)
        if not self.g_ns:
            raise ValueError("g_ns is empty: give at least one {(target, source): nS} pair.")
        for pair, g in self.g_ns.items():
            if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(name, str) for name in pair)):
                raise InputTypeError(f"g_ns keys must be (target name, source name) pairs of strings (got {pair!r}).")
            require_non_negative(f"g_ns[{pair!r}]", g, "nS")

    @property
    def sources(self):
        """Source population names, in order of first mention."""
        return tuple(dict.fromkeys(source for _, source in self.g_ns))

    @property
    def targets(self):
        """Target population names, in order of first mention."""
        return tuple(dict.fromkeys(target for target, _ in self.g_ns))

    @property
    def per_population(self):
        """True if the gating is kept per source population (a linear receptor), False if per source neuron."""
        return isinstance(self.receptor, ExponentialSynapse)

    def initial_state(self, ranges):
        """State for a network whose populations span ranges {name: (first, stop)}: gating at zero, index maps."""
        names = list(ranges)
        spans = [ranges[name] for name in self.sources]
        empty = [name for name, (first, stop) in zip(self.sources, spans) if stop == first]
        if empty:
            raise ValueError(f"a pooled projection's source populations {empty} hold no neuron; leave them out.")
        neurons = np.concatenate([np.arange(first, stop) for first, stop in spans])
        starts = np.cumsum([0] + [stop - first for first, stop in spans])[:-1]      # where each source begins
        g_matrix = np.zeros((len(names), len(spans)))                             # (all populations, sources)
        for (target, source), g in self.g_ns.items():
            g_matrix[names.index(target), self.sources.index(source)] = g
        contiguous = np.array_equal(neurons, np.arange(neurons[0], neurons[0] + neurons.size))
        gating = self.receptor.initial_state(len(spans) if self.per_population else neurons.size)
        return {"gating": gating, "g_matrix": g_matrix, "starts": starts,
                "neurons": slice(neurons[0], neurons[-1] + 1) if contiguous else neurons}

    def conductance(self, state, arriving, population_of, dt):
        """Advance the gating by dt ms given the spikes arriving now ((n,) array); returns each neuron's conductance
        (nS, (n,)) at full Mg block relief: (g_matrix @ summed gating of each source)[population of the neuron]."""
        spikes = arriving[state["neurons"]]                                    # the source neurons, in order
        if self.per_population:
            s_mean = self.receptor.step(state["gating"], np.add.reduceat(spikes, state["starts"]), dt)
        else:
            s_mean = np.add.reduceat(self.receptor.step(state["gating"], spikes, dt), state["starts"])
        return (state["g_matrix"] @ s_mean)[population_of]

    def block(self, v):
        """Fraction of the conductance not blocked at v (mV): the Mg block for NMDA, 1 otherwise (unchecked v)."""
        if isinstance(self.receptor, NMDA):
            return mg_block_unchecked(v, self.receptor.mg_mm)
        return 1.0
