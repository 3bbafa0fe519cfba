"""Grade returned exercise notebooks: run the student's code, then the instructor's checks, and score them.

    python -m course_lib.grade RETURNED.ipynb [MORE.ipynb ...] [--json summary.json]
    python -m course_lib.grade SUBMISSIONS_DIR --gradebook grades.csv [--feedback DIR]

SUBMISSIONS_DIR holds one subfolder per student (every *.ipynb inside is graded) or one notebook per
student (the student is the file name). Each notebook is matched to its exercise in ``exercises/``
(``--exercises DIR``; ``--exercise FILE`` forces one) by file name, else by its cell ids.

How a notebook is graded (COURSE.md section 16):

1. The student's code cells run in order in a fresh kernel (address space limited by
   ``--memory-mb``, each cell by ``--cell-timeout``, the whole notebook by ``--timeout``); a line
   calling a ``check_...`` function is removed from them first. A cell that hangs is interrupted;
   one that ends the kernel is skipped and the cells before it re-run in a new kernel.
2. The grader's task list and points come from the INSTRUCTOR's exercise: every cell that calls a
   check. Each check runs right after the student's cell with the same cell id (else after the
   student's copy of the cell that preceded it in the exercise; else at the end), so deleting,
   editing, duplicating or moving check cells changes nothing.
3. The check itself runs in the grader's own process, with fresh randomised cases (``--seed``); the
   student's functions, named in the instructor's check cell, are called in the student's kernel
   through ``course_lib.checks.remote``, which brings back only data. Records or text the notebook
   prints are never read.

Exit status: 0 if every notebook was graded and every task passed; 1 if every notebook was graded
and some task did not pass; 2 if some notebook could not be graded at all (not a notebook, invalid
JSON, an empty file, a directory, no matching exercise, a kernel that would not start), or on a
command-line error. ``--gradebook grades.csv`` writes grades.csv (one row per student, notebook and
task, plus a 'total' row per notebook) and grades.json; ``--feedback DIR`` one markdown file per student.
"""
import argparse
import ast
import builtins
import csv
import functools
import json
import os
import pathlib
import pickle
import queue
import re
import resource
import secrets
import select
import socket
import subprocess
import sys
import time
import types

from . import checks as _checks_package
from .checks import StudentCrash, StudentError, StudentTimeout, remote

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
CHECK_CALL = re.compile(r"^\s*(?:\w+\.)*(check_\w+)\s*\(", re.MULTILINE)
DEFAULTS = {"timeout": 900.0, "cell_timeout": 300.0, "memory_mb": 4096, "interrupt_grace": 10.0,
            "max_restarts": 3}
NOT_GRADED = "not graded"


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


# --------------------------------------------------------------------------------------------
# the instructor's exercise: which checks, with which student names, after which cells
# --------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _check_functions():
    """name -> check function, from every submodule of course_lib.checks (imported here, in the grader)."""
    import importlib
    import pkgutil
    found = {}
    for info in pkgutil.iter_modules(_checks_package.__path__):
        module = importlib.import_module(f"{_checks_package.__name__}.{info.name}")
        for name, value in vars(module).items():
            if name.startswith("check_") and callable(value) and hasattr(value, "task"):
                found[name] = value
    return found


def _parse_check_calls(source):
    """[(check name, [argument names or constants], {keyword: ...})] of the top-level check calls."""
    calls = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if not name.startswith("check_"):
                continue
            args = [("name", a.id) if isinstance(a, ast.Name) else ("value", ast.literal_eval(a))
                    for a in node.value.args]
            kwargs = {k.arg: ("name", k.value.id) if isinstance(k.value, ast.Name) else
                      ("value", ast.literal_eval(k.value)) for k in node.value.keywords}
            calls.append((name, args, kwargs))
    return calls


_EXERCISES = {}


def load_exercise(path):
    """Exercise(path), cached while the file is unchanged."""
    path = pathlib.Path(path).resolve()
    key = (path, path.stat().st_mtime_ns)
    if key not in _EXERCISES:
        _EXERCISES[key] = Exercise(path)
    return _EXERCISES[key]


