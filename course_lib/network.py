"""Networks of spiking neurons (Part III): sparse connectivity, event-driven spikes, delays, monitors.

A network of n = n_e + n_i neurons: indices 0 .. n_e-1 are excitatory (E), n_e .. n-1 inhibitory (I).

    net = brunel_network(g=5.0, eta=2.0, seed=1)         # or balanced_lif_network(...), or build your own
    result = simulate_network(net, t_stop=500.0, dt=0.1, seed=2, record_v=[0, 1], record_currents=[0])
    result.spike_times, result.spike_indices, result.v, result.currents["exc"]

How one step of length dt works (``Network.step``, the loop students read):

1. spikes sent ``delay`` ms ago arrive: one row of a ring buffer per channel (exc, inh);
2. external Poisson inputs arrive (a random count per neuron) on the channel ``ext``;
3. the synapses turn arrivals into currents (pA): delta pulses, exponential currents or
   exponential conductances with reversal potentials;
4. the neuron model from ``course_lib.neurons`` advances under the summed current;
5. only the neurons that spiked touch memory: their target lists (compressed rows, ``Connectivity``)
   are added into the ring-buffer row that will be read ``delay`` ms later.

Units: ms, mV, pA, nS, pF, Hz. Synaptic weights are mV (delta: the jump of v), pA (current-based:
the jump of the synaptic current) or nS (conductance-based: the jump of the conductance).

Speed: the state holds the work arrays that every step reuses (allocated once, in initial_state); an LIF
neuron is updated in place (``lif_step_in_place``: the numbers of ``LIF.step`` in fewer numpy calls); the
cost grows with the number of synaptic events. The connectivity is built in a stream (all random draws
first, kept compactly, then written piece by piece into the final arrays), so that building peaks near
the size of the final arrays. benchmarks/README.md compares this engine with Brian2 on the networks of
Brette et al. (2007) and Brunel (2000), shows how it scales, and where a step's time goes
(benchmarks/engine_profile.py).
"""
import bisect
import dataclasses
import functools
from dataclasses import dataclass, field

import numpy as np

from .neurons import LIF
from .progress import progress_range
from .simulation import check_dt, n_steps_for
from .units import expected_count, hz_to_per_ms, hz_to_per_ms_unchecked
from .validation import (MAX_NEURONS, InputTypeError, require_choice, require_count, require_finite, require_in_range,
                         require_indices, require_instance, require_mapping, require_memory, require_model,
                         require_non_negative, require_number, require_positive, require_seed, require_window)

CHANNELS = ("exc", "inh", "ext")
SYNAPSE_KINDS = ("delta", "current", "conductance")
LARGEST_DENSE_ENTRIES = 20_000_000   # to_dense() refuses bigger matrices (160 MB of float64)

#: Peak memory of building the synapses, bytes per synapse: the final arrays take 12 (int32 target, float64
#: weight). The streaming build (ei_connectivity) keeps the draws in 4 B (fixed in-degree) or 8 B (Bernoulli) per
#: synapse until the targets are in place, then adds the weights: measured peaks 13.0-13.1 B (numpy's allocations,
#: tracemalloc; 15.6 M and 62.5 M synapses of Brunel's network) and 14.0-16.4 B of resident memory with the
#: interpreter. 16 B covers both, plus the temporaries of one BUILD_CHUNK; the standalone bernoulli() returns
#: int64 sources and may reach 20 B (its guard uses this estimate against half the free memory).
BUILD_BYTES_PER_SYNAPSE = 16


def require_synapse_memory(n_synapses, described, advice):
    """Refuse (ValueError) before drawing n_synapses synapses if building them would not fit in memory.

    described: the arguments that set the number, e.g. "n_e = 10000, n_i = 2500, epsilon = 0.1";
    the estimate is BUILD_BYTES_PER_SYNAPSE per synapse (the peak while building), against half the free memory.
    """
    require_memory(f"Building {n_synapses:.3g} synapses ({described})", n_synapses, BUILD_BYTES_PER_SYNAPSE,
                   advice=advice)


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


def require_network(name, net, kind=None):
    """Raise InputTypeError unless net is a Network (or a BinaryNetwork when kind is BinaryNetwork)."""
    return require_instance(name, net, kind or Network)


# ----------------------------------------------------------------------------------------------
# Connectivity: compressed rows of targets, one row per source neuron
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Connectivity:
    """Synapses stored per source neuron (CSR): source j projects to targets[indptr[j]:indptr[j+1]].

    weights[s] is the strength of synapse s (mV, pA or nS, see the module doc). Build one with
    ``Connectivity.from_pairs`` or the helpers ``fixed_indegree``, ``bernoulli`` and ``ei_connectivity``.
    """

    indptr: np.ndarray    # (n_source + 1,) int64, non-decreasing, indptr[0] = 0
    targets: np.ndarray   # (n_synapses,) int32, target neuron of each synapse
    weights: np.ndarray   # (n_synapses,) float64, strength of each synapse
    n_target: int

    def __post_init__(self):
        require_count("n_target", self.n_target, maximum=MAX_NEURONS)
        indptr, targets = require_indices("indptr", self.indptr), require_indices("targets", self.targets)
        weights = np.asarray(self.weights) if not isinstance(self.weights, str) else None
        if weights is None or weights.dtype.kind not in "iuf":
            raise InputTypeError(f"weights must be an array of numbers, one per synapse (got {self.weights!r:.60}).")
        if not np.all(np.isfinite(weights)):
            raise ValueError("weights must be finite numbers (mV, pA or nS): nan and inf are not allowed.")
        if indptr.ndim != 1 or indptr.size < 1 or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
            raise ValueError("indptr must be a 1-d non-decreasing array starting at 0 (one entry per source + 1).")
        if targets.shape != (indptr[-1],) or weights.shape != targets.shape:
            raise ValueError(f"targets {targets.shape} and weights {weights.shape} must both have indptr[-1] = "
                             f"{indptr[-1]} entries (one per synapse).")
        if targets.size and (targets.min() < 0 or targets.max() >= self.n_target):
            raise ValueError(f"targets must lie in 0 .. {self.n_target - 1} (n_target = {self.n_target}).")

    @classmethod
    def from_pairs(cls, sources, targets, weights, n_source, n_target):
        """Build from one entry per synapse (source, target, weight): groups synapses by source."""
        n_source = require_count("n_source", n_source, maximum=MAX_NEURONS)
        n_target = require_count("n_target", n_target, maximum=MAX_NEURONS)
        sources = require_indices("sources", sources, n_source).astype(np.int64)
        targets = require_indices("targets", targets, n_target)
        weights = require_finite("weights", weights)
        if sources.shape != targets.shape:
            raise ValueError(f"sources {sources.shape} and targets {targets.shape} must be of equal length.")
        if weights.shape not in ((), sources.shape):
            raise ValueError(f"weights must be one number or one per synapse (shape {sources.shape}); "
                             f"got shape {weights.shape}.")
        weights = np.broadcast_to(weights, sources.shape)
        order = stable_order(sources)
        indptr = np.zeros(n_source + 1, dtype=np.int64)
        np.cumsum(np.bincount(sources, minlength=n_source), out=indptr[1:])
        return cls(indptr=indptr, targets=targets[order].astype(np.int32), weights=weights[order].copy(),
                   n_target=int(n_target))

    @property
    def n_source(self):
        """Number of source (presynaptic) neurons."""
        return self.indptr.size - 1

    @property
    def n_synapses(self):
        """Total number of synapses."""
        return int(self.indptr[-1])

    def out_degree(self):
        """Number of synapses each source neuron makes, shape (n_source,)."""
        return np.diff(self.indptr)

    def in_degree(self, sources=None):
        """Number of synapses each target receives (from all sources, or from the given source indices)."""
        if sources is None:
            return np.bincount(self.targets, minlength=self.n_target)
        sources = require_indices("sources", np.atleast_1d(sources), self.n_source)
        return np.bincount(self.outgoing(sources)[0], minlength=self.n_target)

    def outgoing(self, sources):
        """Targets and weights of all synapses made by the given source neurons (concatenated).

        Called in every step of a run: unchecked (sources must be indices 0 .. n_source - 1).
        """
        sources = np.asarray(sources).tolist()
        return csr_rows(self.targets, self.indptr, sources), csr_rows(self.weights, self.indptr, sources)

    def outgoing_targets(self, sources):
        """Targets of all synapses made by the given source neurons (concatenated), without their weights."""
        return csr_rows(self.targets, self.indptr, np.asarray(sources).tolist())

    def to_dense(self):
        """Weight matrix W[target, source] (summing multapses); only for small networks (tests, teaching)."""
        if self.n_target * self.n_source > LARGEST_DENSE_ENTRIES:
            raise ValueError(f"a dense {self.n_target} x {self.n_source} matrix is too large; keep the sparse rows.")
        dense = np.zeros((self.n_target, self.n_source))
        sources = np.repeat(np.arange(self.n_source), self.out_degree())
        np.add.at(dense, (self.targets, sources), self.weights)
        return dense


