"""Calling a student's function for a check: trace which course_lib code it runs, and (for the grader)
run it in the student's own process and bring back only data.

Two users:

* ``course_lib.checks`` (a check run in a notebook) calls ``traced_call`` in the same process: the
  student's function runs with a tracer that records every course_lib function it enters, so that
  a check can refuse an answer that just calls the library's own version of the task.
* ``course_lib.grade`` runs the checks in ITS OWN process and never executes student code there. It
  sends this module's source text into the student's kernel, where ``serve`` answers requests over a
  local socket: "call the function bound to this name with these arguments". Arguments go to the
  student (pickled: the grader trusts its own data); results come back as JSON with numpy arrays in
  .npy form (``encode``), and the grader reads them with ``decode``, which builds nothing but
  numbers, strings, containers and numpy arrays (``allow_pickle=False``). Whatever the student's code
  does in its own process, it can only change what its function returns.

The source is executed in the student's kernel in a fresh namespace, so it imports only the standard
library and numpy at module level.
"""
import base64
import json
import os
import pickle
import socket
import struct
import sys
import tracemalloc
import traceback

import numpy as np

MAX_DEPTH = 32                     # nesting of a returned value
MAX_MESSAGE_BYTES = 768 * 2 ** 20  # one result; bigger is refused (the check then says what came back)
_HEADER = struct.Struct("!Q")


# --------------------------------------------------------------------------------------------
# tracing: which course_lib functions did the student's call enter?
# --------------------------------------------------------------------------------------------

def traced_call(function, args, kwargs, root, measure_memory=False):
    """Call function(*args, **kwargs) with a tracer (sys.settrace) that records course_lib functions entered.

    root is the course_lib package directory. Returns (outcome, calls, peak_mb, observed): outcome is
    ("ok", result) or ("error", exception); calls a set of (path relative to root, qualified name,
    called directly by code outside course_lib);
    peak_mb the tracemalloc peak of the call (None unless measured); observed False if the tracer
    was found replaced at the end (the call may then have hidden library calls). Functions passed as
    arguments (a check's callbacks) and what they call are not recorded.
    """
    calls = set()
    prefix = os.path.join(os.path.abspath(root), "")
    cut = len(prefix)
    callbacks = {getattr(a, "__code__", None) for a in list(args) + list(kwargs.values())} - {None}
    inside = [0]

    def in_callback(frame, event, arg):
        if event == "return":
            inside[0] -= 1
        return in_callback

    codes = {}                              # code object -> 0 outside course_lib, 1 inside, 2 inside and direct

    def tracer(frame, event, arg):          # sys.settrace: called at each Python call (not at C calls)
        code = frame.f_code
        if code in callbacks:
            inside[0] += 1
            return in_callback
        if inside[0]:
            return None
        known = codes.get(code)
        if known == 0 or known == 2:
            return None
        if known is None and not code.co_filename.startswith(prefix):
            codes[code] = 0
            return None
        caller = frame.f_back
        if caller is None or not codes.get(caller.f_code, 0) and not caller.f_code.co_filename.startswith(prefix):
            codes[code] = 2
        else:
            codes[code] = 1
        return None

    was_tracing = tracemalloc.is_tracing()
    if measure_memory:
        if was_tracing:
            tracemalloc.reset_peak()
        else:
            tracemalloc.start()
    previous = sys.gettrace()
    sys.settrace(tracer)
    peak_mb = None
    try:
        try:
            outcome = ("ok", function(*args, **kwargs))
        except BaseException as err:  # noqa: B902 - the caller decides what a student's exception means
            outcome = ("error", err)
    finally:
        observed = sys.gettrace() is tracer
        sys.settrace(previous)
        for code, kind in codes.items():
            if kind:
                calls.add((code.co_filename[cut:].replace(os.sep, "/"), getattr(code, "co_qualname", code.co_name),
                           kind == 2))
        if measure_memory:
            peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
            if not was_tracing:
                tracemalloc.stop()
    return outcome, calls, peak_mb, observed