class Exercise:
    """The instructor's version of an exercise: its cells and, in order, its check cells."""

    def __init__(self, path):
        import nbformat
        self.path = pathlib.Path(path)
        self.name = self.path.stem
        self.nb = nbformat.read(str(self.path), as_version=4)
        registry = _check_functions()
        self.cells = self.nb.cells
        self.checks = []           # dicts: index, id, calls [(function, args, kwargs)]
        for index, cell in enumerate(self.cells):
            if cell.cell_type != "code" or not CHECK_CALL.search(_source(cell)):
                continue
            calls = []
            for name, args, kwargs in _parse_check_calls(_source(cell)):
                if name not in registry:
                    raise ValueError(f"{self.path.name}: cell {index} calls {name}, which course_lib.checks lacks")
                calls.append((registry[name], args, kwargs))
            self.checks.append({"index": index, "id": cell.get("id"), "calls": calls,
                                "names": [c[0].__name__ for c in calls]})
        self.lines = {line.strip() for cell in self.cells for line in _source(cell).splitlines()}

    @property
    def tasks(self):
        return [(call[0].task, call[0].points) for chk in self.checks for call in chk["calls"]]

    @property
    def max_score(self):
        return sum(points for _, points in self.tasks)


def find_exercise(path, nb=None, exercises=EXERCISES, explicit=None):
    """The Exercise a submission answers: --exercise, else a file name containing an exercise's name
    (longest first), else the exercise sharing most check-cell ids with the notebook; None if unknown."""
    if explicit:
        return explicit if isinstance(explicit, Exercise) else load_exercise(explicit)
    candidates = sorted(pathlib.Path(exercises).glob("*.ipynb"), key=lambda p: -len(p.stem))
    name = pathlib.Path(path).name
    for candidate in candidates:
        if candidate.stem in name:
            return load_exercise(candidate)
    if nb is not None:
        ids = {cell.get("id") for cell in nb.get("cells", []) if isinstance(cell, dict)}
        best, overlap = None, 0
        for candidate in candidates:
            exercise = load_exercise(candidate)
            shared = sum(chk["id"] in ids for chk in exercise.checks)
            if shared > overlap:
                best, overlap = exercise, shared
        return best
    return None


# --------------------------------------------------------------------------------------------
# the student's notebook: read it, strip their check calls, place the instructor's checks
# --------------------------------------------------------------------------------------------