def stable_order(keys):
    """Indices that sort integer keys (>= 0) stably, by radix sort on 16-bit halves (O(n), no comparisons)."""
    keys = require_indices("keys", keys)
    if keys.size == 0 or keys.max() < 2 ** 16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    if keys.max() >= 2 ** 32:
        return np.argsort(keys, kind="stable")
    low_first = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    by_high = np.argsort((keys[low_first] >> 16).astype(np.uint16), kind="stable")
    return low_first[by_high]


#: Synapses handled at a time while building a connectivity: bounds the temporary arrays (a few times 2 MB).
BUILD_CHUNK = 2 ** 18


def fixed_indegree(n_source, n_target, k, rng, same_population=False, allow_multapses=False):
    """Each of n_target neurons gets exactly k inputs drawn from n_source -> (sources, targets), local ids.

    same_population: sources and targets are the same neurons, so i -> i (autapses) are excluded.
    allow_multapses: if False (default), the k sources of a neuron are distinct.
    No loop over neurons: draw k sources per neuron with replacement, drop repeated ones and
    autapses, then redraw the missing ones until every neuron has k distinct sources.
    """
    return _draw_fixed_indegree(n_source, n_target, k, rng, same_population, allow_multapses).pairs()


def _draw_fixed_indegree(n_source, n_target, k, rng, same_population=False, allow_multapses=False):
    """The random draws of fixed_indegree (same arguments), kept compactly as a _FixedIndegreeDraw."""
    n_source = require_count("n_source", n_source, minimum=0, maximum=MAX_NEURONS)
    n_target = require_count("n_target", n_target, minimum=0, maximum=MAX_NEURONS)
    require_count("k", k, minimum=0)
    require_seed("rng", rng)
    available = n_source - (1 if same_population else 0)
    if int(k) != k or not 0 <= k <= available:
        raise ValueError(f"in-degree k = {k} must be a whole number between 0 and {available} (the available sources).")
    k = int(k)
    require_synapse_memory(n_target * k, f"n_target = {n_target} neurons with k = {k} inputs each",
                           "Use fewer neurons (n_target) or a smaller in-degree k.")
    rng = np.random.default_rng(rng)
    chosen = rng.integers(0, n_source, size=(n_target, k), dtype=np.int32)
    draw = _FixedIndegreeDraw(n_source, chosen, same_population, allow_multapses)
    if draw.keeps_all:
        return draw
    chosen.sort(axis=1)
    missing = np.concatenate([np.nonzero(draw.rejected(first, stop))[0].astype(np.int32) + np.int32(first)
                              for first, stop in draw.row_chunks()] or [np.zeros(0, dtype=np.int32)])
    extra_keys = np.zeros(0, dtype=np.int64)
    while missing.size:                                         # one entry per input still to draw
        candidates = rng.integers(0, n_source, size=missing.size, dtype=np.int32)
        keys = missing.astype(np.int64) * n_source + candidates
        ok = ~(draw.in_first_draw(missing, keys) | _contains(extra_keys, keys))
        if same_population:
            ok &= candidates != missing
        if not allow_multapses:
            first = np.zeros(keys.size, dtype=bool)
            first[np.unique(keys, return_index=True)[1]] = True
            ok &= first
        draw.extra_sources.append(candidates[ok])
        draw.extra_targets.append(missing[ok])
        extra_keys = np.sort(np.concatenate([extra_keys, keys[ok]]))
        missing = missing[~ok]
    return draw


