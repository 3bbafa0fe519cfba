"""The balanced networks of Part III (chapters 06 and 07), built for course_lib.network.

    net = brunel_network(g=5.0, eta=2.0, seed=1)            # Brunel (2000): delta synapses, fixed in-degree
    net = balanced_lif_network(k=1000, nu0_hz=10.0, seed=1) # J = j / sqrt(K), van Vreeswijk & Sompolinsky's scaling

The published parameters (BRUNEL_NEURON, VVS_COUPLINGS, VVS_THRESHOLDS, J_REFERENCE_MV) live here, so that
the theory (course_lib.theory.balanced) reads them from the model, not from the engine.
"""
import numpy as np

from ..connectivity import empty_connectivity, ei_connectivity, require_synapse_memory
from ..drives import PoissonDrive
from ..network import Network, SynapseModel, ei_populations, require_network, with_population_weights
from ..neurons import LIF
from ..validation import (MAX_NEURONS, require_count, require_in_range, require_instance, require_mapping,
                          require_non_negative, require_number, require_positive, require_seed)

def require_lif(name, neuron):
    """Raise unless neuron is an LIF with one value per parameter (the theory of Part III is for LIF neurons)."""
    require_instance(name, neuron, LIF)
    for field_name, value in vars(neuron).items():
        if np.ndim(value) != 0:
            raise ValueError(f"{name} must have single-valued parameters here; {name}.{field_name} has shape "
                             f"{np.shape(value)}.")
    return neuron


COUPLING_KEYS = (("E", "E"), ("E", "I"), ("I", "E"), ("I", "I"), ("E", "X"), ("I", "X"))


def require_couplings(name, couplings):
    """Raise unless couplings is a dict {(target, source): number} with the pairs of COUPLING_KEYS, all finite."""
    return require_mapping(name, couplings, COUPLING_KEYS)


#: LIF neuron of Brunel (2000), Table/section 2: tau_m 20 ms, threshold 20 mV, reset 10 mV,
#: refractory 2 ms, potentials relative to rest (0 mV); c_m 250 pF and g_l 12.5 nS give tau_m = 20 ms
#: (the values NEST uses for this model; with delta synapses only tau_m matters).
BRUNEL_NEURON = LIF(c_m=250.0, g_l=12.5, e_l=0.0, v_th=20.0, v_reset=10.0, t_ref=2.0)

#: Couplings of van Vreeswijk & Sompolinsky (1998): J_EE = J_IE = 1, J_EI = -2, J_II = -1.8,
#: external strengths E = 1 (to E) and I = 0.8 (to I); thresholds of their binary neurons 1 and 0.7.
VVS_COUPLINGS = {("E", "E"): 1.0, ("E", "I"): -2.0, ("I", "E"): 1.0, ("I", "I"): -1.8,
                 ("E", "X"): 1.0, ("I", "X"): 0.8}
VVS_THRESHOLDS = {"E": 1.0, "I": 0.7}


def brunel_threshold_rate_hz(j=0.1, c_e=1000, neuron=BRUNEL_NEURON):
    """nu_thr (Hz): the external rate per input at which C_E inputs of J mV bring the mean v to threshold."""
    require_positive("j", j, "mV")
    require_count("c_e", c_e)
    require_lif("neuron", neuron)
    return 1000.0 * (neuron.v_th - neuron.e_l) / (j * c_e * float(neuron.tau_m))


