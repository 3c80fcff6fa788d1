"""Keep the memory a CPU forward pass frees for the next one (glibc).

glibc's malloc gives each allocation above its mmap threshold (raised
only up to 32 MB by its own adjustment) a fresh ``mmap``, returns free
memory at the top of a heap to the system, and gives threads their own
arenas of at most 64 MB heaps; a forward pass of a 224-px model at batch 8
allocates and frees tens of MB per layer on the service's model thread,
so every layer faults its pages in again. One arena and raised mmap and
trim thresholds keep the freed blocks for reuse: the service's page
faults and model-call time with glibc's settings and with these are in
benchmarks/results/serve_load_lite0_malloc-default_2026-12-04.txt and
serve_load_lite0_2026-12-04d.txt (docs/inference_and_deployment.md).
PyTorch's CPU tuning guide gives the same advice (or jemalloc/tcmalloc).

A process-wide setting, so entry points (``tools/serve.py``,
``tools/infer_catalog.py``: ``--malloc tuned``, their default) make it,
not the library: a program using :class:`AttributeInferencer` calls
:func:`keep_freed_memory` itself or starts with ``MALLOC_ARENA_MAX``,
``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` set. The cost:
memory freed after a peak stays with the process (for reuse) instead of
going back to the system; allocations above the threshold still get their
own mapping and give it back; threads share one arena (its lock).
"""
import ctypes
import ctypes.util
import os

# mallopt parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

# allocations up to 1 GB from the heap (a Lite0 activation at batch 32,
# 224 px: 32 x 96 x 112 x 112 floats, 154 MB); free memory at its top kept
# up to 2 GB (256 MB, tried first, was trimmed after Lite0 batches of 16:
# serve_load_lite0_2026-12-04c.txt)
MMAP_THRESHOLD = 1 << 30
TRIM_THRESHOLD = (1 << 31) - 1  # mallopt takes an int

USER_SETTINGS = ('MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_',
                 'MALLOC_TRIM_THRESHOLD_', 'GLIBC_TUNABLES')


def keep_freed_memory(mmap_threshold: int = MMAP_THRESHOLD,
                      trim_threshold: int = TRIM_THRESHOLD) -> str:
    """One malloc arena for all threads, and glibc's mmap and trim
    thresholds raised (bytes).

    Returns what was done, for the entry point's log: ``'set'``, or why
    not: ``'not glibc'`` (another C library, e.g. musl or macOS),
    ``'user setting kept'`` (one of :data:`USER_SETTINGS` in the
    environment), ``'jemalloc/tcmalloc preloaded'`` or ``'refused'`` (mallopt
    returned 0).
    """
    if any(name in os.environ for name in USER_SETTINGS):
        return 'user setting kept'
    preload = os.environ.get('LD_PRELOAD', '')
    if 'jemalloc' in preload or 'tcmalloc' in preload:
        return 'jemalloc/tcmalloc preloaded'
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
        libc.gnu_get_libc_version  # glibc's own: absent from musl, macOS
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return 'not glibc'
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    done = [mallopt(M_ARENA_MAX, 1),
            mallopt(M_MMAP_THRESHOLD, mmap_threshold),
            mallopt(M_TRIM_THRESHOLD, trim_threshold)]
    return 'set' if all(done) else 'refused'
