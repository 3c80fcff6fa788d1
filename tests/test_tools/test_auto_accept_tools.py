"""Auto-accept end to end: calibrate_thresholds.py --target-precision and
auto_accept_report.py on hand-made prediction dumps, and the decisions the
inferencer and tools/infer_catalog.py give on a tiny model."""
import json
import os.path as osp
import pickle

import numpy as np
import pytest
import torch

from tests.helpers.in_process_tool import run_in_process
from tests.helpers.tiny_config import save_tiny_checkpoint, write_tiny_config

CALIBRATE = 'tools/analysis_tools/calibrate_thresholds.py'
REPORT = 'tools/analysis_tools/auto_accept_report.py'


@pytest.fixture(scope='module')
def tiny(synth_root, tmp_path_factory):
    from mmengine.config import Config

    from mmfashion_attr.analysis.dumped_predictions import attribute_tasks
    tmp = tmp_path_factory.mktemp('auto_accept')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    return dict(tmp=tmp, config=config, root=synth_root,
                tasks=attribute_tasks(Config.fromfile(config), config))


def hand_made(tasks, n, seed):
    """Dumped predictions of the tiny config's tasks: each labelled task's
    true value scores ``u ~ U(0.3, 1)``, and the prediction is right when
    ``u > 0.5`` (else a random other value scores ``u``, the true one
    ``u / 2``); multi-label tasks add one more value scoring 0.35 (a
    wrong one). Every 7th image has its second task unlabelled."""
    rng = np.random.default_rng(seed)
    preds = []
    for i in range(n):
        scores, gts, mask = [], [], []
        for t, task in enumerate(tasks):
            c = len(task['classes'])
            s, g = np.zeros(c), np.zeros(c)
            true = rng.integers(c)
            u = rng.uniform(0.3, 1)
            g[true] = 1
            if u > 0.5:
                s[true] = u
            else:
                s[true], s[(true + 1 + rng.integers(c - 1)) % c] = u / 2, u
            if task['multi_label']:
                s[(true + 1) % c] = max(s[(true + 1) % c], 0.35)
            scores.append(s)
            gts.append(g)
            mask.append(not (t == 1 and i % 7 == 0))
        preds.append(dict(
            pred_score=torch.tensor(np.concatenate(scores), dtype=torch.float),
            gt_attr=np.concatenate(gts).astype(np.int64),
            gt_attr_mask=np.array(mask, np.int64), img_path=f'{i}.jpg'))
    return preds


def dump(path, preds):
    with open(path, 'wb') as f:
        pickle.dump(preds, f)
    return str(path)


def test_calibrate_writes_auto_accept_beside_f1_thresholds(
        tiny, monkeypatch, capsys):
    from mmfashion_attr.analysis.threshold_calibration import (
        calibrate, stack_predictions)
    from mmfashion_attr.evaluation.auto_accept import calibrate_auto_accept
    from mmfashion_attr.evaluation.thresholds import load_thresholds
    preds = hand_made(tiny['tasks'], 400, seed=0)
    pkl = dump(tiny['tmp'] / 'val.pkl', preds)
    out = tiny['tmp'] / 'thr.json'
    assert run_in_process(CALIBRATE, [tiny['config'], pkl, '--out', out,
                                      '--target-precision', '0.9'],
                          monkeypatch) == 0
    printed = capsys.readouterr().out
    saved = json.loads(out.read_text())
    scores, gts, masks = stack_predictions(preds)
    f1 = calibrate(scores, gts, masks, tiny['tasks'])
    # the F1 part as without --target-precision, so its readers agree
    assert saved['thresholds'] == {k: v['threshold'] for k, v in f1.items()}
    assert load_thresholds(str(out)) == {**saved['thresholds'], '*': 0.5}
    section = saved['auto_accept']
    assert (section['target_precision'], section['confidence']) == (0.9, 0.95)
    expected = calibrate_auto_accept(
        scores, gts, masks, tiny['tasks'],
        {**saved['thresholds'], '*': 0.5}, 0.9)
    assert section['values'] == expected['values']
    reached = [r for a in section['details'].values()
               for r in a['values'].values() if r['threshold'] is not None]
    assert reached and all(r['lower_bound'] >= 0.9 for r in reached)
    never = [f'{t}/{v}' for t, a in section['values'].items()
             for v, thr in a.items() if thr is None]
    assert never and f'always review ({len(never)} values' in printed
    assert all(name in printed for name in never)
    # user errors: exit status 2, one message
    assert run_in_process(CALIBRATE, [tiny['config'], pkl, '--out', out,
                                      '--target-precision', '95'],
                          monkeypatch) == 2
    assert 'target precision 95.0' in capsys.readouterr().err


