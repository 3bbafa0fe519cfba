"""Who connects to whom (Part III): sparse synapses stored as compressed rows, one row per source neuron.

    conn = fixed_indegree(n_source, n_target, k, rng)       # every target gets exactly k sources
    conn = bernoulli(n_source, n_target, p, rng)            # each pair connects with probability p
    conn = ei_connectivity(n_e, n_i, weights, rng, k=...)   # the E and I blocks of a network, with weights

Connectivity holds, per source neuron s, the targets and weights of its synapses in
targets[indptr[s]:indptr[s + 1]] (CSR). A spike of s touches exactly those entries: this is what makes
the network engine (course_lib.network) event-driven. The build is streamed (all random draws first,
kept compactly, then written piece by piece into the final arrays), so that building peaks near the
size of the final arrays (BUILD_BYTES_PER_SYNAPSE).
"""
from dataclasses import dataclass, field

import numpy as np

from .validation import (MAX_NEURONS, InputTypeError, require_count, require_finite, require_in_range, require_indices,
                         require_mapping, require_memory, require_seed)

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
    """Random E/I connectivity: population_connectivity for populations 'E' (neurons 0 .. n_e-1) and 'I'.

    weights: dict {(target, source): weight} over the pairs ("E","E"), ("E","I"), ("I","E"), ("I","I");
             inhibitory weights are negative for delta and current synapses, positive conductances (nS)
             for conductance synapses. Missing pairs mean no connection.
    k: dict {"E": k_e, "I": k_i}, the number of inputs each neuron receives from each population; or
    p: dict {"E": p_e, "I": p_i} (or one number), the connection probability from each population.
    """
    n_e = require_count("n_e", n_e, minimum=0, maximum=MAX_NEURONS)
    n_i = require_count("n_i", n_i, minimum=0, maximum=MAX_NEURONS)
    if n_e + n_i < 1:
        raise ValueError("n_e + n_i must be at least 1 (got n_e = 0 and n_i = 0).")
    return population_connectivity({"E": n_e, "I": n_i}, weights, rng, k, p, allow_self, allow_multapses)


def population_connectivity(sizes, weights, rng, k=None, p=None, allow_self=False, allow_multapses=False):
    """Random connectivity between named populations, fixed in-degree (k) or probability (p): one Connectivity.

    sizes: {name: number of neurons} in index order (the first population holds neurons 0 .. size-1);
    weights: {(target, source): weight} over population names (a projection per pair; missing pairs mean
    no connection); k: {source: inputs that each neuron receives from that population} or one number;
    p: {source: connection probability} or one number. Streaming build: all pairs are drawn first
    (compactly), then written piece by piece into the final arrays, so that the peak memory stays near the
    final arrays (BUILD_BYTES_PER_SYNAPSE).
    """
    if (k is None) == (p is None):
        raise ValueError("give exactly one of k (fixed in-degree per source population) or p (probability).")
    require_mapping("sizes", sizes)
    size = {name: require_count(f"sizes[{name!r}]", value, minimum=0, maximum=MAX_NEURONS)
            for name, value in sizes.items()}
    if sum(size.values()) < 1:
        raise ValueError(f"the populations must hold at least one neuron (got sizes {size}).")
    require_population_weights("weights", weights, list(size))
    require_seed("rng", rng)
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
    sizes_text = ", ".join(f"{name} {value}" for name, value in size.items())
    require_synapse_memory(n_synapses, f"populations {sizes_text}, {'k' if k is not None else 'p'} = "
                           f"{k if k is not None else p}", "Use fewer neurons or fewer inputs per neuron.")
    rng = np.random.default_rng(rng)
    ranges = index_ranges(size)
    n = sum(size.values())
    offset = {name: first for name, (first, _) in ranges.items()}
    blocks = []                        # (source offset, target offset, draw) per population pair, in drawing order
    for (target_pop, source_pop) in weights:
        same = target_pop == source_pop and not allow_self
        if k is not None:
            draw = _draw_fixed_indegree(size[source_pop], size[target_pop], per_source[source_pop], rng, same,
                                        allow_multapses)
        else:
            draw = _draw_bernoulli(size[source_pop], size[target_pop], per_source[source_pop], rng, same)
        blocks.append((offset[source_pop], offset[target_pop], draw))
    del draw
    indptr = _csr_indptr(blocks, n)
    targets = _csr_targets(blocks, indptr)
    return Connectivity(indptr=indptr, targets=targets, weights=population_weights(indptr, targets, ranges, weights),
                        n_target=n)


def index_ranges(sizes):
    """{name: (first index, stop index)} of populations of the given sizes {name: size}, in index order."""
    ranges, start = {}, 0
    for name, size in sizes.items():
        ranges[name] = (start, start + size)
        start += size
    return ranges


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


def require_population_weights(name, weights, names=POPULATIONS):
    """Raise unless weights is a dict {(target, source): finite number} over pairs of the population names."""
    require_mapping(name, weights)
    for key in weights:
        if not (isinstance(key, tuple) and len(key) == 2 and key[0] in names and key[1] in names):
            raise ValueError(f"{name} keys must be (target, source) pairs of the populations {list(names)}, e.g. "
                             f"{(names[0], names[-1])!r}; got {key!r}.")
    return weights


def population_weights(indptr, targets, ranges, weights):
    """One weight per synapse (CSR order) from a table {(target, source): w} of population pairs.

    ranges: {name: (first, stop index)} in index order. The weight depends only on the populations of the
    target and the source; the sources of a population own the synapses indptr[first] .. indptr[stop] - 1.
    Filled BUILD_CHUNK synapses at a time (no full-size temporaries).
    """
    names = list(ranges)
    target_starts = np.array([first for first, _ in ranges.values()][1:])
    out = np.empty(targets.size)
    for start in range(0, targets.size, BUILD_CHUNK):
        stop = min(start + BUILD_CHUNK, targets.size)
        for source_pop, (first_source, stop_source) in ranges.items():
            first, last = max(start, indptr[first_source]), min(stop, indptr[stop_source])
            if first < last:
                by_target = np.array([weights.get((target_pop, source_pop), 0.0) for target_pop in names])
                out[first:last] = by_target[np.searchsorted(target_starts, targets[first:last], side="right")]
    return out


def empty_connectivity(n):
    """A network of n neurons without recurrent synapses (a control: the same neurons, uncoupled)."""
    n = require_count("n", n, maximum=MAX_NEURONS)
    return Connectivity(indptr=np.zeros(n + 1, dtype=np.int64), targets=np.zeros(0, dtype=np.int32),
                        weights=np.zeros(0), n_target=n)


def csr_rows(values, row_start, sources):
    """values[row_start[s]:row_start[s + 1]] of each source s (a list of ints), concatenated: their synapses."""
    if len(sources) <= 1:
        return values[row_start[sources[0]]:row_start[sources[0] + 1]] if sources else values[:0]
    return np.concatenate([values[row_start[s]:row_start[s + 1]] for s in sources])
