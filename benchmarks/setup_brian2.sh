#!/usr/bin/env bash
# Install Brian2 into its own virtual environment, benchmarks/.venv-brian2 (git-ignored).
# Brian2 is not a course dependency: only the comparison (benchmarks/compare.py) uses it.
#
#   bash benchmarks/setup_brian2.sh        # about 1 min to install, then about 2 min of smoke test
#
# Needs a C++ compiler (g++) for Brian2's cython and cpp_standalone targets.
# Versions (the ones benchmarks/README.md reports): Brian2 2.11.0 needs Python >= 3.13; it imports
# and runs with numpy 2.4.6, the course's numpy, which is pinned here so that both sides use the
# same numpy. Without a Python 3.13 the script falls back to Brian2 2.9.0, the last release for
# older Pythons, which needs numpy < 2.4 (it uses ndarray.ptp, removed in numpy 2.4): numpy 2.3.5.
# Set PYTHON=/path/to/python3.13 to choose the interpreter.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${BRIAN2_VENV:-$here/.venv-brian2}"

is_313() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' 2>/dev/null; }

python=""
candidates=("${PYTHON:-}" python3.13 python3.14)
if command -v pyenv > /dev/null; then
    for p in "$(pyenv root)"/versions/3.1[3-9]*/bin/python3; do candidates+=("$p"); done
fi
for c in "${candidates[@]}"; do
    if [ -n "$c" ] && is_313 "$c"; then python="$c"; break; fi
done
if [ -n "$python" ]; then
    packages=("brian2==2.11.0" "numpy==2.4.6" "cython==3.3.1" "setuptools>=70")
else
    python="python3"
    packages=("brian2==2.9.0" "numpy==2.3.5" "cython==3.3.1" "setuptools>=70")
    echo "No Python >= 3.13 found: using $(python3 --version) with Brian2 2.9.0 and numpy 2.3.5."
fi

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "${packages[@]}"
"$venv/bin/python" -c 'import brian2, numpy, Cython, sys
print(f"Brian2 {brian2.__version__}, numpy {numpy.__version__}, Cython {Cython.__version__}, Python {sys.version.split()[0]}")'
echo "Brian2 environment ready: $venv"

echo "Smoke test of the three targets (CUBA network at a quarter size, 20 ms; the first compilation takes a while):"
for target in numpy cython cpp_standalone; do
    "$venv/bin/python" "$here/brian2_models.py" --model cuba --scale 0.25 --target "$target" --t-stop 20 \
        --cache-dir "$venv/cache/smoke" > /dev/null
    echo "  $target: ok"
done
