"""All chapters: what every check must resist, tested with the solutions' own functions (COURSE.md section 16).

* Right answers pass for any seed of the randomised cases (several seeds per check).
* Hard-coded answers fail: an answer that replays what the right function returned for one seed's cases
  (and returns something else for inputs it has not seen) is rejected under another seed.
* The library's own answer fails: a function that calls course_lib's version of the task (or its theory
  formula), or finds by formula what the task asks to find by simulation, is rejected with a message
  that says so, although its numbers agree.
* Lists are fine: the right answers with every array turned into a list (and tuples into lists) pass.

The task functions come from the solution notebooks (their code cells that define functions), so these
tests follow the solutions as they change.
"""
import hashlib
import json
import pathlib

import numpy as np
import pytest

from course_lib import checks
from course_lib.checks import quiet, set_case_seed

ROOT = pathlib.Path(__file__).resolve().parents[1]
SLOW_CHECKS = {"check_simulation"}            # 2 network runs and the engine's: tested in test_checks_balanced
HEAVY_CHECKS = {"check_find_rheobase_eif", "check_measure_fi_curve", "check_rheobase", "check_fi_curve",
                "check_propagate", "check_find_critical_k_rel"}     # simulations: one extra seed, answers not lists


def solution_namespace(path):
    """Run the import cell and every function-defining cell of a solution notebook; return the namespace."""
    nb = json.loads(pathlib.Path(path).read_text())
    namespace = {"__name__": "__student__"}
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for index, cell in enumerate(code):
        source = "".join(cell["source"])
        tags = cell["metadata"].get("tags", [])
        if index == 0 or ("def " in source and "raises-exception" not in tags and "check_" not in source):
            exec(compile(source.replace("use_course_style()", ""), f"<{path.name} cell {index}>", "exec"), namespace)
    return namespace


def graded_tasks():
    """(solution path, check name, student function name) for every check cell of every solution."""
    from course_lib.grade import _parse_check_calls
    out = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and source.startswith("check_"):
                for name, args, _ in _parse_check_calls(source):
                    out.append((path, name, args[0][1]))
    return out


TASKS = graded_tasks()
IDS = [f"{p.stem[:2]}-{name}" for p, name, _ in TASKS]
_NAMESPACES = {}


def task(path, check_name, function_name):
    if path not in _NAMESPACES:
        _NAMESPACES[path] = solution_namespace(path)
    from course_lib.grade import _check_functions
    return _check_functions()[check_name], _NAMESPACES[path][function_name]


def run(check, function, seed):
    set_case_seed(seed)
    try:
        with quiet():
            return check(function)
    finally:
        set_case_seed(None)


def test_every_chapter_has_tasks():
    assert len(TASKS) >= 30 and len({p for p, _, _ in TASKS}) == 10


@pytest.mark.parametrize("path, check_name, function_name", TASKS, ids=IDS)
def test_right_answers_pass_for_any_seed(path, check_name, function_name):
    if check_name in SLOW_CHECKS:
        pytest.skip("tested in its chapter's file")
    check, function = task(path, check_name, function_name)
    seeds = (11,) if check_name in HEAVY_CHECKS else (11, 12, 13)
    for seed in seeds:
        record = run(check, function, seed)
        assert record["status"] == "passed", (seed, record["message"])


class Replay:
    """A hard-coded answer: returns what the right function returned for inputs seen before, else zeros."""

    def __init__(self, function):
        self.function, self.table, self.recording = function, {}, True
        self.__name__ = getattr(function, "__name__", "replay")

    @staticmethod
    def key(args):
        parts = []
        for a in args:
            if isinstance(a, (np.ndarray, list, float, int)):
                array = np.asarray(a)
                parts.append((array.dtype.str, array.shape, hashlib.sha1(array.tobytes()).hexdigest()))
            else:
                parts.append(repr(a))
        return repr(parts)

    def __call__(self, *args, **kwargs):
        key = self.key(args + tuple(sorted(kwargs.items())))
        if self.recording:
            self.table[key] = self.function(*args, **kwargs)
        if key in self.table:
            return self.table[key]
        last = next(reversed(self.table.values()))              # the shape of an answer, not its values
        return _zeros_like(last)


def _zeros_like(value):
    if isinstance(value, tuple):
        return tuple(_zeros_like(v) for v in value)
    if isinstance(value, str):
        return value
    return np.zeros_like(np.asarray(value, dtype=float))


