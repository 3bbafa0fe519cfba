"""Analytic and mean-field results, one submodule per concept, all importable from here.

    from course_lib import theory
    theory.lif_rate_hz(LIF(), 300.0)
"""
from .single_neuron import *  # noqa: F401,F403
from .synapses import *  # noqa: F401,F403
from .balanced import *  # noqa: F401,F403
from .decision import *  # noqa: F401,F403
from .attractor import *  # noqa: F401,F403
from .working_memory import *  # noqa: F401,F403