def brunel_network(g=5.0, eta=2.0, n_e=10000, n_i=2500, epsilon=0.1, j=0.1, delay=1.5, seed=None,
                   neuron=BRUNEL_NEURON):
    """Brunel (2000) sparse network, model A: identical E and I LIF neurons, delta synapses.

    Each neuron receives exactly C_E = epsilon n_e excitatory inputs of J mV, C_I = epsilon n_i
    inhibitory inputs of -g J mV (distinct, no autapses), all with delay D ms, and C_E external
    Poisson inputs of J mV at rate eta * nu_thr. Defaults: Brunel (2000), section 2 and Fig. 8
    (n_e 10,000, n_i 2,500, epsilon 0.1, J 0.1 mV, D 1.5 ms; g = 5, eta = 2 is the AI state of Fig. 8C).
    """
    require_positive("g", g)
    require_non_negative("eta", eta)
    require_positive("j", j, "mV")
    require_count("n_e", n_e)
    require_count("n_i", n_i)
    require_seed("seed", seed)
    require_in_range("epsilon", epsilon, 0.0, 1.0)
    require_non_negative("delay", delay, "ms")
    require_lif("neuron", neuron)
    n_e, n_i = require_count("n_e", n_e, maximum=MAX_NEURONS), require_count("n_i", n_i, maximum=MAX_NEURONS)
    c_e, c_i = int(round(epsilon * n_e)), int(round(epsilon * n_i))
    if c_e < 1 or c_i < 1:
        raise ValueError(f"epsilon = {epsilon:g} gives C_E = epsilon n_e = {c_e} and C_I = epsilon n_i = {c_i} inputs; "
                         f"each neuron needs at least one of each. Raise epsilon (or n_e, n_i).")
    require_synapse_memory((n_e + n_i) * (c_e + c_i), f"n_e = {n_e}, n_i = {n_i}, epsilon = {epsilon:g}: "
                           f"{c_e + c_i} inputs per neuron", "Use fewer neurons (n_e, n_i) or a smaller epsilon.")
    nu_thr = brunel_threshold_rate_hz(j, c_e, neuron)
    weights = {("E", "E"): j, ("I", "E"): j, ("E", "I"): -g * j, ("I", "I"): -g * j}
    conn = ei_connectivity(n_e, n_i, weights, seed, k={"E": c_e, "I": c_i})
    drive = PoissonDrive(rate_hz=eta * nu_thr, n_inputs=c_e, weight=j)
    info = {"model": "brunel", "g": g, "eta": eta, "c_e": c_e, "c_i": c_i, "j": j, "delay": delay,
            "nu_thr_hz": nu_thr, "nu_ext_hz": eta * nu_thr}
    return Network(neuron=neuron, populations=ei_populations(n_e, n_i, delay, delay), connectivity=conn,
                   synapses=SynapseModel("delta"), drives=(drive,), info=info)


def balanced_couplings(k, j, couplings=VVS_COUPLINGS, gamma=1.0):
    """Synaptic strengths (mV) J_kE = j c_kE / sqrt(K), J_kI = j c_kI / (gamma sqrt(K)), J_kX = j c_kX / sqrt(K).

    A neuron receives K inputs from E and from outside, and gamma K from I: the mean drive from
    each population, K_l J_kl nu_l = sqrt(K) j c_kl nu_l, then has the form of van Vreeswijk &
    Sompolinsky (gamma = 1 in their model) and grows like sqrt(K).
    """
    require_positive("k", k)
    require_number("j", j, "mV")
    require_couplings("couplings", couplings)
    require_positive("gamma", gamma)
    scale = {"E": 1.0, "I": 1.0 / gamma, "X": 1.0}
    return {pair: c * j * scale[pair[1]] / np.sqrt(k) for pair, c in couplings.items()}


def brunel_couplings(g=8.0, gamma=0.25):
    """Coupling ratios c_kl of Brunel's model A in the form of balanced_couplings: E and I neurons alike.

    J_kE = J and J_kI = -g J for both populations; with gamma K inhibitory inputs, c_kI = -g gamma.
    """
    require_number("g", g)
    require_positive("gamma", gamma)
    return {("E", "E"): 1.0, ("E", "I"): -g * gamma, ("I", "E"): 1.0, ("I", "I"): -g * gamma,
            ("E", "X"): 1.0, ("I", "X"): 1.0}


J_REFERENCE_MV = 0.2 * np.sqrt(1000.0)   # j such that J = j / sqrt(K) = 0.2 mV at K = 1000


