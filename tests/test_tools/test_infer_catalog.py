"""tools/infer_catalog.py: rows and scores as the inferencer's, unreadable
images reported, resumable, 2 processes = 1 process."""
import csv
import glob
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from tests.helpers.tiny_config import save_tiny_checkpoint, write_tiny_config
from tests.test_tools.test_distributed_cpu import launch
from tests.helpers.run_tool import run


@pytest.fixture(scope='module')
def setup(synth_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('infer')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    ckpt = save_tiny_checkpoint(config, tmp / 'weights.pth')
    images = tmp / 'images'
    shutil.copytree(osp.join(synth_root, 'images', 'test'), images)
    (images / 'broken.jpg').write_bytes(
        (images / '000000.jpg').read_bytes()[:300])
    return config, ckpt, str(images)


def rows(out):
    from mmfashion_attr.apis.catalog_inference import read_done
    done = read_done(out)
    lines = []
    for name in sorted(f for f in os.listdir(out)
                       if f.endswith('.jsonl')):
        with open(osp.join(out, name)) as f:
            lines += [json.loads(x) for x in f if x.endswith('\n')]
    assert len(lines) == len(done)  # every image in exactly one line
    return done


def infer(config, ckpt, images, out, *extra):
    return run(['tools/infer_catalog.py', config, ckpt, '--images', images,
                '--out', out, '--batch-size', '2', '--workers', '1',
                *extra])


def test_rows_match_the_inferencer_and_errors_are_reported(setup, tmp_path):
    from mmfashion_attr.apis import AttributeInferencer
    config, ckpt, images = setup
    out = str(tmp_path / 'out')
    infer(config, ckpt, images, out)
    done = rows(out)
    assert len(done) == 8
    assert 'ImageDecodeError' in done[osp.join(images, 'broken.jpg')]['error']
    with open(osp.join(out, 'report.json')) as f:
        report = json.load(f)
    assert (report['predicted'], report['unreadable']) == (7, 1)
    ref = AttributeInferencer(config, ckpt)(
        [osp.join(images, f'{i:06d}.jpg') for i in range(7)])
    for r in ref:
        got = done[r['img_path']]
        assert got['attributes'] == r['attributes']
        for task, scores in r['scores'].items():
            np.testing.assert_allclose(list(got['scores'][task].values()),
                                       list(scores.values()), atol=2e-4)


def test_killed_run_rerun_writes_every_image_once(setup, tmp_path):
    config, ckpt, images = setup
    out = str(tmp_path / 'out')
    infer(config, ckpt, images, out, '--max-batches', '2')  # 4 images
    part = osp.join(out, 'part-0001-0.jsonl')
    with open(part) as f:
        first = f.read().splitlines(True)
    assert len(first) == 4
    with open(part, 'w') as f:  # killed while writing the 4th line
        f.write(''.join(first[:3]) + first[3][:25])
    merged = str(tmp_path / 'merged.jsonl')
    infer(config, ckpt, images, out, '--merge', merged)
    done = rows(out)
    assert len(done) == 8
    with open(osp.join(out, 'report.json')) as f:
        report = json.load(f)
    assert report['skipped_done'] == 3 and report['run'] == '0002'
    assert report['cut_lines_removed'] == 1
    assert json.loads(first[3])['image'] in done
    # the cut line was removed: the parts concatenate into valid JSON Lines
    parts = b''.join(open(p, 'rb').read() for p in sorted(
        glob.glob(osp.join(out, 'part-*.jsonl'))))
    lines = [json.loads(x) for x in parts.splitlines()]
    assert len(lines) == len({r['key'] for r in lines}) == 7
    # --merge: each image once, sorted
    with open(merged, encoding='utf-8') as f:
        lines = [json.loads(x) for x in f]
    assert [r['key'] for r in lines] == sorted(done)  # errors included
    proc = run(['tools/merge_catalog_output.py', out,
                str(tmp_path / 'merged.csv')])
    assert json.loads(proc.stdout)['images'] == 8
    with open(tmp_path / 'merged.csv', newline='') as f:
        table = list(csv.DictReader(f))
    assert sorted(r['image'] for r in table) == sorted(
        r['image'] for r in lines)
    assert sum(bool(r['error']) for r in table) == 1


def test_two_processes_write_the_rows_of_one(setup, tmp_path):
    config, ckpt, images = setup
    one, two = str(tmp_path / 'one'), str(tmp_path / 'two')
    infer(config, ckpt, images, one)
    launch('dist_infer.sh', [config, ckpt, '2', '--images', images, '--out',
                             two, '--batch-size', '2', '--workers', '1'])
    a, b = rows(one), rows(two)
    assert a.keys() == b.keys()
    assert len(glob.glob(osp.join(two, 'part-0001-*.jsonl'))) == 2
    for image, row in a.items():
        assert row.get('attributes') == b[image].get('attributes')
        for task, scores in row.get('scores', {}).items():
            np.testing.assert_allclose(list(scores.values()), list(
                b[image]['scores'][task].values()), atol=2e-4)


def test_inferencer_decodes_in_workers_with_the_same_results(setup):
    from mmfashion_attr.apis import AttributeInferencer
    from mmfashion_attr.datasets.transforms.loading import ImageDecodeError
    config, ckpt, images = setup
    inferencer = AttributeInferencer(config, ckpt)
    paths = [osp.join(images, f'{i:06d}.jpg') for i in range(7)]
    in_process = inferencer(paths, batch_size=3, num_workers=0)
    in_workers = inferencer(paths, batch_size=3, num_workers=2)
    assert in_process == in_workers
    with pytest.raises(ImageDecodeError, match='broken.jpg'):
        inferencer(paths + [osp.join(images, 'broken.jpg')], batch_size=3,
                   num_workers=2)


@pytest.fixture(scope='module')
def inferencer(setup):
    from mmfashion_attr.apis import AttributeInferencer
    config, ckpt, _ = setup
    return AttributeInferencer(config, ckpt)


def infer_here(inferencer, paths, out, **kwargs):
    """infer_catalog in this process (the tool's loop without its start-up)."""
    from mmfashion_attr.apis.catalog_inference import (infer_catalog,
                                                       next_run_id)
    return infer_catalog(inferencer, paths, out, run_id=next_run_id(out)
                         if osp.isdir(out) else '0001', batch_size=2,
                         num_workers=0, **kwargs)


def test_kill_inside_a_multibyte_character_is_resumed(inferencer, setup,
                                                      tmp_path):
    from mmfashion_attr.apis.catalog_inference import read_done
    images = tmp_path / 'imgs'
    images.mkdir()
    src = osp.join(setup[2], '000000.jpg')
    paths = [str(images / f'{name}.jpg') for name in
             ('a', 'b', 'c', 'robe_été_ø')]
    for p in paths:
        shutil.copy(src, p)
    out = str(tmp_path / 'out')
    infer_here(inferencer, paths, out)
    part = osp.join(out, 'part-0001-0.jsonl')
    with open(part, 'rb') as f:
        data = f.read()
    cut = data.index('été'.encode()) + 1  # inside the two bytes of 'é'
    with open(part, 'wb') as f:
        f.write(data[:cut])
    assert len(read_done(out)) == 3  # the cut line is dropped, not fatal
    counts = infer_here(inferencer, paths, out)
    assert (counts['skipped_done'], counts['predicted']) == (3, 1)
    assert sorted(osp.basename(r['image'])
                  for r in read_done(out).values()) == sorted(
                      osp.basename(p) for p in paths)


def test_a_complete_corrupt_line_names_file_and_line(tmp_path):
    from mmfashion_attr.apis.catalog_inference import read_done
    (tmp_path / 'part-0001-0.jsonl').write_bytes(
        b'{"image": "a.jpg"}\n\xff\xfe\n')
    with pytest.raises(ValueError, match=r'part-0001-0.jsonl:2'):
        read_done(str(tmp_path))


def test_retry_errors_after_a_transient_read_error(inferencer, setup,
                                                   tmp_path):
    from mmfashion_attr.apis.catalog_inference import read_done
    good = open(osp.join(setup[2], '000001.jpg'), 'rb').read()
    path = tmp_path / 'flaky.jpg'
    path.write_bytes(good[:200])  # not yet fully written by the uploader
    out = str(tmp_path / 'out')
    assert infer_here(inferencer, [str(path)], out)['unreadable'] == 1
    path.write_bytes(good)
    again = infer_here(inferencer, [str(path)], out)
    assert (again['skipped_done'], again['predicted']) == (1, 0)
    retried = infer_here(inferencer, [str(path)], out, retry_errors=True)
    assert (retried['skipped_done'], retried['predicted']) == (0, 1)
    (row, ) = read_done(out).values()
    assert 'error' not in row and row['attributes']


def test_relative_absolute_and_duplicate_paths_are_one_image(
        inferencer, setup, tmp_path, monkeypatch):
    images = setup[2]
    absolute = [osp.join(images, f'{i:06d}.jpg') for i in range(3)]
    monkeypatch.chdir(osp.dirname(images))
    relative = [osp.join(osp.basename(images), '.', osp.basename(p))
                for p in absolute]
    out = str(tmp_path / 'out')
    first = infer_here(inferencer, relative + absolute[:1], out)
    assert (first['predicted'], first['duplicates_removed']) == (3, 1)
    second = infer_here(inferencer, absolute, out)
    assert (second['skipped_done'], second['predicted']) == (3, 0)


def test_file_names_that_are_not_utf8_are_read_and_written_back(
        inferencer, setup, tmp_path):
    """Latin-1 and invalid UTF-8 names (Windows archives): predicted, kept
    exactly (``image_b64``), escaped in ``image``; output files stay UTF-8
    JSON; a rerun finds them done; the merge keeps them."""
    from mmfashion_attr.apis.catalog_inference import (catalogue_images,
                                                       merge_outputs,
                                                       read_done, row_path)
    folder = tmp_path / 'imgs'
    folder.mkdir()
    good = open(osp.join(setup[2], '000000.jpg'), 'rb').read()
    names = [b'robe_\xe9t\xe9.jpg', b'bad_\xff\xfe.jpg', b'plain.jpg',
             'jupe_ø.jpg'.encode()]
    for name in names:
        (folder / os.fsdecode(name)).write_bytes(good)
    (folder / os.fsdecode(b'cass\xe9.jpg')).write_bytes(good[:300])
    paths = catalogue_images(images=str(folder))
    out = str(tmp_path / 'out')
    first = infer_here(inferencer, paths, out)
    assert (first['predicted'], first['unreadable']) == (4, 1)
    for part in glob.glob(osp.join(out, '*.jsonl')):
        with open(part, encoding='utf-8') as f:  # valid UTF-8
            for line in f:
                row = json.loads(line)
                assert osp.exists(row_path(row))
    done = read_done(out)
    by_name = {os.fsencode(osp.basename(row_path(r))): r
               for r in done.values()}
    assert sorted(by_name) == sorted(names + [b'cass\xe9.jpg'])
    latin = by_name[b'robe_\xe9t\xe9.jpg']
    assert latin['image'].endswith('robe_\\xe9t\\xe9.jpg')
    assert 'image_b64' in latin and latin['attributes']
    assert 'image_b64' not in by_name['jupe_ø.jpg'.encode()]
    assert 'cass\\xe9.jpg' in by_name[b'cass\xe9.jpg']['error']
    again = infer_here(inferencer, paths, out)
    assert (again['skipped_done'], again['predicted']) == (5, 0)
    # a list file holding the same bytes finds the same images
    listing = tmp_path / 'list.txt'
    listing.write_bytes(b'\n'.join(os.fsencode(p) for p in paths) + b'\n')
    assert catalogue_images(list_file=str(listing)) == paths
    merged = str(tmp_path / 'all.jsonl')
    assert merge_outputs(out, merged)['images'] == 5
    with open(merged, encoding='utf-8') as f:
        assert sorted(os.fsencode(osp.basename(row_path(json.loads(x))))
                      for x in f) == sorted(by_name)
