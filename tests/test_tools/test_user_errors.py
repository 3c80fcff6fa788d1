"""User errors across the command-line tools: exit status 2, one clear
message on stderr, no traceback. In-process (each tool's ``main`` through
``run_main`` with its command line in ``sys.argv``), but for the issue's
example run as a user runs it."""
import glob
import importlib.util
import json
import os.path as osp
import sys

import pytest
import torch

from mmfashion_attr.utils.cli import DEBUG_ENV, run_main
from tests.helpers.malicious import WritesMarker
from tests.helpers.run_tool import ROOT, run
from tests.helpers.tiny_catalog import SCHEMA
from tests.helpers.tiny_config import write_tiny_config

TAXONOMY = "id 28 is 'hood', not 'collar'; give names or ids, or 'all'"


def tool_main(path):
    name = 'user_errors_' + osp.splitext(path)[0].replace('/', '_')
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


@pytest.fixture(scope='module')
def files(synth_root, tmp_path_factory):
    """Name -> path of the inputs the cases below get wrong."""
    tmp = tmp_path_factory.mktemp('user_errors')
    paths = dict(root=synth_root, tmp=str(tmp),
                 image=osp.join(synth_root, 'images', 'test', '000000.jpg'),
                 config=write_tiny_config(tmp / 'tiny.py', synth_root))
    torch.save(dict(state_dict=torch.nn.Linear(2, 2).state_dict()),
               tmp / 'linear.pth')
    torch.save(dict(state_dict={}, meta=WritesMarker(tmp / 'marker')),
               tmp / 'code.pth')
    with open(osp.join(synth_root, 'schema.json')) as f:
        schema = json.load(f)
    schema['attributes'][0]['values'].append('purple')
    (tmp / 'other_schema.json').write_text(json.dumps(schema))
    (tmp / 'schema.json').write_text(json.dumps(SCHEMA))
    (tmp / 'ragged.csv').write_text('image,category,closure\n'
                                    'a.jpg,jeans,zip,extra\n')
    (tmp / 'gt.json').write_text(json.dumps(dict(
        images=[dict(id=1, width=8, height=8, file_name='a.jpg')],
        annotations=[], categories=[dict(id=0, name='shirt, blouse'),
                                    dict(id=28, name='hood')])))
    (tmp / 'results.json').write_text('[]')
    return {k: str(v) for k, v in paths.items()} | {
        p.stem: str(p) for p in tmp.iterdir()}


# tool, its arguments ({name} from ``files``), words of the message
CASES = dict(
    missing_config=('tools/train.py', ['{tmp}/missing.py'],
                    'missing.py: No such file or directory'),
    missing_checkpoint=('demo/image_demo.py',
                        ['{image}', '{config}', '{tmp}/missing.pth'],
                        'missing.pth'),
    checkpoint_of_another_model=('demo/image_demo.py',
                                 ['{image}', '{config}', '{linear}'],
                                 'linear.pth'),
    checkpoint_running_code=('demo/image_demo.py',
                             ['{image}', '{config}', '{code}'],
                             'code.pth: refused by weights-only loading'),
    malformed_catalogue=('tools/audit_catalog.py',
                         ['--ann', '{ragged}', '--scores', '{tmp}/s',
                          '--out', '{tmp}/audit'],
                         'ragged.csv:2: 4 cells, but the header has 3'),
    bad_option_value=('tools/test.py',
                      ['{config}', 'x.pth', '--out-item', 'metrics'],
                      'Please use `--out` argument'),
    schema_not_the_heads=('tools/train.py',
                          ['{config}', '--work-dir', '{tmp}/work',
                           '--cfg-options',
                           'model.head.schema_file={other_schema}'],
                          'model.head and the train dataset have '
                          'different attribute tasks'),
    taxonomy=('tools/analysis_tools/eval_fashionpedia.py',
              ['{gt}', '{results}'], TAXONOMY),
)


@pytest.mark.parametrize('case', CASES)
def test_user_error(case, files, monkeypatch, capsys):
    monkeypatch.setenv(DEBUG_ENV, '0')
    tool, args, words = CASES[case]
    main = tool_main(tool)
    monkeypatch.setattr(sys, 'argv',
                        [tool] + [a.format(**files) for a in args])
    with pytest.raises(SystemExit) as e:
        run_main(main)
    err = capsys.readouterr().err
    assert e.value.code == 2, err
    assert words in err and 'Traceback' not in err, err
    assert not osp.exists(osp.join(files['tmp'], 'marker'))


def test_every_tool_runs_through_run_main():
    tools = [p for pattern in ('tools/*.py', 'tools/*/*.py', 'demo/*.py')
             for p in glob.glob(osp.join(ROOT, pattern))]
    assert len(tools) > 20
    for path in tools:
        with open(path) as f:
            assert f.read().rstrip().endswith(
                "if __name__ == '__main__':\n    run_main(main)"), path


def test_issue_example_as_a_user_runs_it(files):
    """eval_fashionpedia.py on an older taxonomy: exit 2, one message."""
    proc = run(['tools/analysis_tools/eval_fashionpedia.py',
                files['gt'], files['results']], check=False)
    assert proc.returncode == 2, proc.stderr
    assert 'Traceback' not in proc.stderr
    assert proc.stderr.startswith(
        f"eval_fashionpedia.py: error: {files['gt']}: "
        "attr_categories='fashionpedia' needs Fashionpedia's categories, "
        f'but {TAXONOMY}\n')
