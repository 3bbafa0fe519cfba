"""Bad input to the Part III builders and theory gets a ValueError naming the parameter (issue 20)."""
import numpy as np
import pytest

from course_lib import analysis, theory
from course_lib.network import balanced_lif_network, brunel_network, fixed_indegree


@pytest.mark.parametrize("call, name", [
    (lambda: brunel_network(n_e="abc"), "n_e"),
    (lambda: brunel_network(n_e=100, n_i=25, seed=-1), "seed"),
    (lambda: brunel_network(n_e=100, n_i=0), "n_i"),
    (lambda: brunel_network(j=0.0), "j"),
    (lambda: balanced_lif_network(k=2.5, n_e=1000, n_i=250), "k"),
    (lambda: fixed_indegree(10, 10, np.nan, None), "k"),
    (lambda: theory.siegert_rate_hz(np.nan, 1.0), "mu_mv"),
    (lambda: analysis.network_state(np.array([1.0]), np.array([0]), 0, 0.0, 5.0), "n"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_a_list_of_whole_numbers_is_a_seed():
    first = balanced_lif_network(k=100, n_e=1000, n_i=250, seed=[1, 2, 3]).connectivity.targets
    again = balanced_lif_network(k=100, n_e=1000, n_i=250, seed=[1, 2, 3]).connectivity.targets
    assert np.array_equal(first, again)