def profiler_intact():
    """False if sys.settrace/gettrace are not the interpreter's own (a student replaced them)."""
    return all(type(f).__name__ == "builtin_function_or_method" and getattr(f, "__self__", None) is sys
               for f in (sys.settrace, sys.gettrace))


# --------------------------------------------------------------------------------------------
# data only: encode in the student's process, decode in the grader's
# --------------------------------------------------------------------------------------------

def _npy(array):
    """[dtype, shape, base64 of the raw bytes] of an array of numbers, booleans or fixed-width strings."""
    array = np.array(array, order="C", copy=True)       # (np.ascontiguousarray would make a 0-d array 1-d)
    return [array.dtype.str, list(array.shape), base64.b64encode(array.tobytes()).decode("ascii")]


def encode(obj, depth=0):
    """A JSON-able description of obj: plain values, containers, numpy arrays; anything else by type name."""
    if depth > MAX_DEPTH:
        return {"o": "nested too deeply", "r": ""}
    kind = type(obj)
    if obj is None or kind in (bool, str):
        return obj
    if kind is int:
        return obj if abs(obj) < 2 ** 63 else float(obj)
    if kind is float:
        return {"f": repr(obj)} if obj != obj or obj in (float("inf"), float("-inf")) else obj
    if kind is tuple:
        return {"t": [encode(x, depth + 1) for x in obj]}
    if kind is list:
        return {"l": [encode(x, depth + 1) for x in obj]}
    if kind is dict:
        return {"d": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in obj.items()]}
    if isinstance(obj, np.ndarray):
        array = np.asarray(obj)
        if array.dtype.kind in "biufcSU":
            return {"a": _npy(array)}
        return {"A": [encode(x, depth + 1) for x in array.ravel().tolist()], "s": list(array.shape)}
    if isinstance(obj, np.generic) and np.asarray(obj).dtype.kind in "biufcSU":
        return {"g": _npy(np.asarray(obj))}
    try:
        text = repr(obj)[:200]
    except Exception:  # noqa: BLE001 - a student's __repr__ may raise
        text = ""
    return {"o": kind.__name__[:80], "r": text}


class Opaque:
    """Stands for a returned object that was neither a number, a string, a container nor an array."""
    type_name = "object"

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text or f"<{self.type_name} object>"


def _opaque(type_name, text):
    safe = "".join(c for c in str(type_name) if c.isalnum() or c == "_") or "object"
    cls = type(safe, (Opaque,), {"type_name": safe})
    return cls(str(text))


def _load_npy(spec):
    """Inverse of _npy, accepting only plain dtypes (never objects or structured records)."""
    dtype_text, shape, data = spec
    dtype = np.dtype(str(dtype_text))
    if dtype.kind not in "biufcSU" or dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"refusing an array of dtype {dtype_text!r}")
    shape = tuple(int(n) for n in shape)
    raw = base64.b64decode(str(data).encode("ascii"), validate=True)
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if count * dtype.itemsize != len(raw):
        raise ValueError("array data of the wrong size")
    return np.frombuffer(raw, dtype=dtype, count=count).reshape(shape).copy()


def decode(obj, depth=0):
    """Inverse of encode; raises ValueError on anything it did not produce."""
    if depth > MAX_DEPTH + 2:
        raise ValueError("nested too deeply")
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if type(obj) is not dict or len(obj) not in (1, 2):
        raise ValueError(f"unexpected {type(obj).__name__} in a result")
    if "f" in obj:
        return float(obj["f"])
    if "t" in obj:
        return tuple(decode(x, depth + 1) for x in obj["t"])
    if "l" in obj:
        return [decode(x, depth + 1) for x in obj["l"]]
    if "d" in obj:
        return {decode(k, depth + 1): decode(v, depth + 1) for k, v in obj["d"]}
    if "a" in obj:
        return _load_npy(obj["a"])
    if "g" in obj:
        return _load_npy(obj["g"])[()]
    if "A" in obj:
        items = [decode(x, depth + 1) for x in obj["A"]]
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape([int(n) for n in obj["s"]])
    if "o" in obj:
        return _opaque(obj["o"], obj.get("r", ""))
    raise ValueError("unknown marker in a result")