@pytest.mark.parametrize("path, check_name, function_name", TASKS, ids=IDS)
def test_hard_coded_answers_fail(path, check_name, function_name):
    if check_name in SLOW_CHECKS:
        pytest.skip("its randomised seed and second run are tested in its chapter's file")
    check, function = task(path, check_name, function_name)
    cheat = Replay(function)
    assert run(check, cheat, 21)["status"] == "passed"
    cheat.recording = False
    record = run(check, cheat, 22)
    assert record["status"] == "not yet", record["message"]


def _listify(value):
    if isinstance(value, (tuple, list)):
        return [_listify(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


@pytest.mark.parametrize("path, check_name, function_name", TASKS, ids=IDS)
def test_lists_are_accepted_where_arrays_are_natural(path, check_name, function_name):
    if check_name in SLOW_CHECKS or check_name in HEAVY_CHECKS:
        pytest.skip("a simulation returning one number, or tested in its chapter's file")
    check, function = task(path, check_name, function_name)

    def as_lists(*args, **kwargs):
        return _listify(function(*args, **kwargs))
    as_lists.__name__ = function_name
    record = run(check, as_lists, 31)
    assert record["status"] == "passed", record["message"]


def test_the_checks_package_is_always_forbidden():
    """A check called on course_lib's own reference function, or an answer that calls one, fails."""
    from course_lib.checks.lif import check_lif_step, reference_lif_step
    record = run(check_lif_step, reference_lif_step, 1)
    assert record["status"] == "not yet" and "reference_lif_step" in record["message"], record["message"]
    record = run(check_lif_step, lambda *args: reference_lif_step(*args), 1)
    assert record["status"] == "not yet" and "course_lib's own" in record["message"], record["message"]


def test_a_replaced_profiler_is_noticed():
    import sys
    from course_lib.checks.receptors import check_unblocked_fraction
    from course_lib.receptors import mg_block

    def hides_its_calls(v, mg):
        sys.settrace(None)
        return mg_block(v, mg)
    record = run(check_unblocked_fraction, hides_its_calls, 1)
    assert record["status"] == "not yet" and "could not watch" in record["message"], record["message"]
    assert checks.rule_problem([]) == ""


# ---------------------------------------------------------------- the library's own answer

def _library_answers():
    """check name -> (an answer built from course_lib's version of the task, words the message must hold)."""
    from course_lib import LIF, theory
    from course_lib.analysis import adaptation_index, cv_isi
    from course_lib.checks.hh import reference_fi_curve
    from course_lib.checks.attractor import reference_lag
    from course_lib.models.cann import coupling, decode_position, ring_distance
    from course_lib.connectivity import fixed_indegree
    from course_lib.models.balanced import balanced_couplings, brunel_couplings
    from course_lib.neurons import hh_alpha_m
    from course_lib.plasticity import TsodyksMarkram
    from course_lib.receptors import mg_block
    from course_lib.synapses import ExponentialSynapse, alpha_kernel

    def lif_step(v, ref_left, i_ext, dt, neuron):
        state = {"v": v.copy(), "ref_left": ref_left.copy()}
        spiked = neuron.step(state, i_ext, dt)
        return state["v"], state["ref_left"], spiked

    def build_connectivity(n_source, n_target, k, weight, rng):
        sources, targets = fixed_indegree(n_source, n_target, k, rng)
        order = np.argsort(sources, kind="stable")
        indptr = np.concatenate([[0], np.cumsum(np.bincount(sources, minlength=n_source))])
        return indptr, targets[order], np.full(targets.size, float(weight))

    def coupling_strengths(j, g, k):
        strengths = balanced_couplings(k, j, brunel_couplings(g, 0.25), gamma=0.25)
        return strengths[("E", "E")], strengths[("E", "I")]

    own = "course_lib's own"
    return {
        "check_lif_step": (lif_step, own),
        "check_fi_curve": (lambda currents, t_stop: theory.lif_rate_hz(LIF(), currents), "fires only once"),
        "check_rheobase": (lambda neuron: float(theory.lif_rheobase(neuron)), own),
        "check_isi_cv": (lambda times: cv_isi(times), own),
        "check_eif_dvdt": (lambda v, i, n: (-n.g_l * (v - n.e_l) + n.spike_current(v) + i) / n.c_m, own),
        "check_find_rheobase_eif": (lambda neuron: float(theory.eif_rheobase(neuron)), own),
        "check_adaptation_index": (lambda times: adaptation_index(times), own),
        "check_alpha_m": (lambda v: hh_alpha_m(np.asarray(v, dtype=float)), own),
        "check_measure_fi_curve": (lambda currents, **protocol: reference_fi_curve(currents, **protocol), own),
        "check_alpha_kernel": (lambda t, tau: alpha_kernel(t, tau), own),
        "check_shot_noise_stats": (lambda k, r, j, tau: theory.shot_noise_mean_std(ExponentialSynapse(tau), k, r, j),
                                   own),
        "check_unblocked_fraction": (lambda v, mg: mg_block(v, mg), own),
        "check_nmda_clamp_current": (lambda v, g, mg, e: theory.nmda_iv_curve(v, g, mg, e), own),
        "check_depression_step": (lambda x, i, u, tau: TsodyksMarkram(u_se=u, tau_d=tau).on_spike(0 * x, x, i)[2:0:-1],
                                  own),
        "check_steady_depression_efficacy": (
            lambda r, u, tau: theory.stp_steady_efficacy(TsodyksMarkram(u_se=u, tau_d=tau), r), own),
        "check_coupling_strengths": (coupling_strengths, own),
        "check_connectivity": (build_connectivity, own),
        "check_balanced_rate": (lambda nu0, g, gamma: theory.balanced_rates(nu0, brunel_couplings(g, gamma))[0], own),
        "check_weight_matrix": (lambda x, a, j0: coupling(ring_distance(x[:, None], x[None, :]), a, j0), own),
        "check_population_vector": (lambda r, x: decode_position(r, x), own),
        "check_find_critical_k_rel": (lambda: 1.0, "never ran"),
        "check_measure_lag": (lambda *args: reference_lag(*args), own),
        "check_stp_spike_update": (lambda u, x, i, stp: stp.on_spike(u, x, i), own),
        "check_background_for_rate": (lambda model, r: theory.uniform_state_background(model, r), own),
        "check_bistable_range": (lambda model: theory.rate_model_bistable_range(model), own),
        "check_io_function": (lambda x, model: model.rate_hz(x), own),
        "check_reduced_rhs": (lambda s, e, model: model.ds_dt(s, e), own),
        "check_classify_fixed_point": (lambda jac: theory.classify_fixed_point(jac), own),
        "check_fit_weibull": (lambda c, a: theory.fit_weibull(c, a), own),
    }


LIBRARY_ANSWERS = _library_answers()
WITHOUT_A_LIBRARY_VERSION = {"check_steady_state_and_tau", "check_hh_ionic_current", "check_adex_step",
                             "check_simulate_shot_noise", "check_balanced_weights", "check_propagate",
                             "check_forgetting_delay", "check_simulation", "check_rates_and_cv",
                             "check_paired_difference", "check_memory_per_process_gb", "check_processes_needed"}


def test_every_task_is_covered_by_a_library_answer_or_listed():
    names = {name for _, name, _ in TASKS}
    assert set(LIBRARY_ANSWERS) | WITHOUT_A_LIBRARY_VERSION == names, names ^ (set(LIBRARY_ANSWERS) |
                                                                              WITHOUT_A_LIBRARY_VERSION)


@pytest.mark.parametrize("check_name", sorted(LIBRARY_ANSWERS))
def test_the_librarys_own_answer_fails(check_name):
    from course_lib.grade import _check_functions
    answer, words = LIBRARY_ANSWERS[check_name]
    record = run(_check_functions()[check_name], answer, 41)
    assert record["status"] == "not yet" and words in record["message"], record["message"]


def test_checks_raise_for_nbgrader_only_when_asked(monkeypatch, capsys):
    """COURSE_CHECKS_RAISE=1 (nbgrader scores a test cell by whether it raises): a failing check prints its line,
    then raises; a passing one does not; the grader (quiet) never raises."""
    from course_lib.checks.receptors import check_unblocked_fraction
    wrong = lambda v, mg: np.zeros(np.shape(v))
    monkeypatch.setenv("COURSE_CHECKS_RAISE", "1")
    with pytest.raises(AssertionError, match="not yet"):
        check_unblocked_fraction(wrong)
    assert "not yet" in capsys.readouterr().out
    assert check_unblocked_fraction(lambda v, mg: 1 / (1 + mg * np.exp(-0.062 * np.asarray(v)) / 3.57))["passed"]
    with quiet():
        assert check_unblocked_fraction(wrong)["status"] == "not yet"
