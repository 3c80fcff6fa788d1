"""Keep the calling thread's signal stack across OpenVINO calls.

Our own because the fault is OpenVINO's (CPU plugin, openvino 2026.4.1): each Core's
CPU plugin installs a signal stack of its own (``sigaltstack``) when it is
loaded and, when released, puts back the stack it found only if its own is
still current. Two Cores released in the order they were made leave the
thread on the first one's unmapped stack: the next signal with a handler
(SIGCHLD of a DataLoader worker, SIGTERM, Ctrl+C) kills the process with
SIGSEGV, no traceback. Putting back, after each OpenVINO call that may load
the plugin, the stack that was current before it keeps a plugin's stack
from ever being current afterwards, so its release puts back nothing.
Linux only (elsewhere a no-op).
"""
import contextlib
import ctypes
import logging
import sys
from typing import Iterator, Optional, Tuple

SS_DISABLE = 2  # <signal.h>


class _Stack(ctypes.Structure):
    _fields_ = [('ss_sp', ctypes.c_void_p), ('ss_flags', ctypes.c_int),
                ('ss_size', ctypes.c_size_t)]


def _libc():
    if not sys.platform.startswith('linux'):
        return None
    return ctypes.CDLL(None, use_errno=True)


def signal_stack() -> Optional[Tuple[int, int, bool]]:
    """The calling thread's signal stack: (address, size, disabled), or
    None where it cannot be read (not Linux)."""
    libc = _libc()
    if libc is None:
        return None
    now = _Stack()
    if libc.sigaltstack(None, ctypes.byref(now)) != 0:
        return None
    return now.ss_sp or 0, now.ss_size, bool(now.ss_flags & SS_DISABLE)


def set_signal_stack(stack: Tuple[int, int, bool]) -> None:
    """Make ``stack`` (as :func:`signal_stack` gives it) the calling
    thread's signal stack; OSError if the kernel refuses."""
    address, size, disabled = stack
    new = _Stack(None if disabled else address,
                 SS_DISABLE if disabled else 0, 0 if disabled else size)
    if _libc().sigaltstack(ctypes.byref(new), None) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f'sigaltstack: {stack}')


@contextlib.contextmanager
def preserve_signal_stack() -> Iterator[None]:
    """Put back, when the block ends, the signal stack that was the
    calling thread's when it began (see the module's docstring)."""
    before = signal_stack()
    try:
        yield
    finally:
        if before is not None and signal_stack() != before:
            try:
                set_signal_stack(before)
            except OSError as e:  # not expected; say so, do not mask
                logging.getLogger(__name__).warning(
                    'could not put back the signal stack after an OpenVINO '
                    'call (%s): a later signal may crash the process', e)
