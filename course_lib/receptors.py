"""Receptor synapse models: AMPA, GABA_A, GABA_B and NMDA with its voltage-dependent Mg2+ block.

Units: ms, mV, nS, pA; concentrations in mM.
"""
import numpy as np

from .validation import require_non_negative

MG_MM = 1.0  # extracellular Mg2+ concentration, mM (Jahr & Stevens 1990; Wang 2002)


def mg_block(v, mg_mm=MG_MM):
    """Fraction of NMDA channels not blocked by Mg2+ at v (mV): 1 / (1 + [Mg] exp(-0.062 v) / 3.57).

    Jahr & Stevens (1990), J Neurosci 10:3178, as used by Wang (2002).
    """
    require_non_negative("mg_mm", mg_mm, "mM")
    return 1.0 / (1.0 + mg_mm * np.exp(-0.062 * np.asarray(v, dtype=float)) / 3.57)
