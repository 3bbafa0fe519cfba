"""Networks of any number of named populations (issue 15): connectivity per population pair, a delay and a channel
per population, results by population name, and the three-population example of CONVENTIONS.md that runs."""
import re
from pathlib import Path

import numpy as np
import pytest

from course_lib.connectivity import Connectivity, ei_connectivity, population_connectivity
from course_lib.drives import PoissonDrive
from course_lib.network import (Network, Population, SynapseModel, ei_populations, per_population,
                                simulate_network)
from course_lib.neurons import LIF

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"E": 80, "PV": 20, "SOM": 10}
WEIGHTS = {("E", "E"): 0.2, ("PV", "E"): 0.4, ("SOM", "E"): 0.3, ("E", "PV"): -1.0, ("PV", "PV"): -0.8,
           ("E", "SOM"): -0.5}
K = {"E": 8, "PV": 4, "SOM": 2}


def three_populations(delay_pv=0.5, delay_som=3.0):
    return (Population("E", 80), Population("PV", 20, inhibitory=True, delay=delay_pv),
            Population("SOM", 10, inhibitory=True, delay=delay_som))


def test_population_connectivity_has_the_in_degree_and_weight_of_each_pair():
    conn = population_connectivity(SIZES, WEIGHTS, rng=1, k=K)
    dense = conn.to_dense()                    # dense[target, source]
    start = {"E": 0, "PV": 80, "SOM": 100}
    for (target, source), weight in WEIGHTS.items():
        block = dense[start[target]:start[target] + SIZES[target], start[source]:start[source] + SIZES[source]]
        assert np.all(np.count_nonzero(block, axis=1) == K[source]), (target, source)
        assert set(np.unique(block[block != 0])) == {weight}, (target, source)
    for target, source in (("SOM", "PV"), ("SOM", "SOM"), ("PV", "SOM")):   # no projection: no synapse
        assert not dense[start[target]:start[target] + SIZES[target],
                         start[source]:start[source] + SIZES[source]].any()


def test_ei_connectivity_is_the_two_population_case():
    weights = {("E", "E"): 0.1, ("E", "I"): -0.5, ("I", "E"): 0.1, ("I", "I"): -0.5}
    a = ei_connectivity(400, 100, weights, rng=7, k={"E": 40, "I": 10})
    b = population_connectivity({"E": 400, "I": 100}, weights, rng=7, k={"E": 40, "I": 10})
    for name in ("indptr", "targets", "weights"):
        assert np.array_equal(getattr(a, name), getattr(b, name))


def test_each_population_sends_with_its_own_delay_and_channel():
    """One spike from a PV and one from a SOM neuron reach the same E neuron after 0.5 and 3.0 ms, on 'inh'."""
    pops = three_populations()
    conn = Connectivity.from_pairs([80, 100], [0, 0], [-1.0, -2.0], 110, 110)
    net = Network(neuron=LIF(), populations=pops, connectivity=conn, synapses=SynapseModel("current"))
    state = net.initial_state(0.1, rng=1)
    assert state["delay_steps"] == {"E": 15, "PV": 5, "SOM": 30}
    net.propagate(state, np.array([80, 100]))
    ring = state["ring"]["inh"]
    arrivals = {int(row): ring[row, 0] for row in np.flatnonzero(ring[:, 0])}
    assert arrivals == {(1 + 5) % ring.shape[0]: -1.0, (1 + 30) % ring.shape[0]: -2.0}
    assert not state["ring"]["exc"].any()


def test_three_populations_run_and_report_by_name():
    pops = three_populations()
    conn = population_connectivity({p.name: p.size for p in pops}, WEIGHTS, rng=2, k=K)
    neuron = LIF(c_m=250.0, g_l=12.5, e_l=0.0, v_th=20.0, v_reset=10.0,
                 t_ref=per_population(pops, {"E": 2.0, "PV": 1.0, "SOM": 2.0}))
    drive = PoissonDrive(rate_hz=60.0, n_inputs=100, weight=0.2)          # mean drive 24 mV: above threshold
    net = Network(neuron=neuron, populations=pops, connectivity=conn, synapses=SynapseModel("delta"),
                  drives=(drive,))
    assert (net.n, net.n_e, net.n_i) == (110, 80, 30)
    assert net.ranges == {"E": (0, 80), "PV": (80, 100), "SOM": (100, 110)}
    run = simulate_network(net, 200.0, dt=0.1, seed=3)
    assert run.spike_times.size > 0
    counts = {name: run.spikes_of(name)[0].size for name in ("E", "PV", "SOM", "I", "all")}
    assert counts["PV"] + counts["SOM"] == counts["I"] and counts["E"] + counts["I"] == counts["all"]
    pv_times, pv_ids = run.spikes_of("PV")
    assert np.all((pv_ids >= 80) & (pv_ids < 100))
    assert run.mean_rate_hz("SOM", 0.0, 200.0) == pytest.approx(counts["SOM"] / (10 * 0.2))
    with pytest.raises(ValueError, match="'VIP'"):
        run.spikes_of("VIP")


def test_populations_are_checked_before_anything_runs():
    conn = Connectivity.from_pairs([0], [1], [1.0], 3, 3)
    with pytest.raises(ValueError, match="excitatory populations before the inhibitory"):
        Network(LIF(), (Population("I", 1, inhibitory=True), Population("E", 2)), conn)
    with pytest.raises(ValueError, match="its own name"):
        Network(LIF(), (Population("E", 2), Population("E", 1, inhibitory=True)), conn)
    with pytest.raises(ValueError, match="'I' names all of them"):
        Network(LIF(), (Population("E", 1), Population("I", 1, inhibitory=True), Population("SOM", 1,
                                                                                            inhibitory=True)), conn)
    with pytest.raises(ValueError, match="populations hold 2"):
        Network(LIF(), ei_populations(1, 1), conn)
    with pytest.raises(ValueError, match="one value for each population"):
        per_population(ei_populations(2, 1), {"E": 1.0})


def test_the_three_population_example_in_conventions_runs():
    """CONVENTIONS.md's "A new chapter" section builds E, PV and SOM and prints their rates: run it as written."""
    text = (ROOT / "CONVENTIONS.md").read_text()
    section = text[text.index("## 22."):]
    example = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(compile(example, "CONVENTIONS.md example", "exec"), namespace)
    run = namespace["run"]
    rates = {name: run.mean_rate_hz(name, 100.0) for name in ("E", "PV", "SOM")}
    assert all(np.isfinite(rate) and rate > 0 for rate in rates.values()), rates


def test_a_neuron_model_the_engine_cannot_drive_is_named_with_what_it_lacks():
    """network.NeuronModel (a typing.Protocol) lists what the engine needs; NEURON_NEEDS is checked against it."""
    import typing
    from course_lib.network import NEURON_NEEDS, NeuronModel
    from course_lib.connectivity import empty_connectivity
    from course_lib.neurons import EIF, AdEx, HodgkinHuxley
    declared = set(typing.get_type_hints(NeuronModel)) | {"initial_state", "step"}
    assert set(NEURON_NEEDS) == declared
    with pytest.raises(ValueError, match=r"cannot drive a HodgkinHuxley: it lacks v_reset, tau_m .*LIF, EIF or AdEx"):
        Network(neuron=HodgkinHuxley(), populations=ei_populations(4, 1), connectivity=empty_connectivity(5))
    for model in (LIF(), EIF(), AdEx()):
        Network(neuron=model, populations=ei_populations(4, 1), connectivity=empty_connectivity(5))