def balanced_lif_network(k=1000, nu0_hz=10.0, g=8.0, j=J_REFERENCE_MV, n_e=10000, n_i=2500, gamma=0.25,
                         couplings=None, delay=1.5, seed=None, neuron=BRUNEL_NEURON, recurrent=True):
    """The balanced LIF network: strong synapses J = j / sqrt(K) and external input ~ sqrt(K).

    Each neuron receives exactly K inputs from the E population (J = j / sqrt(K) mV each), gamma K
    from the I population (-g J each) and K external Poisson trains at nu0_hz (J each; a function
    of t_ms is allowed): Brunel's (2000) model A (LIF neuron, delta synapses, delay 1.5 ms,
    sparseness K / n_e = 0.1) with the scaling of van Vreeswijk & Sompolinsky (1998). Defaults:
    g = 8 and J = 0.2 mV at K = 1000 (j = 6.3 mV), an asynchronous irregular state. The balanced
    state predicts nu_E = nu_I = nu0 / (g gamma - 1) (theory.balanced_rates).
    couplings: other ratios c_kl for balanced_couplings (e.g. VVS_COUPLINGS; then g is unused).
    recurrent=False removes the network synapses (the same neurons, uncoupled: a control).
    """
    require_positive("j", j, "mV")
    require_positive("g", g)
    require_count("k", k)
    require_count("n_e", n_e, maximum=MAX_NEURONS)
    require_count("n_i", n_i, maximum=MAX_NEURONS)
    require_positive("gamma", gamma)
    require_seed("seed", seed)
    require_non_negative("delay", delay, "ms")
    require_lif("neuron", neuron)
    if not callable(nu0_hz):
        require_non_negative("nu0_hz", nu0_hz, "Hz")
    k_inh = int(round(gamma * k))
    if int(k) != k or not 1 <= k < n_e or not 1 <= k_inh < n_i:
        raise ValueError(f"K = {k} must be a whole number with K < n_e = {n_e} and gamma K < n_i = {n_i}: "
                         f"choose k, n_e, n_i (and gamma) accordingly.")
    if couplings is not None:
        require_couplings("couplings", couplings)
    require_synapse_memory((n_e + n_i) * (k + k_inh), f"n_e = {n_e}, n_i = {n_i}, k = {k}: {k + k_inh} inputs per "
                           f"neuron", "Use fewer neurons (n_e, n_i) or a smaller k.")
    couplings = brunel_couplings(g, gamma) if couplings is None else couplings
    strengths = balanced_couplings(k, j, couplings, gamma=k_inh / k)
    recurrent_weights = {pair: w for pair, w in strengths.items() if pair[1] != "X"}
    conn = ei_connectivity(n_e, n_i, recurrent_weights, seed, k={"E": int(k), "I": k_inh}) if recurrent \
        else empty_connectivity(n_e + n_i)
    external_weight = np.concatenate([np.full(n_e, strengths[("E", "X")]), np.full(n_i, strengths[("I", "X")])])
    drive = PoissonDrive(rate_hz=nu0_hz, n_inputs=int(k), weight=external_weight)
    info = {"model": "balanced_lif", "k": int(k), "k_inh": k_inh, "j": j, "g": g, "gamma": gamma,
            "nu0_hz": nu0_hz, "couplings": dict(couplings), "strengths": strengths, "delay": delay,
            "recurrent": recurrent}
    return Network(neuron=neuron, populations=ei_populations(n_e, n_i, delay, delay), connectivity=conn,
                   synapses=SynapseModel("delta"), drives=(drive,), info=info)


def brunel_variant(net, g, eta):
    """A Brunel network (from brunel_network) with new relative inhibition g and drive eta, same wiring."""
    require_network("net", net)
    if net.info.get("model") != "brunel":
        raise ValueError(f"net must be a network from brunel_network (got one from {net.info.get('model')!r}); "
                         f"for other networks use with_population_weights.")
    require_positive("g", g)
    require_non_negative("eta", eta)
    info = dict(net.info)
    j, nu_thr = info["j"], info["nu_thr_hz"]
    weights = {("E", "E"): j, ("I", "E"): j, ("E", "I"): -g * j, ("I", "I"): -g * j}
    drive = PoissonDrive(rate_hz=eta * nu_thr, n_inputs=info["c_e"], weight=j)
    info.update(g=g, eta=eta, nu_ext_hz=eta * nu_thr)
    return with_population_weights(net, weights, drives=(drive,), info=info)
