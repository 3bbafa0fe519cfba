"""course_lib: the small, readable simulators, theory and checks behind the course notebooks.

Units everywhere: ms, mV, pA, nS, pF, Hz (Hodgkin-Huxley: per-area units). See COURSE.md.
"""
from .neurons import LIF, EIF, AdEx, HodgkinHuxley  # noqa: F401
from .simulation import simulate, SimResult  # noqa: F401

__version__ = "0.1.0"
