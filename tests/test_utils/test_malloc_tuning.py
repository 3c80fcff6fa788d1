"""keep_freed_memory: freed blocks of tens of MB are reused (no new page
faults), where glibc's defaults map and fault them in again each time."""
import os
import subprocess
import sys

import pytest

from mmfashion_attr.utils import malloc_tuning
from mmfashion_attr.utils.malloc_tuning import keep_freed_memory

# faults of 20 allocations of 40 MB (an activation of a 224-px model at
# batch 8), each written whole then freed, after a first one, on a thread
# (as the service's model calls)
FAULTS = '''
import importlib.util, resource, sys, threading
spec = importlib.util.spec_from_file_location('malloc_tuning', sys.argv[2])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)  # not the package: its imports are slow
if sys.argv[1] == 'tuned':
    assert module.keep_freed_memory() == 'set'


def run(times):
    for _ in range(times):
        block = bytearray(40 << 20)
        del block


run(1)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
thread = threading.Thread(target=run, args=(20,))
thread.start()
thread.join()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
'''


def faults(mode: str) -> int:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('MALLOC_') and k != 'GLIBC_TUNABLES'}
    out = subprocess.run([sys.executable, '-c', FAULTS, mode,
                          malloc_tuning.__file__], env=env,
                         capture_output=True, text=True, check=True)
    return int(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith('linux'),
                    reason='glibc malloc')
def test_freed_memory_is_reused():
    default, tuned = faults('default'), faults('tuned')
    # 40 MB are 10,240 pages: the default faults them in each time
    assert default > 20 * 5000, default
    assert tuned < 1000, tuned


def test_a_user_setting_is_kept(monkeypatch):
    monkeypatch.setenv('MALLOC_MMAP_THRESHOLD_', '131072')
    assert keep_freed_memory() == 'user setting kept'
    monkeypatch.delenv('MALLOC_MMAP_THRESHOLD_')
    monkeypatch.setenv('LD_PRELOAD', '/usr/lib/libjemalloc.so.2')
    assert keep_freed_memory() == 'jemalloc/tcmalloc preloaded'
