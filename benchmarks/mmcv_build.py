"""Where a compile unit of mmcv's ops spends its time: the flags of a plain
build beside ours (tools/install_steps/build_mmcv_wheel.sh), in one run.

    python benchmarks/mmcv_build.py [--reps 3]

Three units that span the range (``nms.cpp``, ``cpu/roi_align.cpp``,
``pybind.cpp``) and the shared header alone, each compiled ``--reps`` times,
one compiler at a time, with Python's CFLAGS (``-g`` included, as a plain
``pip wheel`` does), without ``-g``, and without ``-g`` with the
precompiled header. Prints the median and range of seconds. Whole installs,
before and after: benchmarks/cold_install.sh. Run on an idle machine.
"""
import argparse
import os
import os.path as osp
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
MMCV = '2.1.0'
POST = ['-std=c++20', '-DTORCH_API_INCLUDE_EXTENSION_H',
        '-DTORCH_EXTENSION_NAME=_ext']
UNITS = ['nms.cpp', 'cpu/roi_align.cpp', 'pybind.cpp']


def timed(cmd, **kwargs):
    """Wall and CPU (user + sys of the children) seconds of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, **kwargs)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime -
                                                before.ru_stime)
    return wall, cpu


def unpack(sdist, into):
    with tarfile.open(sdist) as tar:
        tar.extractall(into)
    src = osp.join(into, f'mmcv-{MMCV}')
    setup = osp.join(src, 'setup.py')
    with open(setup) as f:
        text = f.read().replace('-std=c++17', '-std=c++20')
    with open(setup, 'w') as f:
        f.write(text)
    return src


def slowest(ninja_log, n=5):
    rows = []
    with open(ninja_log) as f:
        for line in f:
            if not line.startswith('#'):
                start, end, _, target, _ = line.split('\t')
                rows.append(((int(end) - int(start)) / 1000,
                             target.split('csrc/pytorch/')[-1]))
    rows.sort(reverse=True)
    return len(rows), sum(r[0] for r in rows), rows[:n]


def flags():
    from torch.utils.cpp_extension import include_paths
    cflags = sysconfig.get_config_var('CFLAGS').split()
    includes = ['-I' + p for p in include_paths() +
                [sys.prefix + '/include', sysconfig.get_paths()['include']]]
    return cflags, includes


def unit_times(sdist, tmp, reps):
    src = unpack(sdist, osp.join(tmp, 'units'))
    csrc = osp.join(src, 'mmcv', 'ops', 'csrc')
    header = osp.join(csrc, 'common', 'pytorch_cpp_helper.hpp')
    cflags, includes = flags()
    no_g = [f for f in cflags if f != '-g']
    base = ['-fPIC', '-I' + osp.join(csrc, 'common')] + includes
    header_only = osp.join(tmp, 'header_only.cpp')
    with open(header_only, 'w') as f:
        f.write('#include "pytorch_cpp_helper.hpp"\n')
    variants = [('reference (-g)', cflags, False), ('no -g', no_g, False),
                ('no -g + pch', no_g, True)]
    sources = [('header alone', header_only)] + [
        (u, osp.join(csrc, 'pytorch', u)) for u in UNITS]
    results = {}
    for label, cf, pch in variants:
        gch = header + '.gch'
        if osp.exists(gch):
            os.remove(gch)
        if pch:
            subprocess.run(['c++'] + cf + base + ['-x', 'c++-header', header,
                                                  '-o', gch, '-w'] + POST,
                           check=True)
        for name, path in sources:
            cmd = ['c++'] + cf + base + ['-c', path, '-o',
                                         osp.join(tmp, 'unit.o'), '-w'] + POST
            results[label, name] = [timed(cmd)[0] for _ in range(reps)]
    print(f'units, one compiler at a time, {reps} reps: median s (min-max)')
    print(f'  {"unit":<20}' + ''.join(f'{v[0]:>24}' for v in variants))
    for name, _ in sources:
        cells = []
        for label, *_ in variants:
            t = results[label, name]
            cells.append(f'{statistics.median(t):.1f} '
                         f'({min(t):.1f}-{max(t):.1f})')
        print(f'  {name:<20}' + ''.join(f'{c:>24}' for c in cells))
    print('compile command: ' + shlex.join(['c++'] + cflags + ['...']))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--reps', type=int, default=3)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix='mmcv_build_bench_')
    try:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '-q',
                        '--no-deps', '--no-binary', ':all:', f'mmcv=={MMCV}',
                        '-d', tmp], check=True)
        sdist = osp.join(tmp, f'mmcv-{MMCV}.tar.gz')
        unit_times(sdist, tmp, args.reps)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
