"""m2fashion_report.py end to end on a miniature SynthFashion export: one
seed trained for one epoch, tested with nothing given, types 1 and 5 given
and types 1 and 5 skipped; a finished run is read, not redone;
--from-results prints the same tables; "±" is the sample std (ddof=1).
The tool runs in this process, its training and test runs as the
subprocesses it starts (the report tools' subprocess path)."""
import contextlib
import importlib.util
import io
import os

import pytest

from mmfashion_attr.utils import run_records
from tests.helpers.in_process_tool import run_in_process
from tests.helpers.run_tool import ROOT

TOOL = 'tools/analysis_tools/m2fashion_report.py'
CONFIG = 'configs/m2fashion/m2fashion_r18_synthfashion_correlated.py'


def from_results(path, capsys, out=None):
    """The tool's --from-results in this process: its stdout."""
    spec = importlib.util.spec_from_file_location(
        'm2fashion_report', os.path.join(ROOT, TOOL))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    capsys.readouterr()
    tool.main(['--from-results', str(path)] +
              (['--out', str(out)] if out else []))
    return capsys.readouterr().out


def run(args) -> str:
    """``python ARGS`` in this process; its stdout."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out):
        assert run_in_process(args[0], args[1:], mp, isolate=True) == 0
    return out.getvalue()


@pytest.fixture(scope='module')
def report(tmp_path_factory):
    from mmfashion_attr.datasets.synthfashion import generate
    tmp = tmp_path_factory.mktemp('m2fashion_report')
    data = tmp / 'data'
    generate(str(data), num_train=16, num_val=4, size=48, seed=0,
             num_test=8, deepfashion_c=True, correlated=True)
    options = [f'{k}_dataloader.{key}'
               for k in ('train', 'val', 'test')
               for key in (f'dataset.data_root={data}', 'num_workers=0',
                           'persistent_workers=False')] + [
        'train_dataloader.batch_size=8', 'train_cfg.max_epochs=1',
        'default_hooks.logger.interval=1']
    results, out = tmp / 'runs.jsonl', tmp / 'tables.md'
    args = [TOOL, CONFIG, '--work-dir', str(tmp / 'work'), '--seeds', '0',
            '--given', '1', '5', '--results', str(results), '--out',
            str(out), '--cfg-options', *options]
    stdout = run(args)
    return dict(args=args, tmp=tmp, results=results, out=out, stdout=stdout)


def test_end_to_end_three_conditions(report):
    table = report['out'].read_text()
    assert report['stdout'] == table
    records = run_records.load(str(report['results']))
    assert sorted(r['split'] for r in records) == [
        'test', 'test_given_1_5', 'test_skip_1_5']
    by = {r['condition']: r for r in records}
    # the transform's index is read from the config's test pipeline
    assert by['given']['test_options'] == [
        'test_dataloader.dataset.pipeline.2.known_types=[1,5]']
    assert by['skip']['test_options'] == [
        'test_evaluator.1.skip_types=[1,5]']
    for kind in ('given', 'skip'):  # texture, style neither ranked nor counted
        assert 'attr/texture_recall@3' not in by[kind]['metrics']
        assert 'attr/style_recall@3' not in by[kind]['metrics']
    assert 'attr/texture_recall@3' in by['none']['metrics']
    # skipping measures what was measured with nothing given
    for key in ('attr/shape_recall@3', 'accuracy/top1'):
        assert by['skip']['metrics'][key] == by['none']['metrics'][key]
    assert by['none']['train_seconds'] > 0
    first, second = table.split('Given: ')
    row = [line for line in first.splitlines() if line.startswith('| `')]
    assert len(row) == 1 and row[0].startswith(
        '| `m2fashion_r18_synthfashion_correlated` | 1 | ')
    assert '| shape | part |' in second and '| texture |' not in second


def test_finished_runs_are_read(report):
    work = report['tmp'] / 'work' / \
        'm2fashion_r18_synthfashion_correlated' / 'seed0'
    log = work / 'report_run.log'
    before = log.stat().st_mtime_ns, sorted(os.listdir(work))
    stdout = run(report['args'])
    assert (log.stat().st_mtime_ns, sorted(os.listdir(work))) == before
    assert stdout == report['out'].read_text()


def test_from_results_reproduces_the_tables(report, tmp_path, capsys):
    out = tmp_path / 'again.md'
    printed = from_results(report['results'], capsys, out)
    assert printed == out.read_text() == report['out'].read_text()


def metrics(top1, shape, part, all3, all5, **types):
    out = {'accuracy/top1': top1, 'accuracy/top3': 100.0,
           'attr/shape_recall@3': shape, 'attr/part_recall@3': part,
           'attr/recall@3': all3, 'attr/recall@5': all5}
    out.update({f'attr/{t}_recall@3': v for t, v in types.items()})
    return out


def test_sample_std_and_paired_delta(tmp_path, capsys):
    runs = tmp_path / 'runs.jsonl'
    for seed, x in enumerate([0.0, 10.0]):
        for split, kind, m in (
                ('test', 'none', metrics(80 + x, 60 + x, 70, 40, 50,
                                         texture=90)),
                ('test_given_1_5', 'given', metrics(81 + x, 64 + x, 70,
                                                    50 + x, 60)),
                ('test_skip_1_5', 'skip', metrics(80 + x, 60 + x, 70, 45,
                                                  55))):
            run_records.save(str(runs), run_records.record(
                CONFIG, m, seed=seed, split=split, train_seconds=60 * seed,
                name='m2', position=0, condition=kind,
                given=[] if kind == 'none' else [1, 5]))
    first, second = from_results(runs, capsys).split('Given: ')
    # 80 / 90: mean 85, sample std (ddof=1) 7.07 (ddof=0 would be 5.0)
    assert ('| `m2` | 2 | 85.0 ± 7.1 | 100.0 ± 0.0 | 90.0 ± 0.0 / - | '
            '65.0 ± 7.1 / - | 70.0 ± 0.0 / - | 40.0 ± 0.0 / 50.0 ± 0.0 |\n'
            ) in first
    # hidden types only; "all (others)" against the skip test, not the
    # nothing-given ranking of every attribute; Δ paired per seed
    assert second.startswith('1 texture, 5 style; ')
    assert '| model | n | category top-1 | shape | part | all (others) |' \
        in second
    assert ('| `m2` | 2 | 85.0 ± 7.1 → 86.0 ± 7.1 | 65.0 ± 7.1 → 69.0 ± 7.1 '
            '| 70.0 ± 0.0 → 70.0 ± 0.0 | 45.0 ± 0.0 → 55.0 ± 7.1 | '
            '10.0 ± 7.1 | 5.0 ± 0.0 |') in second