def test_report_measures_test_precision_and_rebuilds_from_record(
        tiny, monkeypatch, capsys):
    val = dump(tiny['tmp'] / 'rv.pkl', hand_made(tiny['tasks'], 400, 1))
    test_preds = hand_made(tiny['tasks'], 300, 2)
    test = dump(tiny['tmp'] / 'rt.pkl', test_preds)
    thr = tiny['tmp'] / 'thr95.json'
    records = tiny['tmp'] / 'runs.jsonl'
    table = tiny['tmp'] / 'table.md'
    assert run_in_process(REPORT, [
        val, test, tiny['config'], '--target-precision', '0.8', '0.95',
        '--results', records, '--out', table], monkeypatch) == 0
    assert run_in_process(CALIBRATE, [
        tiny['config'], val, '--out', thr, '--target-precision', '0.95'],
        monkeypatch) == 0
    capsys.readouterr()
    # the test precision of the category, counted by hand with the
    # thresholds calibrate_thresholds.py wrote
    auto = json.loads(thr.read_text())['auto_accept']['values']
    cat = tiny['tasks'][0]
    k = len(cat['classes'])
    accepted = correct = covered = 0
    for p in test_preds:
        s = p['pred_score'].numpy()[:k]
        top = int(s.argmax())
        limit = auto[cat['name']][cat['classes'][top]]
        if limit is not None and s[top] >= limit:
            accepted += 1
            correct += int(p['gt_attr'][top])
    covered = accepted / len(test_preds)
    rec, = [json.loads(line) for line in records.read_text().splitlines()]
    t95 = rec['metrics']['targets'][1]
    row = t95['rows'][0]
    assert (t95['target'], row['attribute']) == (0.95, cat['name'])
    assert (row['test']['accepted'], row['test']['correct']) == (
        accepted, correct) and accepted > 0
    assert row['test']['coverage'] == pytest.approx(covered)
    text = table.read_text()
    assert f'| {cat["name"]} | ' in text and \
        f'| {accepted} | {correct / accepted:.3f} |' in text
    assert text.count('**Target precision') == 2
    # the table again from the record alone
    again = tiny['tmp'] / 'again.md'
    assert run_in_process(REPORT, ['--from-results', records, '--out',
                                   again], monkeypatch) == 0
    assert again.read_text() == text
    assert run_in_process(REPORT, [val, test, tiny['config'],
                                   '--target-precision', '0'],
                          monkeypatch) == 2
    assert 'target precision 0.0' in capsys.readouterr().err


@pytest.fixture(scope='module')
def model(tiny):
    ckpt = save_tiny_checkpoint(tiny['config'], tiny['tmp'] / 'tiny.pth')
    images = [osp.join(tiny['root'], 'images', 'test', f'{i:06d}.jpg')
              for i in range(7)]
    return ckpt, images


def test_inferencer_infer_catalog_and_service_mark_values(
        tiny, model, tmp_path, monkeypatch):
    from mmfashion_attr.apis import AttributeInferencer
    from mmfashion_attr.errors import UserValueError
    config = tiny['config']
    ckpt, images = model
    plain = AttributeInferencer(config, ckpt, thresholds=0.3)(
        images, num_workers=0)
    # auto thresholds between the images' scores: the category's top value
    # halfway between the images' (rounded) top scores, one multi-label
    # task's values at 0.3 (its prediction threshold: every predicted
    # value auto), others none
    tops = sorted({r['attributes']['category'][0]['score'] for r in plain})
    assert len(tops) >= 2
    median = (tops[len(tops) // 2 - 1] + tops[len(tops) // 2]) / 2
    multi = next(t for t in tiny['tasks'] if t['multi_label'])
    auto = {'category': {v: median for v in tiny['tasks'][0]['classes']},
            multi['name']: {v: 0.3 for v in multi['classes']}}
    path = tmp_path / 'thresholds.json'
    path.write_text(json.dumps(dict(
        thresholds={}, default=0.3, details={},
        auto_accept=dict(target_precision=0.9, confidence=0.95,
                         values=auto, details={}))))
    marked = AttributeInferencer(config, ckpt, thresholds=str(path))(
        images, num_workers=0)
    decisions = []
    for p, m in zip(plain, marked):
        for task, values in m['attributes'].items():
            # the same values and scores as without the file, plus decision
            assert [{k: v[k] for k in ('value', 'score')} for v in values] \
                == p['attributes'][task]
            for v in values:
                want = 'auto' if task == multi['name'] or (
                    task == 'category' and v['score'] >= median) \
                    else 'review'
                assert v['decision'] == want, (task, v)
                decisions.append(v['decision'])
    assert {'auto', 'review'} <= set(decisions)
    # tools/infer_catalog.py writes the same decisions
    out = tmp_path / 'out'
    assert run_in_process('tools/infer_catalog.py', [
        config, ckpt, '--list', _list(tmp_path, images), '--out', out,
        '--batch-size', '4', '--workers', '0', '--thresholds', path],
        monkeypatch) == 0
    with open(out / 'part-0001-0.jsonl') as f:
        rows = {r['image']: r for r in map(json.loads, f)}
    for img, m in zip(images, marked):
        assert rows[osp.abspath(img)]['attributes'] == m['attributes']
    # and tools/serve.py's app answers them too
    pytest.importorskip('fastapi')
    requests = pytest.importorskip('requests')
    from mmfashion_attr.serving import build_predictor, create_app
    from tests.helpers.http_server import serving
    app = create_app(build_predictor(config, ckpt, thresholds=str(path)),
                     max_batch=8, max_wait_ms=200)
    with serving(app) as url:
        answer = requests.post(url + '/v1/attributes', files=[
            ('images', (osp.basename(p), open(p, 'rb').read(), 'image/jpeg'))
            for p in images], timeout=60)
    assert answer.status_code == 200, answer.text
    for got, m in zip(answer.json()['images'], marked):
        assert {task: a['values'] for task, a in got['attributes'].items()} \
            == m['attributes']
    # a file calibrated for another model is refused
    path.write_text(path.read_text().replace('"category"', '"kind"'))
    with pytest.raises(UserValueError, match="task 'kind'"):
        AttributeInferencer(config, ckpt, thresholds=str(path))


def _list(tmp_path, images):
    path = tmp_path / 'images.txt'
    path.write_text('\n'.join(images) + '\n')
    return str(path)