# --------------------------------------------------------------------------------------------
# the wire: length-prefixed messages
# --------------------------------------------------------------------------------------------

def send_message(sock, payload):
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def _recv_exactly(sock, size):
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise ConnectionError("the connection closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def recv_message(sock, limit=MAX_MESSAGE_BYTES):
    (size,) = _HEADER.unpack(_recv_exactly(sock, _HEADER.size))
    if size > limit:
        raise ValueError(f"a message of {size} bytes is larger than allowed ({limit})")
    return _recv_exactly(sock, size)


_THIS_FILE = globals().get("__file__", "<course-grader>")   # exec'd in a kernel: no __file__


def _where(err):
    frames = traceback.extract_tb(err.__traceback__)
    frames = [f for f in frames if f.filename != _THIS_FILE and not f.filename.startswith("<course-grader")]
    return f" (line {frames[-1].lineno} of {frames[-1].name})" if frames else ""


def describe_error(err):
    """JSON-able description of an exception raised by student code."""
    builtin = type(err).__module__ == "builtins"
    try:
        message = str(err)[:2000]
    except Exception:  # noqa: BLE001
        message = ""
    return {"type": type(err).__name__[:100], "builtin": builtin, "message": message, "where": _where(err)}


# --------------------------------------------------------------------------------------------
# the server, run inside the student's kernel by the grader
# --------------------------------------------------------------------------------------------

def serve(host, port, token, root, namespace):
    """Answer the grader's requests until it says 'done'. Runs in the student's kernel."""
    sock = socket.create_connection((host, port), timeout=30)
    try:
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        send_message(sock, json.dumps({"token": token, "pid": os.getpid()}).encode())
        _serve(sock, root, namespace)
    finally:
        sock.close()


def _serve(sock, root, namespace):

    def reply(message):
        try:
            payload = json.dumps(message).encode()
        except (TypeError, ValueError) as err:
            payload = json.dumps({"protocol_error": f"could not serialise the result: {err}"}).encode()
        if len(payload) > MAX_MESSAGE_BYTES:
            payload = json.dumps({"protocol_error": f"the result is too large ({len(payload)} bytes)"}).encode()
        send_message(sock, payload)

    def callback(index):
        def call_grader(*args, **kwargs):
            reply({"callback": index, "args": encode(list(args)), "kwargs": encode(dict(kwargs))})
            answer = pickle.loads(recv_message(sock))
            if "error" in answer:
                raise RuntimeError(answer["error"])
            return answer["result"]
        return call_grader

    while True:
        try:
            request = pickle.loads(recv_message(sock))
        except KeyboardInterrupt:
            continue
        except (ConnectionError, OSError):
            return
        op = request.get("op")
        if op == "done":
            return
        try:
            if op == "resolve":
                name = request["name"]
                if name not in namespace:
                    reply({"resolved": "missing"})
                elif namespace[name] is Ellipsis or namespace[name] is None:
                    reply({"resolved": "placeholder"})
                else:
                    reply({"resolved": "callable" if callable(namespace[name]) else "value",
                           "type": type(namespace[name]).__name__})
                continue
            name = request["name"]
            if name not in namespace:
                raise NameError(f"name '{name}' is not defined")
            args, kwargs = request["args"], request["kwargs"]
            args = [callback(i) if i in request["callbacks"] else a for i, a in enumerate(args)]
            intact = profiler_intact()
            outcome, calls, peak_mb, observed = traced_call(namespace[name], args, kwargs, root,
                                                           measure_memory=request.get("measure", False))
            answer = {"calls": sorted(calls), "peak_mb": peak_mb, "observed": bool(observed and intact)}
            if outcome[0] == "ok":
                answer["result"] = encode(outcome[1])
            else:
                answer["error"] = describe_error(outcome[1])
            reply(answer)
        except BaseException as err:  # noqa: B902 - e.g. an interrupt while encoding
            try:
                reply({"error": describe_error(err), "calls": [], "peak_mb": None, "observed": False})
            except BaseException:  # noqa: B902 - the grader sees the connection close
                return