def read_submission(path):
    """The notebook as a dict, or raise ValueError saying why it cannot be read."""
    import nbformat
    path = pathlib.Path(path)
    if path.is_dir():
        raise ValueError(f"{path.name} is a directory, not a notebook file")
    if not path.exists():
        raise ValueError(f"{path} does not exist")
    text = path.read_bytes()
    if not text.strip():
        raise ValueError(f"{path.name} is empty")
    try:
        data = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path.name} is not valid notebook JSON ({err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError(f"{path.name} is JSON but not a notebook (no list of cells)")
    if data.get("nbformat") != 4:
        raise ValueError(f"{path.name} has notebook format {data.get('nbformat')!r}; save it with Jupyter (format 4)")
    cells = []
    for cell in data["cells"]:           # only what grading reads; no schema validation (slow, and strict)
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            continue
        source = cell.get("source", "")
        source = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else str(source)
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        tags = metadata.get("tags") if isinstance(metadata.get("tags"), list) else []
        cells.append({"cell_type": cell["cell_type"], "source": source,
                      "id": cell.get("id") if isinstance(cell.get("id"), str) else None,
                      "metadata": {"tags": [t for t in tags if isinstance(t, str)]}})
    return nbformat.from_dict({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def strip_check_calls(source):
    """The cell's source without its top-level check_...(...) statements (each becomes 'pass')."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return "\n".join("pass" if re.match(r"^(?:\w+\.)*check_\w+\s*\(.*\)\s*;?\s*$", line) else line
                         for line in source.split("\n"))
    lines = source.split("\n")
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name.startswith("check_"):
                first, last = node.lineno - 1, node.end_lineno - 1
                indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
                lines[first] = indent + "pass"
                for k in range(first + 1, last + 1):
                    lines[k] = ""
    return "\n".join(lines)


def plan(nb, exercise):
    """Steps ('cell', index) and ('check', k) in the order the grader runs them (see module doc)."""
    cells = nb.cells
    first = {}
    for index, cell in enumerate(cells):
        if cell.get("id"):
            first.setdefault(cell.get("id"), index)
    after = {}                                            # student cell index -> [check numbers]
    for k, chk in enumerate(exercise.checks):
        where = first.get(chk["id"]) if chk["id"] is not None else None
        if where is None:                                 # same check called in some student cell
            where = next((i for i, cell in enumerate(cells) if cell.cell_type == "code" and
                          set(CHECK_CALL.findall(_source(cell))) & set(chk["names"])), None)
        if where is None:                                 # after the cell that preceded it
            for previous in reversed(exercise.cells[: chk["index"]]):
                if previous.get("id") in first:
                    where = first[previous.get("id")]
                    break
        after.setdefault(len(cells) if where is None else where, []).append(k)
    steps = []
    for index in range(len(cells) + 1):
        if index < len(cells) and cells[index].cell_type == "code":
            steps.append(("cell", index))
        steps += [("check", k) for k in after.get(index, [])]
    return steps


SUSPICIOUS = [
    (re.compile(r"\b(?:np|numpy)\.\w+(?:\.\w+)*\s*=(?!=)"), "reassigns a numpy function"),
    (re.compile(r"\bcheck_\w+\s*=(?!=)|\bdef\s+check_\w+"), "defines a check_ name"),
    (re.compile(r"vnd\.course-check|CHECK_MIME|\bpublish\b|\bCheckRecord\b"), "writes check records"),
    (re.compile(r"\bsys\.(?:setprofile|settrace|modules|monitoring|_getframe)|\bimportlib\b|\b__reduce__\b|"
                r"\bbuiltins\b|\bctypes\b|\bgc\.get_objects\b"), "reaches into the interpreter"),
    (re.compile(r"\bcourse_lib(?:\.\w+)*\.\w+\s*=(?!=)|\bsetattr\s*\("), "patches a module"),
    (re.compile(r"set_case_seed|COURSE_CHECK_SEED|_SETTINGS"), "touches the checks' settings"),
]


IMPORTED = re.compile(r"^[ \t]*(?:import[ \t]+([\w.]+)(?:[ \t]+as[ \t]+(\w+))?|"
                      r"from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\(([\w\s,]+)\)|([\w \t,]+)))", re.MULTILINE)


def _imported_names(nb):
    """Names bound by import statements in the notebook (module aliases and imported objects)."""
    names = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            for module, alias, listed, plain in IMPORTED.findall(_source(cell)):
                if module:
                    names.add(alias or module.split(".")[0])
                else:
                    names |= {item.split()[-1] for item in (listed or plain).split(",") if item.split()}
    return names


def suspicious_lines(nb, exercise):
    """Notes on student lines (not in the exercise) that look like attempts to influence the grading."""
    notes = []
    modules = _imported_names(nb)
    patterns = SUSPICIOUS + [(re.compile(r"^\s*(?:%s)\.[\w.]+\s*=(?!=)" % "|".join(map(re.escape, sorted(modules)))),
                              "assigns to an imported module")] if modules else SUSPICIOUS
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for number, line in enumerate(_source(cell).splitlines(), 1):
            if line.strip() in exercise.lines:
                continue
            for pattern, what in patterns:
                if pattern.search(line):
                    notes.append(f"cell {index}, line {number} {what} (`{line.strip()[:80]}`): it cannot change "
                                 "the score, but have a look")
                    break
    return notes


# --------------------------------------------------------------------------------------------
# the student's kernel
# --------------------------------------------------------------------------------------------

class Outcome:
    def __init__(self, status, error=None):
        self.status, self.error = status, error        # ok | error | timeout | dead


class Kernel:
    """A fresh python3 kernel with an address-space limit; runs code with deadlines."""

    def __init__(self, cwd, memory_mb, grace):
        from jupyter_client import KernelManager
        env = dict(os.environ, COURSE_PROGRESS="0", MPLBACKEND="Agg")
        env.pop("COURSE_CHECKS_RAISE", None)
        self.grace = grace
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(cwd=str(cwd), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if memory_mb:
            limit = int(memory_mb) * 2 ** 20
            try:
                resource.prlimit(self.km.provisioner.pid, resource.RLIMIT_AS, (limit, limit))
            except (AttributeError, OSError, ValueError):
                pass
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=120)
        except Exception:
            self.close()
            raise

    def alive(self):
        try:
            return self.km.is_alive()
        except Exception:  # noqa: BLE001
            return False

    def start(self, code, store_history=True):
        return self.kc.execute(code, store_history=store_history, allow_stdin=False, stop_on_error=False)

    def wait(self, msg_id, deadline, interrupt=True):
        """Outcome of execution msg_id: ok, error (ename, evalue), timeout (interrupted) or dead."""
        error = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if not interrupt:
                    return Outcome("timeout")
                return self._interrupt(msg_id)
            try:
                msg = self.kc.get_iopub_msg(timeout=min(remaining, 0.5))
            except queue.Empty:
                if not self.alive():
                    return Outcome("dead")
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "error":
                error = (msg["content"].get("ename", "Error"), msg["content"].get("evalue", ""))
            elif kind == "status" and msg["content"].get("execution_state") == "idle":
                self._drain_shell()
                return Outcome("error" if error else "ok", error)

    def _interrupt(self, msg_id):
        try:
            self.km.interrupt_kernel()
        except Exception:  # noqa: BLE001
            pass
        outcome = self.wait(msg_id, time.monotonic() + self.grace, interrupt=False)
        if outcome.status in ("ok", "error"):
            return Outcome("timeout")
        self.kill()
        return Outcome("dead")

    def run(self, code, deadline):
        return self.wait(self.start(code), deadline)

    def _drain_shell(self):
        while True:
            try:
                self.kc.get_shell_msg(timeout=0)
            except (queue.Empty, Exception):  # noqa: BLE001
                return

    def kill(self):
        try:
            self.km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001
            pass

    def close(self):
        try:
            self.kc.stop_channels()
        except Exception:  # noqa: BLE001
            pass
        self.kill()


# --------------------------------------------------------------------------------------------
# the student's functions, called from the grader's checks
# --------------------------------------------------------------------------------------------

_BOOTSTRAP = ("(lambda b, g: (b.exec(b.compile({source!r}, '<course-grader>', 'exec'), g), "
              "g['serve']({host!r}, {port!r}, {token!r}, {root!r}, b.__import__('IPython').get_ipython().user_ns)))"
              "(__import__('builtins'), {{'__name__': '__course_grader__'}})")


def _exception_from(info):
    """An exception standing for the one student code raised (same builtin type where there is one)."""
    name = str(info.get("type", "Exception"))
    message = str(info.get("message", ""))
    if name == "KeyboardInterrupt":
        return StudentTimeout("it was interrupted")
    base = getattr(builtins, name, None) if info.get("builtin") else None
    bases = (base, StudentError) if isinstance(base, type) and issubclass(base, Exception) else (StudentError,)
    try:
        err = type(name, bases, {})(message)
    except Exception:  # noqa: BLE001 - exception types whose constructor wants more arguments
        err = type(name, (StudentError,), {})(message)
    err.where = str(info.get("where", ""))
    return err


class Session:
    """One conversation with the server in the student's kernel, for the checks of one check cell."""

    def __init__(self, kernel, deadline, call_timeout):
        self.kernel, self.deadline, self.call_timeout = kernel, deadline, call_timeout
        self.conn, self.broken, self.finished = None, "", False
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        token = secrets.token_hex(16)
        code = _BOOTSTRAP.format(source=pathlib.Path(remote.__file__).read_text(), host="127.0.0.1",
                                 port=listener.getsockname()[1], token=token, root=_checks_package.LIBRARY_ROOT)
        self.msg_id = kernel.start(code, store_history=False)
        start = time.monotonic()
        try:
            while self.conn is None:
                ready, _, _ = select.select([listener], [], [], 0.5)
                if ready:
                    conn, _ = listener.accept()
                    conn.settimeout(60)
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    hello = json.loads(remote.recv_message(conn, limit=4096))
                    if hello.get("token") == token:
                        self.conn = conn
                    else:
                        conn.close()
                elif not kernel.alive():
                    self.broken = "the kernel died"
                    return
                elif self._helper_ended():
                    return
                elif time.monotonic() - start > 60:
                    self.broken = "the student's kernel did not start the grader's helper (is socket or exec broken?)"
                    return
        except (OSError, ValueError, ConnectionError) as err:
            self.broken = f"the grader's helper in the kernel failed ({err})"
        finally:
            listener.close()

    def _helper_ended(self):
        """True (and self.broken set) if the helper cell already finished without connecting."""
        while True:
            try:
                msg = self.kernel.kc.get_iopub_msg(timeout=0)
            except queue.Empty:
                return False
            if msg.get("parent_header", {}).get("msg_id") != self.msg_id:
                continue
            if msg["msg_type"] == "error":
                self.broken = (f"the grader's helper failed in your kernel ({msg['content'].get('ename')}: "
                               f"{msg['content'].get('evalue')}); did the notebook replace a standard module?")
            elif msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                self.finished = True
                self.broken = self.broken or "the grader's helper ended at once in your kernel"
                return True

    def _send(self, obj):
        remote.send_message(self.conn, pickle.dumps(obj))

    def request(self, message, callbacks=()):
        """Send a request; serve callbacks; return the decoded answer dict."""
        if self.conn is None:
            raise StudentCrash(self.broken or "the kernel is gone")
        self._send(message)
        deadline = min(self.deadline, time.monotonic() + self.call_timeout)
        interrupted = False
        while True:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                if interrupted:
                    self.kernel.kill()
                    self.conn = None
                    self.broken = "the kernel was stopped after a timeout"
                    raise StudentTimeout(f"it ran longer than {self.call_timeout:.0f} s and did not stop when "
                                         "interrupted (the kernel was restarted)")
                self.kernel.km.interrupt_kernel()
                interrupted = True
                deadline = time.monotonic() + self.kernel.grace
                continue
            ready, _, _ = select.select([self.conn], [], [], min(timeout, 0.5))
            if not ready:
                if not self.kernel.alive():
                    self.conn = None
                    self.broken = "the kernel died"
                    raise StudentCrash("the kernel died (out of memory, or the code ended the process)")
                continue
            try:
                answer = json.loads(remote.recv_message(self.conn))
            except (ConnectionError, OSError) as err:
                self.conn = None
                if self.kernel.alive():
                    self.broken = "the grader's helper in the kernel stopped answering"
                    raise StudentCrash("the grader's helper in your kernel stopped answering (did the notebook "
                                       "replace a standard module such as pickle, json or socket?)") from None
                self.broken = "the kernel died"
                raise StudentCrash(f"the kernel died (out of memory, or the code ended the process: {err})") from None
            except ValueError as err:
                raise StudentError(f"its result could not be read ({err})") from None
            if "callback" in answer:
                try:
                    args = remote.decode(answer["args"])
                    kwargs = remote.decode(answer["kwargs"])
                    self._send({"result": callbacks[answer["callback"]](*args, **kwargs)})
                except Exception as err:  # noqa: BLE001 - a bad callback argument is the student's
                    self._send({"error": f"{type(err).__name__}: {err}"})
                continue
            if "protocol_error" in answer:
                raise StudentError(answer["protocol_error"])
            if interrupted:
                raise StudentTimeout(f"it ran longer than {self.call_timeout:.0f} s (an endless loop?) and was "
                                     "interrupted")
            return answer

    def resolve(self, name):
        return self.request({"op": "resolve", "name": name})

    def close(self):
        if self.conn is not None:
            try:
                self._send({"op": "done"})
                self.conn.close()
            except OSError:
                pass
            self.conn = None
        if not self.finished:
            self.kernel.wait(self.msg_id, time.monotonic() + 30)


class RemoteFunction:
    """A student's function in their kernel, called by name (same interface as checks.StudentFunction)."""

    def __init__(self, session, name):
        self.session, self.__name__ = session, name
        self.library_calls, self.observed = set(), True

    def _call(self, args, kwargs, measure):
        callbacks = {i: a for i, a in enumerate(args)
                     if isinstance(a, (types.FunctionType, types.MethodType, functools.partial))}
        sent = [None if i in callbacks else a for i, a in enumerate(args)]
        answer = self.session.request({"op": "call", "name": self.__name__, "args": sent, "kwargs": kwargs,
                                       "callbacks": sorted(callbacks), "measure": measure}, callbacks)
        self.library_calls |= {tuple(call) for call in answer.get("calls", [])}
        self.observed = self.observed and bool(answer.get("observed", False))
        if "error" in answer:
            raise _exception_from(answer["error"])
        try:
            result = remote.decode(answer["result"])
        except (ValueError, KeyError, TypeError) as err:
            raise StudentError(f"its result could not be read ({err})") from None
        return result, answer.get("peak_mb")

    def __call__(self, *args, **kwargs):
        return self._call(args, kwargs, False)[0]

    def peak_memory_mb(self, *args, **kwargs):
        return self._call(args, kwargs, True)


def _record(task, status, message, points, **extra):
    return dict(task=task, status=status, passed=status == "passed", points=points if status == "passed" else 0,
                max_points=points, message=message, **extra)


def run_check(check_cell, session):
    """The records of one instructor check cell, the student's functions called through session."""
    records = []
    for function, args, kwargs in check_cell["calls"]:
        points = function.points
        resolved, missing = [], None
        for kind, value in args:
            if kind != "name":
                resolved.append(value)
                continue
            try:
                state = session.resolve(value).get("resolved")
            except StudentError as err:
                missing = f"the grader could not reach your kernel ({err})"
                break
            if state not in ("missing", "placeholder", "callable", "value"):
                missing = "the grader's helper in your kernel gave no sensible answer (did the notebook replace a " \
                          "standard module?)"
                break
            if state == "missing":
                missing = (f"{value} is not defined when this check runs: run the cell that defines it (did it "
                           "raise an error, or was it deleted or renamed?)")
                break
            resolved.append(Ellipsis if state == "placeholder" else RemoteFunction(session, value))
        if missing:
            records.append(_record(function.task, "not yet", missing, points))
            continue
        extra = {k: v[1] for k, v in kwargs.items() if v[0] == "value"}
        with _checks_package.quiet():
            record = function(*resolved, **extra)
        records.append(dict(record))
    return records


# --------------------------------------------------------------------------------------------
# one notebook
# --------------------------------------------------------------------------------------------

def _unreadable(path, exercise, why):
    tasks = [_record(task, NOT_GRADED, f"not graded: {why}", points) for task, points in
             (exercise.tasks if exercise else [])]
    return {"notebook": str(path), "exercise": exercise.name if exercise else None, "score": 0,
            "max_score": exercise.max_score if exercise else 0, "tasks": tasks, "unexpected_errors": [],
            "notes": [], "failure": why}


def grade(path, timeout=None, cell_timeout=None, memory_mb=None, seed=None, exercise=None,
          exercises=EXERCISES, interrupt_grace=None, max_restarts=None):
    """Execute one returned notebook and score it with the instructor's checks; returns a summary dict.

    The summary has notebook, exercise, score, max_score, tasks (one record per check call: task,
    status, passed, points, max_points, message), unexpected_errors (cells that raised, not tagged
    'raises-exception'), notes (timeouts, kernel restarts, code worth a look), seconds, and 'failure'
    when the notebook could not be graded at all.
    """
    opts = {k: v if v is not None else DEFAULTS[k] for k, v in
            dict(timeout=timeout, cell_timeout=cell_timeout, memory_mb=memory_mb, interrupt_grace=interrupt_grace,
                 max_restarts=max_restarts).items()}
    path = pathlib.Path(path)
    started = time.monotonic()
    deadline = started + opts["timeout"]
    nb, why = None, None
    try:
        nb = read_submission(path)
    except ValueError as err:
        why = str(err)
    try:
        found = find_exercise(path, nb, exercises, exercise)
    except Exception as err:  # noqa: BLE001 - a broken exercise is the instructor's problem: say so
        return _unreadable(path, None, f"the exercise could not be loaded ({type(err).__name__}: {err})")
    if found is None:
        return _unreadable(path, None, why or "no exercise in "
                           f"{exercises} matches its file name or its cell ids (use --exercise)")
    if why:
        return _unreadable(path, found, why)
    if seed is not None:
        _checks_package.set_case_seed(seed)
    steps = plan(nb, found)
    records = {k: None for k in range(len(found.checks))}
    errors, notes, fatal = [], suspicious_lines(nb, found), set()
    restarts = 0
    try:
        kernel = Kernel(path.resolve().parent, opts["memory_mb"], opts["interrupt_grace"])
    except Exception as err:  # noqa: BLE001
        return _unreadable(path, found, f"a kernel could not be started ({type(err).__name__}: {err})")
    try:
        position = 0
        while position < len(steps):
            kind, number = steps[position]
            if time.monotonic() >= deadline:
                break
            if kind == "cell":
                cell = nb.cells[number]
                outcome = kernel.run(strip_check_calls(_source(cell)),
                                     min(deadline, time.monotonic() + opts["cell_timeout"]))
                tags = cell.get("metadata", {}).get("tags", [])
                if outcome.status == "error" and "raises-exception" not in tags:
                    errors.append({"cell": number, "error": f"{outcome.error[0]}: {outcome.error[1]}"[:500]})
                elif outcome.status == "timeout":
                    errors.append({"cell": number, "error": f"TimeoutError: it did not finish within "
                                                            f"{opts['cell_timeout']:.0f} s and was interrupted"})
            else:
                session = Session(kernel, deadline, opts["cell_timeout"])
                try:
                    records[number] = run_check(found.checks[number], session)
                except Exception as err:  # noqa: BLE001 - never lose the notebook's other tasks
                    records[number] = [_record(function.task, "not yet", "the grader could not run this check "
                                               f"({type(err).__name__}: {err})", function.points)
                                       for function, _, _ in found.checks[number]["calls"]]
                finally:
                    if kernel.alive():
                        session.close()
                outcome = Outcome("ok" if kernel.alive() else "dead")
            position += 1
            if outcome.status == "dead":
                if kind == "cell":
                    fatal.add(number)
                    errors.append({"cell": number, "error": "KernelDied: the kernel ended while this cell ran (a "
                                                            "crash, the memory limit, or no stop when interrupted); "
                                                            "the cell was skipped afterwards"})
                kernel.close()
                if restarts >= opts["max_restarts"]:
                    notes.append(f"the kernel ended {restarts + 1} times; the remaining tasks were not run")
                    break
                restarts += 1
                notes.append(f"the kernel was restarted (restart {restarts}); the code cells before "
                             f"{'cell ' + str(number) if kind == 'cell' else 'that check'} ran again, without the "
                             "cells that ended the kernel")
                try:
                    kernel = Kernel(path.resolve().parent, opts["memory_mb"], opts["interrupt_grace"])
                except Exception as err:  # noqa: BLE001
                    notes.append(f"a new kernel could not be started ({type(err).__name__}: {err})")
                    break
                for earlier_kind, earlier in steps[:position]:
                    if earlier_kind == "cell" and earlier not in fatal and time.monotonic() < deadline:
                        again = kernel.run(strip_check_calls(_source(nb.cells[earlier])),
                                           min(deadline, time.monotonic() + opts["cell_timeout"]))
                        if again.status == "dead":
                            fatal.add(earlier)
                            break
    finally:
        kernel.close()
    out_of_time = time.monotonic() >= deadline
    if out_of_time:
        notes.append(f"the notebook reached its time limit of {opts['timeout']:.0f} s")
    tasks = []
    for k, chk in enumerate(found.checks):
        if records[k] is not None:
            tasks.extend(records[k])
            continue
        why = (f"the notebook ran out of time ({opts['timeout']:.0f} s) before this check" if out_of_time else
               "the kernel ended too often before this check")
        tasks.extend(_record(function.task, "not yet", why, function.points) for function, _, _ in chk["calls"])
    return {"notebook": str(path), "exercise": found.name, "score": sum(t["points"] for t in tasks),
            "max_score": found.max_score, "tasks": tasks, "unexpected_errors": errors, "notes": notes,
            "seconds": round(time.monotonic() - started, 1)}


# --------------------------------------------------------------------------------------------
# a class: submissions, gradebooks, feedback
# --------------------------------------------------------------------------------------------

def submissions(folder):
    """[(student, notebook path)] of a submissions folder: one subfolder or one notebook per student."""
    out = []
    for entry in sorted(pathlib.Path(folder).iterdir()):
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        if entry.is_dir() and entry.suffix != ".ipynb":
            found = sorted(p for p in entry.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            found = [p for p in found if not any(q in p.parents for q in found)]
            out += [(entry.name, p) for p in found] or [(entry.name, entry / "(no notebook)")]
        elif entry.suffix == ".ipynb":
            out.append((entry.stem, entry))
    return out


def format_table(summary):
    """Human-readable score table of one notebook."""
    lines = [f"{summary['notebook']}", f"{'task':<44} {'status':<20} points"]
    for t in summary["tasks"]:
        lines.append(f"{t['task'][:44]:<44} {t['status']:<20} {t['points']}/{t['max_points']}")
    lines.append(f"{'total':<44} {'':<20} {summary['score']}/{summary['max_score']}")
    if summary.get("failure"):
        lines.append(f"  could not be graded: {summary['failure']}")
    for e in summary["unexpected_errors"]:
        lines.append(f"  note: cell {e['cell']} raised {e['error']}")
    for note in summary.get("notes", []):
        lines.append(f"  note: {note}")
    return "\n".join(lines)


def write_gradebook(rows, csv_path, seed, options):
    """grades.csv (student, notebook, exercise, task, status, points, max_points, message) and grades.json."""
    csv_path = pathlib.Path(csv_path)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    fields = ["student", "notebook", "exercise", "task", "status", "points", "max_points", "message"]
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for student, summary in rows:
            base = {"student": student, "notebook": summary["notebook"], "exercise": summary.get("exercise") or ""}
            for t in summary["tasks"]:
                writer.writerow(dict(base, task=t["task"], status=t["status"], points=t["points"],
                                     max_points=t["max_points"], message=t["message"]))
            writer.writerow(dict(base, task="total", status="could not be graded" if summary.get("failure") else "",
                                 points=summary["score"], max_points=summary["max_score"],
                                 message=summary.get("failure") or ""))
    students = {}
    for student, summary in rows:
        entry = students.setdefault(student, {"student": student, "score": 0, "max_score": 0, "notebooks": []})
        entry["notebooks"].append(summary)
        entry["score"] += summary["score"]
        entry["max_score"] += summary["max_score"]
    data = {"seed": seed, "options": options, "students": list(students.values())}
    csv_path.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def write_feedback(rows, folder, seed):
    """One markdown file per student: score, each task's message, errors and notes."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    by_student = {}
    for student, summary in rows:
        by_student.setdefault(student, []).append(summary)
    written = []
    for student, summaries in by_student.items():
        lines = [f"# Feedback for {student}", ""]
        for s in summaries:
            lines += [f"## {pathlib.Path(s['notebook']).name}" + (f" ({s['exercise']})" if s.get("exercise") else ""),
                      "", f"**Score: {s['score']} / {s['max_score']}**", ""]
            if s.get("failure"):
                lines += [f"This notebook could not be graded: {s['failure']}.", ""]
            if s["tasks"]:
                lines += ["| task | result | points | what the check said |", "|---|---|---|---|"]
                for t in s["tasks"]:
                    message = t["message"].replace("|", "\\|").replace("\n", " ")
                    lines.append(f"| {t['task']} | {t['status']} | {t['points']}/{t['max_points']} | {message} |")
                lines.append("")
            for e in s["unexpected_errors"]:
                lines.append(f"- Cell {e['cell']}: {e['error']}")
            for note in s.get("notes", []):
                lines.append(f"- {note}")
            lines.append("")
        lines.append(f"Graded with fresh random test cases (seed {seed}); rerun the checks in your notebook to "
                     "see them pass or fail on new cases.")
        safe = re.sub(r"[^\w.-]+", "_", student) or "student"
        target = folder / f"{safe}.md"
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(target)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description="Execute returned exercise notebooks and score them with the "
                                                 "instructor's checks (see the module docstring).")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="returned .ipynb files, or folders with one subfolder or notebook per student")
    parser.add_argument("--gradebook", help="write a CSV gradebook here (and a JSON one beside it)")
    parser.add_argument("--feedback", help="write one markdown feedback file per student into this folder "
                                           "(default with --gradebook: GRADEBOOK_feedback/ beside it)")
    parser.add_argument("--json", help="write the per-notebook summary here ('-' for stdout)")
    parser.add_argument("--exercise", help="grade every notebook against this exercise notebook")
    parser.add_argument("--exercises", default=str(EXERCISES), help="folder of the instructor's exercises")
    parser.add_argument("--timeout", type=float, default=DEFAULTS["timeout"], help="seconds per notebook")
    parser.add_argument("--cell-timeout", type=float, default=DEFAULTS["cell_timeout"],
                        help="seconds per cell and per call of a student's function")
    parser.add_argument("--memory-mb", type=int, default=DEFAULTS["memory_mb"],
                        help="address-space limit of each notebook's kernel (0: none)")
    parser.add_argument("--seed", type=int, help="seed of the checks' random cases (default: a new one)")
    args = parser.parse_args(argv)
    if args.json and args.json != "-":      # refuse before grading, not after (a class can take an hour)
        problem = _unwritable(args.json)
        if problem:
            parser.error(f"--json {args.json}: {problem}")
    seed = args.seed if args.seed is not None else secrets.randbits(32)
    work = []
    for item in args.paths:
        path = pathlib.Path(item)
        if path.is_dir() and path.suffix != ".ipynb":
            work += submissions(path)
        else:
            work.append((path.stem, path))
    rows, status = [], 0
    out = sys.stderr if args.json == "-" else sys.stdout
    for student, path in work:
        try:
            summary = grade(path, args.timeout, args.cell_timeout, args.memory_mb, seed, args.exercise,
                            args.exercises)
        except Exception as err:  # noqa: BLE001 - never stop a class's grading for one notebook
            summary = _unreadable(path, None, f"the grader failed on it ({type(err).__name__}: {err})")
        rows.append((student, summary))
        if summary.get("failure"):
            print(f"{path}: could not be graded ({summary['failure']})", file=sys.stderr)
            status = 2
        elif summary["score"] < summary["max_score"] or summary["max_score"] == 0:
            status = max(status, 1)
        print(format_table(summary), file=out, flush=True)
    options = {"timeout_s": args.timeout, "cell_timeout_s": args.cell_timeout, "memory_mb": args.memory_mb}
    if args.gradebook:
        write_gradebook(rows, args.gradebook, seed, options)
    feedback = args.feedback or (str(pathlib.Path(args.gradebook).with_suffix("")) + "_feedback"
                                 if args.gradebook else None)
    if feedback:
        write_feedback(rows, feedback, seed)
    if args.json:
        text = json.dumps({"seed": seed, "notebooks": [s for _, s in rows]}, indent=2)
        if args.json == "-":
            print(text)
        else:
            try:
                pathlib.Path(args.json).write_text(text + "\n")
            except OSError as err:
                print(f"--json {args.json}: could not write the summary ({err.strerror}); the scores are in the "
                      f"table above.", file=sys.stderr)
                return 2
    return status


def _unwritable(path):
    """Why a summary cannot be written to path (a sentence), or None if it can."""
    path = pathlib.Path(path)
    folder = path.parent if str(path.parent) else pathlib.Path(".")
    if path.is_dir():
        return "is a folder; give a file name such as summary.json."
    if not folder.is_dir():
        return (f"the folder {folder} does not exist. Create it first (mkdir -p {folder}) or give a path "
                f"in an existing folder.")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return f"cannot write there (no permission on {path if path.exists() else folder})."
    return None


if __name__ == "__main__":
    sys.exit(main())
