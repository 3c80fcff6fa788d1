"""Where mmcv's cold build spends its time, ours beside a plain build, in one
run on this machine.

    python benchmarks/mmcv_build.py [--reps 3] [--jobs 2] [--skip-full]
        [--keep-wheels DIR]
    python benchmarks/mmcv_ops_cpu.py DIR/ours/*.whl DIR/reference/*.whl

1. Full builds, once each (a plain build takes 10+ minutes on 2 cores):
   the reference is what tools/install.sh ran before 2026-11-29, ``pip
   wheel`` of the sdist (C++20 patch only, Python's CFLAGS with ``-g``);
   ours is ``tools/install_steps/build_mmcv_wheel.sh``. Prints wall and CPU
   seconds, the wheel's size and the five slowest units of each (ninja's log).
2. Units, ``--reps`` times each, one compiler at a time: three units that
   span the range (``nms.cpp``, ``cpu/roi_align.cpp``, ``pybind.cpp``) and
   the shared header alone, compiled with the reference's flags, without
   ``-g``, and without ``-g`` with the precompiled header. Prints the median
   and range of seconds.
Run it on an otherwise idle machine (no tests, no helpers).
"""
import argparse
import glob
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


def full_builds(sdist, tmp, jobs, keep=None):
    env = dict(os.environ, MMCV_WITH_OPS='1', MAX_JOBS=str(jobs))
    src = unpack(sdist, osp.join(tmp, 'reference'))
    ref = timed([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
                 '--no-build-isolation', '.', '-w', osp.join(tmp, 'ref_out')],
                cwd=src, env=env, stdout=subprocess.DEVNULL)
    ref_log = glob.glob(osp.join(src, 'build', 'temp*', '.ninja_log'))[0]
    ours_log = osp.join(tmp, 'ours.ninja_log')
    ours = timed(['bash', osp.join(ROOT, 'tools', 'install_steps',
                                   'build_mmcv_wheel.sh'), sys.executable,
                  MMCV, osp.join(tmp, 'ours_out'), ours_log],
                 env=env, stdout=subprocess.DEVNULL)
    print(f'full build, {jobs} jobs, once each: wall s / CPU s / wheel MB')
    for name, (wall, cpu), out, log in (
            ('reference', ref, 'ref_out', ref_log),
            ('ours', ours, 'ours_out', ours_log)):
        wheel = glob.glob(osp.join(tmp, out, '*.whl'))[0]
        units, total, top = slowest(log)
        print(f'  {name:<10} {wall:7.0f} {cpu:7.0f} '
              f'{osp.getsize(wheel) / 2**20:7.1f}   {units} units, '
              f'{total:.0f} s summed; slowest: ' +
              ', '.join(f'{u} {s:.0f} s' for s, u in top))
        if keep:
            os.makedirs(osp.join(keep, name), exist_ok=True)
            shutil.copy(wheel, osp.join(keep, name))


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
    parser.add_argument('--jobs', type=int, default=os.cpu_count())
    parser.add_argument('--skip-full', action='store_true')
    parser.add_argument('--keep-wheels', metavar='DIR',
                        help='copy both wheels to DIR/{reference,ours}/')
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix='mmcv_build_bench_')
    try:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '-q',
                        '--no-deps', '--no-binary', ':all:', f'mmcv=={MMCV}',
                        '-d', tmp], check=True)
        sdist = osp.join(tmp, f'mmcv-{MMCV}.tar.gz')
        if not args.skip_full:
            full_builds(sdist, tmp, args.jobs, args.keep_wheels)
        unit_times(sdist, tmp, args.reps)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
