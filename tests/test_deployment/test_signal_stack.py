"""OpenVINO models released in the order they were made leave signals
working (mmfashion_attr/deployment/signal_stack.py): before, the thread was
left on an unmapped signal stack and the next handled signal (SIGCHLD of a
DataLoader worker, SIGTERM, Ctrl+C) killed the process with SIGSEGV."""
import ctypes
import subprocess
import sys
import textwrap

import pytest

from mmfashion_attr.deployment.signal_stack import (preserve_signal_stack,
                                                    set_signal_stack,
                                                    signal_stack)

pytestmark = pytest.mark.skipif(not sys.platform.startswith('linux'),
                                reason='sigaltstack: Linux')


def test_the_stack_current_before_the_block_is_put_back():
    original = signal_stack()
    first = ctypes.create_string_buffer(64 * 1024)
    second = ctypes.create_string_buffer(64 * 1024)
    mine = (ctypes.addressof(first), len(first), False)
    try:
        set_signal_stack(mine)
        with preserve_signal_stack():
            set_signal_stack((ctypes.addressof(second), len(second), False))
        assert signal_stack() == mine
        with preserve_signal_stack():
            set_signal_stack((0, 0, True))  # disabled inside
        assert signal_stack() == mine
        set_signal_stack((0, 0, True))
        with preserve_signal_stack():
            set_signal_stack(mine)
        assert signal_stack()[2]  # disabled again
    finally:
        set_signal_stack(original)


def test_openvino_models_released_in_order_then_a_signal(tiny_backends):
    pytest.importorskip('openvino', reason='pip install -e .[openvino]')
    xml = tiny_backends.file('openvino')
    code = textwrap.dedent(f'''
        import gc, os, signal
        from mmfashion_attr.deployment import OpenVinoModel
        first = OpenVinoModel({xml!r})
        second = OpenVinoModel({xml!r})
        del first; gc.collect()
        del second; gc.collect()
        signal.signal(signal.SIGUSR1, lambda *a: print('handled'))
        os.kill(os.getpid(), signal.SIGUSR1)
        print('alive')
        ''')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    assert proc.stdout.split() == ['handled', 'alive']
