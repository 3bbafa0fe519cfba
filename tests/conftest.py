"""Test-wide settings: no progress bars, a non-interactive matplotlib backend, repo root importable."""
import os
import pathlib
import sys

os.environ["COURSE_PROGRESS"] = "0"
os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
