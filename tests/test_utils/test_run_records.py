"""run_records: save/load round trip, and writers in several processes
sharing one results file lose no record."""
import multiprocessing as mp

import pytest

from mmfashion_attr.utils import run_records


def _write(path, seed, count):
    for i in range(count):
        run_records.save(path, dict(config=f'c{i}.py', seed=seed,
                                    split='test', metrics={}))


def test_replaces_the_same_run_and_sorts(tmp_path):
    path = str(tmp_path / 'runs.jsonl')
    _write(path, 1, 2)
    run_records.save(path, dict(config='c0.py', seed=1, split='test',
                                metrics=dict(a=1)))
    recs = run_records.load(path)
    assert [r['config'] for r in recs] == ['c0.py', 'c1.py']
    assert recs[0]['metrics'] == dict(a=1)
    with open(path, 'a') as f:
        f.write('{"seed": 3}\n')
    with pytest.raises(ValueError, match=r'runs.jsonl:3'):
        run_records.load(path)


def test_concurrent_writers_keep_every_record(tmp_path):
    path = str(tmp_path / 'runs.jsonl')
    procs = [mp.get_context('fork').Process(target=_write,
                                            args=(path, seed, 40))
             for seed in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0] * 4
    assert len(run_records.load(path)) == 160


def test_a_record_that_cannot_be_written_leaves_the_file(tmp_path):
    path = str(tmp_path / 'runs.jsonl')
    _write(path, 1, 2)
    before = open(path).read()
    with pytest.raises(TypeError):
        run_records.save(path, dict(config='a.py', seed=0, split='test',
                                    metrics=dict(f1=object())))
    with pytest.raises(KeyError):
        run_records.save(path, dict(seed=0))
    assert open(path).read() == before


def test_written_records_carry_a_hash_that_catches_hand_edits(tmp_path):
    path = str(tmp_path / 'runs.jsonl')
    run_records.save(path, dict(config='a.py', seed=0, split='test',
                                metrics=dict(f1=0.75)))
    (rec, ) = run_records.load(path)
    assert rec[run_records.HASH] == run_records.content_hash(rec)
    text = open(path).read()
    with open(path, 'w') as f:
        f.write(text.replace('0.75', '0.76'))
    with pytest.raises(ValueError, match=r'runs.jsonl:1: the record differs'):
        run_records.load(path)


def test_every_committed_record_is_sealed_and_unedited():
    """Each results file in the repository: every record carries the hash
    its tool wrote, and its content still matches it."""
    import subprocess

    from tests.helpers.run_tool import ROOT
    files = subprocess.run(['git', 'ls-files', '*.jsonl'], cwd=ROOT,
                           capture_output=True, text=True).stdout.split()
    assert files
    for name in files:
        for number, rec in enumerate(run_records.load(f'{ROOT}/{name}'), 1):
            assert run_records.HASH in rec, (
                f'{name}:{number}: no {run_records.HASH}; records are '
                'written by the report tools (run_records.save)')