@dataclass(eq=False)
class _FixedIndegreeDraw:
    """What fixed_indegree drew, in 4 bytes per synapse, listed in its order by pieces() (for a streaming build).

    chosen: (n_target, k) int32, the first k sources drawn for each target, each row sorted (unless all are
    kept: multapses allowed between two populations); the repeats and autapses in it are dropped when listing.
    extra_sources, extra_targets: the redrawn inputs, in drawing order.
    """

    n_source: int
    chosen: np.ndarray
    same_population: bool
    allow_multapses: bool
    extra_sources: list = field(default_factory=list)
    extra_targets: list = field(default_factory=list)

    @property
    def keeps_all(self):
        """True if every first-drawn input is kept (multapses allowed, no autapses possible)."""
        return self.allow_multapses and not self.same_population

    def row_chunks(self):
        """(first, stop) target ranges of about BUILD_CHUNK synapses each."""
        n_target, k = self.chosen.shape
        step = max(1, BUILD_CHUNK // max(k, 1))
        return [(first, min(first + step, n_target)) for first in range(0, n_target, step)]

    def rejected(self, first, stop):
        """Which first-drawn inputs of targets first .. stop-1 are dropped (repeats, autapses): (rows, k) bool."""
        rows = self.chosen[first:stop]
        bad = np.zeros(rows.shape, dtype=bool)
        if not self.allow_multapses:
            bad[:, 1:] = rows[:, 1:] == rows[:, :-1]
        if self.same_population:
            bad |= rows == np.arange(first, stop, dtype=np.int32)[:, None]
        return bad

    def in_first_draw(self, targets, keys):
        """Whether each key (target * n_source + source; targets sorted) is in the first draw, chunk by chunk.

        Repeats and autapses count as present: a repeat's source is also kept once, and an autapse is
        refused anyway, so the answer is that of the kept inputs alone.
        """
        found = np.zeros(keys.size, dtype=bool)
        for first, stop in self.row_chunks():
            lo, hi = np.searchsorted(targets, [first, stop])
            if lo < hi:
                row_keys = np.arange(first, stop, dtype=np.int64)[:, None] * self.n_source + self.chosen[first:stop]
                found[lo:hi] = _contains(row_keys.ravel(), keys[lo:hi])
        return found

    def pieces(self):
        """(sources, targets) int32 pieces of the kept inputs: targets in order, then the redrawn ones."""
        for first, stop in self.row_chunks():
            rows = self.chosen[first:stop]
            targets = np.broadcast_to(np.arange(first, stop, dtype=np.int32)[:, None], rows.shape)
            if self.keeps_all:
                yield rows.ravel(), targets.ravel()
            else:
                kept = ~self.rejected(first, stop)
                yield rows[kept], targets[kept]
        yield from zip(self.extra_sources, self.extra_targets)

    def pairs(self):
        """All (sources, targets) int32, in the order of pieces()."""
        return _joined(self, (np.int32, np.int32))


def _joined(draw, dtypes):
    """All (sources, targets) pieces of a draw in two arrays of the given dtypes, filled piece by piece."""
    total = sum(sources.size for sources, _ in draw.pieces())
    joined = tuple(np.empty(total, dtype=dtype) for dtype in dtypes)
    start = 0
    for sources, targets in draw.pieces():
        joined[0][start:start + sources.size], joined[1][start:start + sources.size] = sources, targets
        start += sources.size
    return joined


def _contains(sorted_keys, keys):
    """Boolean array: which keys occur in the sorted array sorted_keys (binary search)."""
    if sorted_keys.size == 0:
        return np.zeros(keys.shape, dtype=bool)
    where = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    return sorted_keys[where] == keys


def bernoulli(n_source, n_target, p, rng, same_population=False):
    """Each pair (source, target) is connected with probability p -> (sources, targets), local ids.

    Exact and loop-free: the gaps between connected pairs, counted along all n_source x n_target
    pairs, are geometric with parameter p. same_population excludes autapses i -> i.
    """
    return _joined(_draw_bernoulli(n_source, n_target, p, rng, same_population), (np.int64, np.int32))


def _draw_bernoulli(n_source, n_target, p, rng, same_population=False):
    """The synapses of bernoulli (same arguments) as a _BernoulliDraw: int32 pieces, sources ascending."""
    n_source = require_count("n_source", n_source, minimum=0, maximum=MAX_NEURONS)
    n_target = require_count("n_target", n_target, minimum=0, maximum=MAX_NEURONS)
    p = float(require_in_range("p", p, 0.0, 1.0))
    require_seed("rng", rng)
    require_synapse_memory(p * n_source * n_target, f"n_source = {n_source} x n_target = {n_target} pairs, each "
                           f"connected with probability p = {p:g}", "Use fewer neurons or a smaller p.")
    rng = np.random.default_rng(rng)
    n_pairs = n_source * n_target
    draw = _BernoulliDraw(n_source)
    if p == 0 or n_pairs == 0:
        return draw
    last = -1
    while last < n_pairs - 1:
        size = int(p * (n_pairs - last) + 5 * np.sqrt(p * n_pairs) + 100)     # gaps drawn in this round
        for piece_size in [BUILD_CHUNK] * (size // BUILD_CHUNK) + [size % BUILD_CHUNK]:
            if piece_size:
                pairs = last + np.cumsum(rng.geometric(p, size=piece_size))
                last = pairs[-1]
                draw.add(pairs[pairs < n_pairs], n_target, same_population)
    return draw


@dataclass(eq=False)
class _BernoulliDraw:
    """The synapses bernoulli drew, as (sources, targets) int32 pieces with sources ascending (8 bytes per synapse)."""

    n_source: int
    drawn: list = field(default_factory=list)

    def add(self, pairs, n_target, same_population):
        """Add connected pairs (source * n_target + target, ascending), without autapses if same_population."""
        sources, targets = np.divmod(pairs, n_target)
        if same_population:
            keep = sources != targets
            sources, targets = sources[keep], targets[keep]
        if sources.size:
            self.drawn.append((sources.astype(np.int32), targets.astype(np.int32)))

    def pieces(self):
        """The (sources, targets) pieces in drawing order."""
        return iter(self.drawn)


POPULATIONS = ("E", "I")


def ei_connectivity(n_e, n_i, weights, rng, k=None, p=None, allow_self=False, allow_multapses=False):
    """Random E/I connectivity with fixed in-degree (k) or connection probability (p), as one Connectivity.

    weights: dict {(target, source): weight} over the pairs ("E","E"), ("E","I"), ("I","E"), ("I","I");
             inhibitory weights are negative for delta and current synapses, positive conductances (nS)
             for conductance synapses. Missing pairs mean no connection.
    k: dict {"E": k_e, "I": k_i}, the number of inputs each neuron receives from each population; or
    p: dict {"E": p_e, "I": p_i} (or one number), the connection probability from each population.
    Streaming build: all pairs are drawn first (compactly), then written piece by piece into the final
    arrays, so that the peak memory stays near the final arrays (BUILD_BYTES_PER_SYNAPSE).
    """
    if (k is None) == (p is None):
        raise ValueError("give exactly one of k (fixed in-degree per source population) or p (probability).")
    n_e = require_count("n_e", n_e, minimum=0, maximum=MAX_NEURONS)
    n_i = require_count("n_i", n_i, minimum=0, maximum=MAX_NEURONS)
    if n_e + n_i < 1:
        raise ValueError("n_e + n_i must be at least 1 (got n_e = 0 and n_i = 0).")
    require_population_weights("weights", weights)
    require_seed("rng", rng)
    size = {"E": n_e, "I": n_i}
    per_source = {}
    for name, value in (("k", k), ("p", p)):
        if value is not None:
            for pop in {source for _, source in weights}:
                if isinstance(value, dict) and pop not in value:
                    raise ValueError(f"{name} must give a value for the source population {pop!r} (got {value!r:.60}).")
                entry = value[pop] if isinstance(value, dict) else value
                per_source[pop] = require_count(f"{name}[{pop!r}]", entry, minimum=0) if name == "k" else \
                    float(require_in_range(f"{name}[{pop!r}]", entry, 0.0, 1.0))
    n_synapses = sum(size[target] * (per_source[source] if k is not None else per_source[source] * size[source])
                     for target, source in weights)
    require_synapse_memory(n_synapses, f"n_e = {n_e}, n_i = {n_i}, {'k' if k is not None else 'p'} = "
                           f"{k if k is not None else p}", "Use fewer neurons (n_e, n_i) or fewer inputs per neuron.")
    rng = np.random.default_rng(rng)
    offset = {"E": 0, "I": n_e}
    blocks = []                        # (source offset, target offset, draw) per population pair, in drawing order
    for (target_pop, source_pop) in weights:
        same = target_pop == source_pop and not allow_self
        if k is not None:
            k_pop = k[source_pop] if isinstance(k, dict) else k
            draw = _draw_fixed_indegree(size[source_pop], size[target_pop], k_pop, rng, same, allow_multapses)
        else:
            p_pop = p[source_pop] if isinstance(p, dict) else p
            draw = _draw_bernoulli(size[source_pop], size[target_pop], p_pop, rng, same)
        blocks.append((offset[source_pop], offset[target_pop], draw))
    del draw
    n = n_e + n_i
    indptr = _csr_indptr(blocks, n)
    targets = _csr_targets(blocks, indptr)
    return Connectivity(indptr=indptr, targets=targets, weights=population_weights(indptr, targets, n_e, weights),
                        n_target=n)


def _csr_indptr(blocks, n):
    """Row pointers (n + 1,) int64 of the synapses in blocks [(source offset, target offset, draw)]: source s owns
    synapses indptr[s] .. indptr[s + 1] - 1."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    for source_offset, _, draw in blocks:
        made = indptr[1 + source_offset:1 + source_offset + draw.n_source]
        for sources, _ in draw.pieces():
            made += np.bincount(sources, minlength=draw.n_source)
    np.cumsum(indptr, out=indptr)
    return indptr


def _csr_targets(blocks, indptr):
    """The targets of all synapses in CSR order, filled piece by piece; empties blocks as it goes (frees memory).

    Each source's synapses keep the order in which the blocks list them (a stable sort by source).
    """
    targets = np.empty(int(indptr[-1]), dtype=np.int32)
    next_free = indptr[:-1].copy()                      # where the next synapse of each source goes
    while blocks:
        source_offset, target_offset, draw = blocks.pop(0)
        rows = next_free[source_offset:source_offset + draw.n_source]
        for sources, piece_targets in draw.pieces():
            _place_by_source(targets, rows, sources, piece_targets + np.int32(target_offset))
        del draw
    return targets


def _place_by_source(out, next_free, sources, targets):
    """Write targets into out at next_free[source] onwards, in their order within each source; advance next_free."""
    order = stable_order(sources)                           # this piece's synapses grouped by source, in order
    made = np.bincount(sources, minlength=next_free.size)
    # the i-th synapse of the grouped piece goes to i + (next_free - first index of its source in the piece)
    shift = next_free - (np.cumsum(made) - made)
    out[shift[sources[order]] + np.arange(sources.size)] = targets[order]
    next_free += made


def require_population_weights(name, weights):
    """Raise unless weights is a dict {(target, source): finite number} over pairs of 'E' and 'I'."""
    require_mapping(name, weights)
    for key in weights:
        if not (isinstance(key, tuple) and len(key) == 2 and key[0] in POPULATIONS and key[1] in POPULATIONS):
            raise ValueError(f"{name} keys must be (target, source) pairs of 'E' and 'I', e.g. ('E', 'I'); "
                             f"got {key!r}.")
    return weights


def population_weights(indptr, targets, n_e, weights):
    """One weight per synapse (CSR order) from a table {(target, source): w} of population pairs.

    The weight depends only on whether the target and the source are E or I: sources below n_e
    own the synapses before indptr[n_e]. Filled BUILD_CHUNK synapses at a time (no full-size temporaries).
    """
    split = indptr[n_e]
    out = np.empty(targets.size)
    for start in range(0, targets.size, BUILD_CHUNK):
        stop = min(start + BUILD_CHUNK, targets.size)
        for source_pop, first, last in (("E", start, min(stop, split)), ("I", max(start, split), stop)):
            if first < last:
                out[first:last] = np.where(targets[first:last] < n_e, weights.get(("E", source_pop), 0.0),
                                           weights.get(("I", source_pop), 0.0))
    return out


def empty_connectivity(n):
    """A network of n neurons without recurrent synapses (a control: the same neurons, uncoupled)."""
    n = require_count("n", n, maximum=MAX_NEURONS)
    return Connectivity(indptr=np.zeros(n + 1, dtype=np.int64), targets=np.zeros(0, dtype=np.int32),
                        weights=np.zeros(0), n_target=n)


# ----------------------------------------------------------------------------------------------
# Synapses and external drive
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SynapseModel:
    """How arriving spikes become current, per channel exc / inh / ext (ext has excitatory kinetics).

    kind "delta": a spike of weight w (mV) makes v jump by w (Brunel 2000);
    kind "current": the synaptic current (pA) jumps by w and decays with tau_exc / tau_inh;
    kind "conductance": the conductance (nS) jumps by w and decays; current g (e_rev - v)
    (Vogels & Abbott 2005; Brette et al. 2007 COBA: tau_exc 5 ms, tau_inh 10 ms, e_exc 0 mV, e_inh -80 mV).
    """

    kind: str = "delta"
    tau_exc: float = 5.0    # decay of excitatory (and external) synaptic current/conductance, ms
    tau_inh: float = 10.0   # decay of inhibitory synaptic current/conductance, ms
    e_exc: float = 0.0      # excitatory reversal potential, mV (conductance synapses only)
    e_inh: float = -80.0    # inhibitory reversal potential, mV (conductance synapses only)

    def __post_init__(self):
        if not isinstance(self.kind, str) or self.kind not in SYNAPSE_KINDS:
            raise ValueError(f"synapse kind must be one of {SYNAPSE_KINDS}, got {self.kind!r}.")
        require_positive("tau_exc", self.tau_exc, "ms")
        require_positive("tau_inh", self.tau_inh, "ms")
        require_number("e_exc", self.e_exc, "mV")
        require_number("e_inh", self.e_inh, "mV")

    def tau(self, channel):
        """Decay time constant (ms) of a channel: inh uses tau_inh, exc and ext use tau_exc."""
        return self.tau_inh if channel == "inh" else self.tau_exc

    def reversal(self, channel):
        """Reversal potential (mV) of a channel (conductance synapses)."""
        return self.e_inh if channel == "inh" else self.e_exc


@dataclass(frozen=True, eq=False)
class PoissonDrive:
    """n_inputs independent Poisson spike trains per neuron, each at rate_hz, each of strength weight.

    rate_hz: a number, one rate per neuron (an (n,) array: a few distinct values sweep the drive in
    one run), or a function of time t_ms returning a number (a time-varying drive).
    weight: a number or one value per neuron (mV, pA or nS as the synapses); channel "ext" (default,
    excitatory kinetics) or "inh". Per step each neuron receives a Poisson count of spikes.
    """

    rate_hz: object
    n_inputs: int
    weight: object
    channel: str = "ext"

    def __post_init__(self):
        if not callable(self.rate_hz):
            require_non_negative("rate_hz", self.rate_hz, "Hz")
        require_count("n_inputs", self.n_inputs, minimum=0, maximum=MAX_NEURONS)
        require_finite("weight", self.weight)
        if not isinstance(self.channel, str) or self.channel not in ("ext", "inh"):
            raise ValueError(f"channel must be 'ext' or 'inh' (got {self.channel!r}).")

    @functools.cached_property
    def rate_groups(self):
        """For a per-neuron rate array: [(rate_hz, neuron indices)] per distinct rate; None otherwise."""
        if callable(self.rate_hz) or np.ndim(self.rate_hz) == 0:
            return None
        rates, which = np.unique(np.asarray(self.rate_hz, dtype=float), return_inverse=True)
        return [(rate, np.flatnonzero(which == i)) for i, rate in enumerate(rates)]

    def counts(self, n, dt, t_ms, rng):
        """Number of input spikes each of n neurons receives in the step [t_ms, t_ms + dt): Poisson."""
        if self.rate_groups is None:
            return poisson_counts(self.expected_spikes(dt, t_ms), n, rng)
        counts = np.empty(n, dtype=np.int64)
        for rate_hz, neurons in self.rate_groups:
            mean = hz_to_per_ms_unchecked(rate_hz) * dt * self.n_inputs
            counts[neurons] = poisson_counts(mean, neurons.size, rng)
        return counts

    def expected_spikes(self, dt, t_ms):
        """Expected number of input spikes per neuron in a step of dt ms starting at t_ms (one rate for all).

        Called in every step: a constant rate was checked on construction, a rate function is checked here.
        """
        if callable(self.rate_hz):
            return expected_count(float(self.rate_hz(t_ms)), dt) * self.n_inputs
        return hz_to_per_ms_unchecked(float(self.rate_hz)) * dt * self.n_inputs


@dataclass(frozen=True, eq=False)
class ConstantDrive:
    """A current (pA) injected into every neuron: a number, one value per neuron, or a function of t_ms."""

    current_pa: object

    def __post_init__(self):
        if not callable(self.current_pa):
            require_finite("current_pa", self.current_pa, "pA")

    def current_at(self, t_ms):
        """Current (pA) at time t_ms (a number or an (n,) array)."""
        return self.current_pa(t_ms) if callable(self.current_pa) else self.current_pa


def poisson_counts(mean, n, rng):
    """n independent Poisson counts with the given mean (one uniform random number each).

    Inverse-CDF sampling, sped up by a lookup table (poisson_table): measured here (numpy 2.4,
    12,500 neurons, mean 2) rng.poisson takes 400 us per call, searchsorted on the CDF 220 us, the
    table 55 us. Exact up to the 2^-32 resolution of the uniforms: uniforms that fall in a table bin
    holding a CDF step are resolved by searchsorted. Means above 50 fall back to rng.poisson.
    """
    if mean <= 0:
        return np.zeros(n, dtype=np.int64)
    if mean > 50:
        return rng.poisson(mean, n)
    cdf, table = poisson_table(float(mean))
    bits = rng.integers(0, 2 ** 32, size=n, dtype=np.uint32)     # a uniform u = bits / 2^32
    counts = np.take(table, bits >> 16)                           # the table has 2^16 bins
    unsure = counts < 0
    if unsure.any():
        counts[unsure] = np.searchsorted(cdf, bits[unsure] / 2.0 ** 32, side="right")
    return counts


@functools.lru_cache(maxsize=32)
def poisson_table(mean, bins=2 ** 16):
    """CDF of Poisson(mean) (up to 1 - 1e-16) and a table: count for each of `bins` equal bins of [0, 1).

    table[b] is the count of every uniform u in [b/bins, (b+1)/bins), or -1 if a CDF step lies inside.
    """
    ks = np.arange(min(int(mean + 12 * np.sqrt(mean) + 15), 127))
    log_pmf = ks * np.log(mean) - mean - np.cumsum(np.log(np.maximum(ks, 1)))
    cdf = np.cumsum(np.exp(log_pmf))[:-1]
    left = np.arange(bins) / bins
    count_left = np.searchsorted(cdf, left, side="right")
    count_right = np.searchsorted(cdf, left + (1.0 - 1e-12) / bins, side="right")
    table = np.where(count_left == count_right, count_left, -1).astype(np.int8)
    return cdf, table


# ----------------------------------------------------------------------------------------------
# The network and its step
# ----------------------------------------------------------------------------------------------

def combine_populations(neuron_e, neuron_i, n_e, n_i):
    """One neuron model for all n_e + n_i neurons: per-neuron parameter arrays where E and I differ."""
    require_model("neuron_e", neuron_e)
    if neuron_i is not None:
        require_model("neuron_i", neuron_i)
    n_e = require_count("n_e", n_e, minimum=0, maximum=MAX_NEURONS)
    n_i = require_count("n_i", n_i, minimum=0, maximum=MAX_NEURONS)
    if neuron_i is None or neuron_i is neuron_e or vars(neuron_i) == vars(neuron_e):
        return neuron_e
    if type(neuron_i) is not type(neuron_e):
        raise ValueError(f"neuron_e and neuron_i must be the same model type (e.g. both LIF); got "
                         f"{type(neuron_e).__name__} and {type(neuron_i).__name__}.")
    params = {name: np.concatenate([np.broadcast_to(value, n_e), np.broadcast_to(getattr(neuron_i, name), n_i)])
              for name, value in vars(neuron_e).items()}
    return type(neuron_e)(**params)


@dataclass(frozen=True, eq=False)
class Network:
    """E and I populations of course_lib neurons, sparse synapses with delays, and external drives.

    neuron: a model from course_lib.neurons (per-neuron parameter arrays of shape (n,) allowed);
    connectivity: all recurrent synapses (sources and targets 0 .. n-1, E first);
    delay_exc / delay_inh: transmission delay (ms) of synapses made by E / I neurons;
    drives: PoissonDrive and ConstantDrive objects; info: the builder's parameters (for theory).
    """

    neuron: object
    n_e: int
    n_i: int
    connectivity: Connectivity
    synapses: SynapseModel = field(default_factory=SynapseModel)
    delay_exc: float = 1.5
    delay_inh: float = 1.5
    drives: tuple = ()
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        require_model("neuron", self.neuron, needs=("initial_state", "step", "max_dt", "v_reset", "g_l", "tau_m",
                                                    "n_params"))
        require_count("n_e", self.n_e, minimum=0, maximum=MAX_NEURONS)
        require_count("n_i", self.n_i, minimum=0, maximum=MAX_NEURONS)
        if self.n < 1:
            raise ValueError(f"n_e and n_i must be whole numbers >= 0 with n_e + n_i >= 1 "
                             f"(got {self.n_e}, {self.n_i}).")
        require_instance("connectivity", self.connectivity, Connectivity)
        require_instance("synapses", self.synapses, SynapseModel)
        require_instance("drives", self.drives, (tuple, list))
        require_instance("info", self.info, dict)
        if self.connectivity.n_source != self.n or self.connectivity.n_target != self.n:
            raise ValueError(f"connectivity is {self.connectivity.n_source} -> {self.connectivity.n_target} "
                             f"neurons but the network has n_e + n_i = {self.n}.")
        if self.neuron.n_params not in (1, self.n):
            raise ValueError(f"the neuron has parameters for {self.neuron.n_params} neurons; the network has {self.n}.")
        require_non_negative("delay_exc", self.delay_exc, "ms")
        require_non_negative("delay_inh", self.delay_inh, "ms")
        for drive in self.drives:
            if not isinstance(drive, (PoissonDrive, ConstantDrive)):
                raise InputTypeError(f"drives must be PoissonDrive or ConstantDrive objects, got "
                                     f"{type(drive).__name__}.")
            if isinstance(drive, PoissonDrive):
                for name in ("rate_hz", "weight"):
                    value = getattr(drive, name)
                    if not callable(value) and np.ndim(value) > 0 and np.shape(value) != (self.n,):
                        raise ValueError(f"drives: PoissonDrive.{name} has shape {np.shape(value)}; give a number "
                                         f"or one value per neuron, shape ({self.n},).")

    @property
    def n(self):
        """Total number of neurons."""
        return self.n_e + self.n_i

    def delay_steps(self, dt):
        """Delays in whole steps {"exc": d_e, "inh": d_i}; ValueError if a delay is not a multiple of dt."""
        dt = float(require_positive("dt", dt, "ms"))
        steps = {}
        for channel, delay in (("exc", self.delay_exc), ("inh", self.delay_inh)):
            d = int(round(delay / dt))
            if abs(d * dt - delay) > 1e-6 * max(delay, dt):
                raise ValueError(f"delay_{channel} = {delay} ms is not a multiple of dt = {dt} ms; "
                                 f"choose dt that divides the delay (e.g. dt = {delay / max(d, 1):g} ms).")
            steps[channel] = d
        return steps

    def initial_state(self, dt, rng, v0=None):
        """State at t = 0: membrane v0 (default uniform between reset and threshold), silent synapses.

        Holds the neuron state, one synaptic trace per channel, the ring buffers of delayed input
        (one row per step of the longest delay + 1), the step-size constants and work arrays that
        every step reuses (no allocation of (n,) arrays in the loop).
        """
        check_dt(self.neuron, dt)
        require_seed("rng", rng)
        if v0 is not None and require_finite("v0", v0, "mV").shape not in ((), (self.n,)):
            raise ValueError(f"v0 must be one potential (mV) or one per neuron, shape ({self.n},); "
                             f"got shape {np.shape(v0)}.")
        n, delays = self.n, self.delay_steps(dt)
        require_memory(f"The delay ring buffers (delays {self.delay_exc:g} and {self.delay_inh:g} ms at "
                       f"dt = {dt:g} ms, {n} neurons)", 2 * (max(delays.values()) + 1) * n,
                       advice="Use a larger dt (the ring holds one row per step of the longest delay).")
        rng = np.random.default_rng(rng)
        neuron_state = self.neuron.initial_state(n)
        if v0 is None:
            low, high = self.neuron.v_reset, getattr(self.neuron, "v_th", getattr(self.neuron, "v_t", None))
            v0 = rng.uniform(0.0, 1.0, n) * (np.asarray(high) - low) + low
        neuron_state["v"] = np.broadcast_to(np.asarray(v0, dtype=float), (n,)).copy()
        ring_length = max(delays.values()) + 1
        state = {"neuron": neuron_state, "step": 0, "dt": dt, "delay_steps": delays,
                 "ring": {ch: np.zeros((ring_length, n)) for ch in ("exc", "inh")},
                 "trace": {ch: np.zeros(n) for ch in CHANNELS},
                 "currents": {ch: np.zeros(n) for ch in CHANNELS},
                 "external": np.zeros(n),
                 "i_total": np.zeros(n), "scratch": np.zeros(n),
                 "active": self.active_channels(),
                 "same_weight": {"exc": self.common_weight(0, self.n_e), "inh": self.common_weight(self.n_e, n)},
                 "row_start": self.connectivity.indptr.tolist(),   # source s owns synapses row_start[s] .. [s+1]-1
                 "last_spikes": np.zeros(0, dtype=np.intp)}
        state.update(self.step_constants(dt))
        if type(self.neuron) is LIF:      # the LIF update runs in place (lif_step_in_place); subclasses use step()
            state["lif_work"] = {"membrane_decay": np.exp(-dt / self.neuron.tau_m), "v_inf_mv": np.zeros(n),
                                 "refractory": np.zeros(n, dtype=bool)}
        return state

    def step_constants(self, dt):
        """Per-step factors: trace decay exp(-dt/tau), the step-average of a decaying trace, delta scaling."""
        syn = self.synapses
        decay = {ch: np.exp(-dt / syn.tau(ch)) for ch in CHANNELS}
        step_mean = {ch: syn.tau(ch) / dt * (1.0 - decay[ch]) for ch in CHANNELS}
        # delta synapses: a current held during one step that makes v jump by exactly w mV
        pa_per_mv = np.asarray(self.neuron.g_l) / (1.0 - np.exp(-dt / np.asarray(self.neuron.tau_m)))
        return {"decay": decay, "step_mean": step_mean, "pa_per_mv": pa_per_mv}

    def active_channels(self):
        """The channels whose synapses work in a step: exc and inh, and ext if a Poisson drive uses it."""
        uses_ext = any(isinstance(d, PoissonDrive) and d.channel == "ext" for d in self.drives)
        return ("exc", "inh", "ext") if uses_ext else ("exc", "inh")

    def common_weight(self, first, stop):
        """The weight shared by all synapses of sources first .. stop-1, or None if they differ."""
        conn = self.connectivity
        weights = conn.weights[conn.indptr[first]:conn.indptr[stop]]
        return float(weights[0]) if weights.size and np.all(weights == weights[0]) else None

    def add_external_spikes(self, arrivals, state, t_ms, rng):
        """Add the weights of this step's external Poisson spikes to the arrivals of their channel (ext or inh)."""
        for drive in self.drives:
            if isinstance(drive, PoissonDrive):
                arrivals[drive.channel] += drive.counts(self.n, state["dt"], t_ms, rng) * drive.weight

    def synaptic_currents(self, state, arrivals):
        """Turn this step's arrivals (per channel) into currents (pA, per channel), updating the traces."""
        kind, v = self.synapses.kind, state["neuron"]["v"]
        currents, driving_force = state["currents"], state["scratch"]
        for ch in state["active"]:
            if kind == "delta":
                np.multiply(arrivals[ch], state["pa_per_mv"], out=currents[ch])
                continue
            trace = state["trace"][ch]
            trace += arrivals[ch]                                                # jump at arrival
            np.multiply(trace, state["step_mean"][ch], out=currents[ch])       # mean of the trace over the step
            if kind == "conductance":                                            # g (e_rev - v)
                np.subtract(self.synapses.reversal(ch), v, out=driving_force)
                currents[ch] *= driving_force
            trace *= state["decay"][ch]                                          # decay to the end of the step
        return currents

    def total_current(self, state, currents, t_ms):
        """The current (pA) into each neuron: the synaptic currents of all channels and the constant drives."""
        i_total = np.add(currents["exc"], currents["inh"], out=state["i_total"])
        if "ext" in state["active"]:
            i_total += currents["ext"]
        for drive in self.drives:
            if isinstance(drive, ConstantDrive):
                i_total += drive.current_at(t_ms)
        return i_total

    def update_neurons(self, state, i_total, dt):
        """Advance the neurons by dt ms under i_total (pA); returns spiked (n,) bool."""
        if "lif_work" in state:
            return lif_step_in_place(self.neuron, state["neuron"], i_total, dt, state["lif_work"])
        return self.neuron.step(state["neuron"], i_total, dt)

    def send_spikes(self, state, spiked):
        """Event-driven propagation: add the weights of the spiking neurons (bool (n,)) into the delayed ring rows."""
        self.propagate(state, np.flatnonzero(spiked))

    def propagate(self, state, sources):
        """Add the synapses of the source neurons (a sorted index array) into the ring rows read one delay ahead."""
        sources = sources.tolist()                     # a few neurons per step: plain Python ints are cheapest
        split = bisect.bisect_left(sources, self.n_e)
        for channel, senders in (("exc", sources[:split]), ("inh", sources[split:])):
            if senders:
                self.scatter(state, channel, senders)

    def scatter(self, state, channel, senders):
        """Add the synapses of senders (a list of E or of I neurons) into their channel's row one delay ahead."""
        ring = state["ring"][channel]
        arrival_row = ring[(state["step"] + 1 + state["delay_steps"][channel]) % ring.shape[0]]
        conn, row_start = self.connectivity, state["row_start"]
        # np.add.at adds each synapse's weight at its target (a target hit twice gets both).
        # Measured here (numpy 2.4, a row of 12,500 neurons): 640 events 2.5 us, 62,500 events
        # 100 us; np.bincount then a vector add: 17 us and 103 us (it always sweeps all n).
        weight = state["same_weight"][channel]
        if weight is None:
            weights = csr_rows(conn.weights, row_start, senders)
            np.add.at(arrival_row, csr_rows(conn.targets, row_start, senders), weights)
        else:   # all these synapses are equally strong: gather only their targets (Brunel: 2x faster)
            np.add.at(arrival_row, csr_rows(conn.targets, row_start, senders), weight)

    def step(self, state, dt, rng):
        """Advance the network by one step of dt ms (spikes, synapses, neurons); returns spiked (n,) bool.

        The state's arrays are updated in place.
        """
        if dt != state["dt"]:
            raise ValueError(f"the state was prepared for dt = {state['dt']} ms, not {dt} ms.")
        k = state["step"]
        row = k % state["ring"]["exc"].shape[0]
        arrivals = {"exc": state["ring"]["exc"][row],                         # 1. delayed recurrent spikes
                    "inh": state["ring"]["inh"][row],
                    "ext": state["external"]}
        self.add_external_spikes(arrivals, state, k * dt, rng)                # 2. external Poisson spikes
        currents = self.synaptic_currents(state, arrivals)                    # 3. synapses -> pA
        i_total = self.total_current(state, currents, k * dt)
        spiked = self.update_neurons(state, i_total, dt)                      # 4. neurons
        for channel in state["active"]:
            arrivals[channel].fill(0.0)                                       # delivered: clear for reuse
        state["last_spikes"] = spiked.nonzero()[0]                           # who spiked (indices, sorted)
        self.propagate(state, state["last_spikes"])                           # 5. spikes out
        state["step"] = k + 1
        return spiked


def csr_rows(values, row_start, sources):
    """values[row_start[s]:row_start[s + 1]] of each source s (a list of ints), concatenated: their synapses."""
    if len(sources) <= 1:
        return values[row_start[sources[0]]:row_start[sources[0] + 1]] if sources else values[:0]
    return np.concatenate([values[row_start[s]:row_start[s + 1]] for s in sources])


def lif_step_in_place(neuron, state, i_ext, dt, work):
    """LIF.step (course_lib.neurons) computed in place: the same numbers, in 12 numpy calls instead of 17 and
    without new (n,) arrays but the returned spike mask (LIF.step makes eight).

    neuron: an LIF; state: its {"v" (mV), "ref_left" (ms)}; i_ext: input current (pA); dt (ms);
    work: {"membrane_decay": exp(-dt / tau_m), "v_inf_mv": (n,) array, "refractory": (n,) bool array}.
    """
    v, ref_left_ms = state["v"], state["ref_left"]
    v_inf_mv = np.divide(i_ext, neuron.g_l, out=work["v_inf_mv"])     # where v relaxes to: e_l + i_ext / g_l
    v_inf_mv += neuron.e_l
    refractory = np.greater(ref_left_ms, 1e-9, out=work["refractory"])
    v -= v_inf_mv                                                      # exponential Euler: exact for constant input
    v *= work["membrane_decay"]
    v += v_inf_mv
    np.copyto(v, neuron.v_reset, where=refractory)                     # refractory neurons stay at reset
    ref_left_ms -= dt
    np.maximum(ref_left_ms, 0.0, out=ref_left_ms)
    spiked = v >= neuron.v_th
    np.copyto(v, neuron.v_reset, where=spiked)                         # reset, and the refractory period starts
    np.copyto(ref_left_ms, neuron.t_ref, where=spiked)
    return spiked


# ----------------------------------------------------------------------------------------------
# Running a network, and what a run returns
# ----------------------------------------------------------------------------------------------

@dataclass
class NetworkResult:
    """What a network run recorded. Times in ms, potentials in mV, currents in pA.

    spike_times, spike_indices: one entry per spike (all neurons); t: sample times (ms) of the traces;
    v: (steps, len(record_v)) membrane potentials; currents: {"exc", "inh", "ext"} -> (steps, n_rec).
    """

    spike_times: np.ndarray
    spike_indices: np.ndarray
    n_e: int
    n_i: int
    dt: float
    t_stop: float
    t: np.ndarray
    v: np.ndarray
    v_neurons: np.ndarray
    currents: dict
    current_neurons: np.ndarray
    info: dict = field(default_factory=dict)

    @property
    def n(self):
        """Number of neurons."""
        return self.n_e + self.n_i

    def population(self, name):
        """Neuron indices of population 'E', 'I' or 'all'."""
        require_choice("name", name, ("E", "I", "all"))
        return {"E": np.arange(self.n_e), "I": np.arange(self.n_e, self.n), "all": np.arange(self.n)}[name]

    def spikes_of(self, name):
        """(times_ms, indices) of the spikes of population 'E', 'I' or 'all'; I indices start at n_e."""
        require_choice("name", name, ("E", "I", "all"))
        keep = {"E": self.spike_indices < self.n_e, "I": self.spike_indices >= self.n_e,
                "all": np.ones(self.spike_indices.shape, bool)}[name]
        return self.spike_times[keep], self.spike_indices[keep]

    def mean_rate_hz(self, name="all", t_start=0.0, t_stop=None):
        """Mean firing rate (Hz) of a population in (t_start, t_stop] (ms; default: the whole run); 0 if silent."""
        require_choice("name", name, ("E", "I", "all"))
        t_stop = self.t_stop if t_stop is None else t_stop
        t_start, t_stop = require_window(t_start, t_stop)
        times, _ = self.spikes_of(name)
        count = np.count_nonzero((times > t_start) & (times <= t_stop))
        return count / (self.population(name).size * (t_stop - t_start) / 1000.0)


def simulate_network(net, t_stop, dt=0.1, seed=None, record_v=(), record_currents=(), v0=None, state=None,
                     progress=None):
    """Run net for t_stop ms with step dt ms; returns a NetworkResult.

    seed: int or numpy Generator for the initial potentials and the external Poisson input;
    record_v / record_currents: indices of neurons whose v (mV) / input currents per channel (pA) are
    kept at every step; v0: initial potentials (default uniform between reset and threshold);
    state: continue from the state of an earlier run (``result.info["state"]``) instead.
    """
    require_network("net", net)
    n_steps = n_steps_for(t_stop, dt)
    require_seed("seed", seed)
    record_v = require_indices("record_v", np.atleast_1d(record_v), net.n)
    record_currents = require_indices("record_currents", np.atleast_1d(record_currents), net.n)
    if state is not None:
        if not isinstance(state, dict) or not {"neuron", "step", "dt", "ring"} <= set(state):
            raise ValueError("state must be the state of an earlier run of this network, result.info['state'] "
                             f"(got {state!r:.60}).")
        if state["dt"] != dt:
            raise ValueError(f"state was prepared for dt = {state['dt']} ms; continue with that dt (got dt = {dt}).")
    require_memory("The recorded traces (record_v, record_currents)",
                   n_steps * (1 + record_v.size + len(CHANNELS) * record_currents.size))
    rng = np.random.default_rng(seed)
    state = net.initial_state(dt, rng, v0) if state is None else state
    v_trace = np.empty((n_steps, record_v.size))
    current_traces = {ch: np.empty((n_steps, record_currents.size)) for ch in CHANNELS}
    spike_counts = np.zeros(n_steps, dtype=np.int64)     # spikes in each step
    spike_ids = []                                      # their neuron indices, step after step
    first_step = state["step"]
    for k in progress_range(n_steps, progress, work=n_steps * net.n):
        net.step(state, dt, rng)
        if record_v.size:
            v_trace[k] = state["neuron"]["v"][record_v]
        if record_currents.size:
            for ch in CHANNELS:
                current_traces[ch][k] = state["currents"][ch][record_currents]
        if state["last_spikes"].size:
            spike_counts[k] = state["last_spikes"].size
            spike_ids.append(state["last_spikes"])
    steps = np.repeat(first_step + np.arange(n_steps), spike_counts)
    ids = np.concatenate(spike_ids) if spike_ids else np.zeros(0, dtype=int)
    t = (first_step + np.arange(n_steps) + 1) * dt
    return NetworkResult(spike_times=(steps + 1) * dt, spike_indices=ids, n_e=net.n_e, n_i=net.n_i, dt=dt,
                         t_stop=(first_step + n_steps) * dt, t=t, v=v_trace, v_neurons=record_v,
                         currents=current_traces, current_neurons=record_currents,
                         info={**net.info, "state": state, "t_start": first_step * dt})


# ----------------------------------------------------------------------------------------------
# Builders: the networks of Part III
# ----------------------------------------------------------------------------------------------

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
    return Network(neuron=neuron, n_e=n_e, n_i=n_i, connectivity=conn, synapses=SynapseModel("delta"),
                   delay_exc=delay, delay_inh=delay, drives=(drive,), info=info)


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
    return Network(neuron=neuron, n_e=n_e, n_i=n_i, connectivity=conn, synapses=SynapseModel("delta"),
                   delay_exc=delay, delay_inh=delay, drives=(drive,), info=info)


def with_population_weights(net, weights, drives=None, info=None):
    """The same synapses (same pairs) with new strengths: weights {(target, source): w} per population pair.

    Cheap compared with drawing a new network: used to change g or J while keeping the wiring.
    drives and info replace the network's drives and info when given.
    """
    require_network("net", net)
    require_population_weights("weights", weights)
    if drives is not None:
        require_instance("drives", drives, (tuple, list))
    if info is not None:
        require_instance("info", info, dict)
    conn = net.connectivity
    new_weights = population_weights(conn.indptr, conn.targets, net.n_e, weights)
    new_conn = Connectivity(indptr=conn.indptr, targets=conn.targets, weights=new_weights, n_target=conn.n_target)
    return dataclasses.replace(net, connectivity=new_conn, drives=net.drives if drives is None else tuple(drives),
                               info=net.info if info is None else info)


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


def mean_drive_current_pa(net, drive):
    """The mean current (pA, per neuron) that a constant-rate PoissonDrive delivers to the network's neurons.

    Delta synapses: n_inputs spikes per ms * rate make v jump by weight (mV) each, the charge of
    C_m * weight per spike; current synapses: a jump of weight (pA) decaying with tau carries weight * tau.
    """
    require_network("net", net)
    require_instance("drive", drive, PoissonDrive)
    if callable(drive.rate_hz):
        raise ValueError("the drive's rate is a function of time; give a constant rate to replace it by its mean.")
    spikes_per_ms = drive.n_inputs * hz_to_per_ms(np.asarray(drive.rate_hz, dtype=float))
    kind = net.synapses.kind
    if kind == "delta":
        charge = np.asarray(net.neuron.c_m) * np.asarray(drive.weight)          # pF * mV = pA * ms per spike
    elif kind == "current":
        charge = np.asarray(drive.weight) * net.synapses.tau(drive.channel)    # pA * ms
    else:
        raise ValueError("a conductance-based drive has no fixed mean current (it depends on v); "
                         "use delta or current synapses for a constant-drive control.")
    return np.broadcast_to(spikes_per_ms * charge, (net.n,)).astype(float)


def with_constant_drive(net, spread_mv=0.0, seed=None):
    """The same network with every Poisson drive replaced by a constant current of the same mean (a control).

    Nothing random is left in the input: any irregularity of the run comes from the network itself.
    spread_mv: optional quenched heterogeneity, a Gaussian spread (s.d., mV of equivalent mean
    depolarisation, drawn once per neuron with seed) of the constant drive; never temporal noise.
    """
    require_network("net", net)
    require_non_negative("spread_mv", spread_mv, "mV")
    require_seed("seed", seed)
    poisson = [d for d in net.drives if isinstance(d, PoissonDrive)]
    if not poisson:
        raise ValueError("the network has no PoissonDrive to replace.")
    current = sum(mean_drive_current_pa(net, d) for d in poisson)      # inhibitory drives carry negative weights
    if spread_mv > 0:
        current = current + np.asarray(net.neuron.g_l) * spread_mv * np.random.default_rng(seed).standard_normal(net.n)
    drives = tuple(d for d in net.drives if not isinstance(d, PoissonDrive)) + (ConstantDrive(current),)
    return dataclasses.replace(net, drives=drives,
                               info={**net.info, "constant_drive_pa": current, "spread_mv": spread_mv})


def combine_networks(networks):
    """Several independent networks simulated as one (block-diagonal synapses): one run sweeps parameters.

    Each network must have one PoissonDrive with the same n_inputs, and all share the neuron model
    (parameters may differ: they become per-neuron arrays), synapse model and delays. The combined
    network lists all E neurons first (network 0's, then network 1's, ...), then all I neurons;
    ``info["blocks"]`` holds, per network, the combined indices of its E and I neurons.
    """
    require_instance("networks", networks, (list, tuple))
    if not networks:
        raise ValueError("networks must hold at least one Network (got an empty list).")
    for net in networks:
        require_instance("networks (each entry)", net, Network)
    first = networks[0]
    for net in networks:
        if (net.synapses != first.synapses or net.delay_exc != first.delay_exc or net.delay_inh != first.delay_inh
                or type(net.neuron) is not type(first.neuron)):
            raise ValueError("combined networks must share the neuron type, synapse model and delays.")
        if len(net.drives) != 1 or not isinstance(net.drives[0], PoissonDrive) \
                or net.drives[0].n_inputs != first.drives[0].n_inputs or callable(net.drives[0].rate_hz):
            raise ValueError("each combined network needs exactly one PoissonDrive with a constant rate and "
                             "the same n_inputs.")
    n_e_total = sum(net.n_e for net in networks)
    blocks, new_index, start_e, start_i = [], [], 0, n_e_total
    for net in networks:
        mapping = np.concatenate([start_e + np.arange(net.n_e), start_i + np.arange(net.n_i)])
        blocks.append({"E": mapping[:net.n_e], "I": mapping[net.n_e:]})
        new_index.append(mapping)
        start_e, start_i = start_e + net.n_e, start_i + net.n_i
    n = start_i
    order = np.argsort(np.concatenate(new_index))        # combined index -> position in the stacked lists

    def stacked(values_of):
        return np.concatenate([np.broadcast_to(values_of(net), (net.n,)) for net in networks])[order]

    sources, targets, weights = [], [], []
    for net, mapping in zip(networks, new_index):
        conn = net.connectivity
        sources.append(mapping[np.repeat(np.arange(net.n), conn.out_degree())])
        targets.append(mapping[conn.targets])
        weights.append(conn.weights)
    connectivity = Connectivity.from_pairs(np.concatenate(sources), np.concatenate(targets),
                                           np.concatenate(weights), n, n)
    params = {}
    for name, value in vars(first.neuron).items():     # per-neuron arrays only where the networks differ
        same = all(np.ndim(getattr(net.neuron, name)) == 0 and getattr(net.neuron, name) == value
                   for net in networks)
        params[name] = value if same else stacked(lambda net, name=name: np.asarray(getattr(net.neuron, name),
                                                                                     dtype=float))
    neuron = type(first.neuron)(**params)
    drive = PoissonDrive(rate_hz=stacked(lambda net: float(net.drives[0].rate_hz)), n_inputs=first.drives[0].n_inputs,
                         weight=stacked(lambda net: np.asarray(net.drives[0].weight, dtype=float)),
                         channel=first.drives[0].channel)
    info = {"model": "combined", "blocks": blocks, "parts": [net.info for net in networks]}
    return Network(neuron=neuron, n_e=n_e_total, n_i=n - n_e_total, connectivity=connectivity,
                   synapses=first.synapses, delay_exc=first.delay_exc, delay_inh=first.delay_inh,
                   drives=(drive,), info=info)


# ----------------------------------------------------------------------------------------------
# van Vreeswijk & Sompolinsky's binary network (asynchronous updates)
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class BinaryNetwork:
    """Binary neurons s = 0/1 updated asynchronously: at Poisson times (rate 1/tau) s = [h >= theta].

    h_i = sum_j J_ij s_j + h_ext_i is the input; connectivity holds the J_ij (per source, CSR);
    theta, tau and h_ext are per-neuron arrays (tau in ms). van Vreeswijk & Sompolinsky (1998).
    """

    n_e: int
    n_i: int
    connectivity: Connectivity
    h_ext: np.ndarray
    theta: np.ndarray
    tau: np.ndarray
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        require_count("n_e", self.n_e, minimum=0, maximum=MAX_NEURONS)
        require_count("n_i", self.n_i, minimum=0, maximum=MAX_NEURONS)
        if self.n < 1:
            raise ValueError(f"n_e + n_i must be at least 1 (got n_e = {self.n_e}, n_i = {self.n_i}).")
        require_instance("connectivity", self.connectivity, Connectivity)
        if self.connectivity.n_source != self.n or self.connectivity.n_target != self.n:
            raise ValueError(f"connectivity is {self.connectivity.n_source} -> {self.connectivity.n_target} "
                             f"neurons but n_e + n_i = {self.n}.")
        for name in ("h_ext", "theta"):
            require_finite(name, getattr(self, name))
        for name in ("h_ext", "theta", "tau"):
            if np.shape(getattr(self, name)) != (self.n,):
                raise ValueError(f"{name} must have one value per neuron, shape ({self.n},).")
        require_positive("tau", self.tau, "ms")

    @property
    def n(self):
        """Total number of neurons."""
        return self.n_e + self.n_i

    def initial_state(self, rng, active_fraction=0.1):
        """Random initial states (each neuron active with probability active_fraction) and their inputs."""
        require_seed("rng", rng)
        require_in_range("active_fraction", active_fraction, 0.0, 1.0)
        rng = np.random.default_rng(rng)
        s = rng.random(self.n) < active_fraction
        targets, weights = self.connectivity.outgoing(np.flatnonzero(s))
        h = self.h_ext + np.bincount(targets, weights, minlength=self.n)
        return {"s": s, "h": h, "step": 0}

    def step(self, state, dt, rng):
        """Update the neurons whose Poisson clock ticks in this dt (probability dt/tau); returns who changed."""
        s, h = state["s"], state["h"]
        chosen = np.flatnonzero(rng.random(self.n) < dt / self.tau)
        new = h[chosen] >= self.theta[chosen]
        changed = chosen[new != s[chosen]]
        s[changed] = ~s[changed]
        for sign, senders in ((1.0, changed[s[changed]]), (-1.0, changed[~s[changed]])):
            if senders.size:
                targets, weights = self.connectivity.outgoing(senders)
                h += sign * np.bincount(targets, weights, minlength=self.n)
        state["step"] += 1
        return changed


@dataclass
class BinaryResult:
    """Activity of a binary network: t (ms), m_e and m_i (fraction active), time-averaged activity per neuron."""

    t: np.ndarray
    m_e: np.ndarray
    m_i: np.ndarray
    mean_activity: np.ndarray
    n_e: int
    n_i: int
    info: dict = field(default_factory=dict)


def vvs_binary_network(k=1000, m0=0.1, n_e=10000, n_i=10000, couplings=VVS_COUPLINGS, thresholds=VVS_THRESHOLDS,
                       tau_e=10.0, tau_i=9.0, seed=None):
    """van Vreeswijk & Sompolinsky (1998) binary network with J_kl = c_kl / sqrt(K), fixed in-degree K.

    External input sqrt(K) c_k0 m0 (constant), thresholds theta_E = 1, theta_I = 0.7, K inputs from
    each population. The update time constants (tau_e, tau_i, ms) set the speed, not the rates.
    """
    require_in_range("m0", m0, 0.0, 1.0)
    n_e, n_i = require_count("n_e", n_e, maximum=MAX_NEURONS), require_count("n_i", n_i, maximum=MAX_NEURONS)
    k = require_count("k", k)
    if k >= n_e or k >= n_i:
        raise ValueError(f"K = {k} inputs from each population need K < n_e = {n_e} and K < n_i = {n_i}: "
                         f"lower k or raise n_e, n_i.")
    require_couplings("couplings", couplings)
    require_mapping("thresholds", thresholds, ("E", "I"))
    require_positive("tau_e", tau_e, "ms")
    require_positive("tau_i", tau_i, "ms")
    require_seed("seed", seed)
    require_synapse_memory((n_e + n_i) * 2 * k, f"n_e = {n_e}, n_i = {n_i}, k = {k}: {2 * k} inputs per neuron",
                           "Use fewer neurons (n_e, n_i) or a smaller k.")
    strengths = balanced_couplings(k, 1.0, couplings, gamma=1.0)
    recurrent = {pair: w for pair, w in strengths.items() if pair[1] != "X"}
    conn = ei_connectivity(n_e, n_i, recurrent, seed, k={"E": int(k), "I": int(k)})
    sqrt_k = np.sqrt(k)
    h_ext = np.concatenate([np.full(n_e, sqrt_k * couplings[("E", "X")] * m0),
                            np.full(n_i, sqrt_k * couplings[("I", "X")] * m0)])
    theta = np.concatenate([np.full(n_e, thresholds["E"]), np.full(n_i, thresholds["I"])])
    tau = np.concatenate([np.full(n_e, float(tau_e)), np.full(n_i, float(tau_i))])
    info = {"model": "vvs_binary", "k": int(k), "m0": m0, "couplings": dict(couplings),
            "thresholds": dict(thresholds)}
    return BinaryNetwork(n_e=n_e, n_i=n_i, connectivity=conn, h_ext=h_ext, theta=theta, tau=tau, info=info)


def simulate_binary(net, t_stop, dt=0.1, seed=None, t_average_from=0.0, progress=None):
    """Run a binary network for t_stop ms in steps of dt ms; activity averaged from t_average_from ms (< t_stop)."""
    require_network("net", net, BinaryNetwork)
    n_steps = n_steps_for(t_stop, dt)
    require_seed("seed", seed)
    t_average_from = float(require_non_negative("t_average_from", t_average_from, "ms"))
    if t_average_from >= n_steps * dt:
        raise ValueError(f"t_average_from = {t_average_from:g} ms is not before the end of the run (t_stop = "
                         f"{t_stop:g} ms): nothing would be averaged. Give t_average_from < t_stop.")
    if dt <= 0 or dt > 0.5 * float(np.min(net.tau)):
        raise ValueError(f"dt = {dt} ms must be positive and at most half the shortest update time constant "
                         f"({0.5 * float(np.min(net.tau))} ms) so that updates stay asynchronous.")
    rng = np.random.default_rng(seed)
    state = net.initial_state(rng)
    n_steps = n_steps_for(t_stop, dt)
    m_e, m_i = np.empty(n_steps), np.empty(n_steps)
    active_steps = np.zeros(net.n)
    counted = 0
    for k in progress_range(n_steps, progress, work=n_steps * net.n):
        net.step(state, dt, rng)
        m_e[k] = state["s"][:net.n_e].mean()
        m_i[k] = state["s"][net.n_e:].mean()
        if (k + 1) * dt > t_average_from:
            active_steps += state["s"]
            counted += 1
    return BinaryResult(t=(np.arange(n_steps) + 1) * dt, m_e=m_e, m_i=m_i,
                        mean_activity=active_steps / max(counted, 1), n_e=net.n_e, n_i=net.n_i, info=net.info)
