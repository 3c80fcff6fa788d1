"""Write OpenMMLab's model index from the configs and their results records.

    python tools/misc/make_model_index.py            # write the files
    python tools/misc/make_model_index.py --check    # status 1 if stale

Writes ``configs/<system>/metafile.yml`` for every config folder
(``configs/metafile.yml`` for the paper's configs at the top of
``configs/``) and ``model-index.yml`` importing them, in the format of
mmpretrain's and mmdet's (what ``mim search`` reads): per folder a
Collection (paper title and URL, README) and per config a Model (name,
collection, config, metadata: training data, architecture, epochs, batch
size; results; weights only where a record names some). Results come from
the committed run records (``configs/*/results/*.jsonl``,
``benchmarks/results/*.jsonl``, ``mmfashion_attr.utils.run_records``):
the records of one config with the same options (``randomness.seed``
aside) in one file are one model; each split gives one result per task,
every metric the mean over the seeds, with their number (``Seeds``). A
config trained with options (epochs, data) gets them as ``Config
Options`` and the effective epochs and data root. A config with records
in more than one file (or with different options) is one model per file,
its name suffixed with the file's name. A config without records is a
model without results. Records of a kind the index does not read (an
analysis of a model's predictions, such as auto-accept) are listed as
``not indexed``.

``tests/test_model_index.py`` regenerates the files and fails if they
differ from the committed ones: rerun this after adding a config or a
record.
"""
import argparse
import glob
import math
import os
import os.path as osp
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import yaml

from mmfashion_attr.utils.cli import run_main

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

PAREKH = OrderedDict(
    URL='https://doi.org/10.5220/0011686700003417',
    Title='Multi-Scale Feature Based Fashion Attribute Extraction Using '
    'Multi-Task Learning for e-Commerce Applications')
# A Stanford CS231n project report: no stable URL known, title only
CS231N = OrderedDict(
    Title='Convolutional Neural Networks for Visual Analysis of Clothing')
M2FASHION = OrderedDict(
    URL='https://doi.org/10.1007/978-3-030-98358-1_6',
    Title='Learning Image Representation via Attribute-Aware Attention '
    'Networks for Fashion Classification')
PROGRESSIVE = OrderedDict(URL='https://arxiv.org/abs/1907.00157',
                          Title='Progressive Fashion Attribute Extraction')
CONFIDENT_LEARNING = OrderedDict(
    URL='https://arxiv.org/abs/1911.00068',
    Title='Confident Learning: Estimating Uncertainty in Dataset Labels')

# config folder under configs/ ('' for the top level) -> its collection
SYSTEMS = OrderedDict([
    ('', dict(name='Multi-Scale FPN Attribute Extraction', paper=PAREKH)),
    ('ablation_synthfashion',
     dict(name='Multi-Scale FPN Ablation (SynthFashion, from scratch)',
          paper=PAREKH)),
    ('ablation_synthfashion_pretrained',
     dict(name='Multi-Scale FPN Ablation (SynthFashion, frozen Lite0)',
          paper=PAREKH)),
    ('demo', dict(name='Multi-Scale FPN Demo', paper=PAREKH)),
    ('catalogue',
     dict(name='Multi-Scale FPN Catalogue Model (CPU)', paper=PAREKH)),
    ('label_audit', dict(name='Label Audit', paper=CONFIDENT_LEARNING)),
    ('attr_mask_rcnn', dict(name='Attribute Mask R-CNN', paper=CS231N)),
    ('m2fashion', dict(name='M2Fashion', paper=M2FASHION)),
    ('progressive',
     dict(name='Progressive Attribute Training', paper=PROGRESSIVE)),
])

ATTRIBUTES = 'Attribute Recognition'
# parts of a model config whose types name its architecture
ARCH_KEYS = ('backbone', 'neck', 'fpn', 'attention', 'head', 'rpn_head',
             'roi_head', 'bbox_head', 'mask_head', 'attr_head')
SEED_OPTION = 'randomness.seed='
HEADER = ('# Written by tools/misc/make_model_index.py from the configs and '
          'their results\n# records (tests/test_model_index.py checks it); '
          'rerun it instead of editing.\n')


# ---------------------------------------------------------------- metrics


def _attribute_f1(m: dict) -> List[Tuple[str, str, float, int]]:
    """AttributeF1 (``attr/...``): mean micro F1 / precision / recall and
    each attribute's micro F1, as recorded (0-1)."""
    out = [(ATTRIBUTES, f'Mean {what} (micro)', m[f'attr/mean_{key}_micro'],
            4) for what, key in (('F1', 'f1'), ('Precision', 'precision'),
                                 ('Recall', 'recall'))]
    for key, value in m.items():
        parts = key.split('/')
        if len(parts) == 3 and parts[2] == 'f1_micro' and value is not None:
            out.append((ATTRIBUTES, f'{parts[1]} F1 (micro)', value, 4))
    return out


def _demo_rows(m: dict) -> List[Tuple[str, str, float, int]]:
    """tools/demo.sh's rows: (attribute, support, constant F1, model F1);
    the 'mean' row is the mean over attributes."""
    out = []
    for name, _support, constant, f1 in m['rows']:
        if name == 'mean':
            out[:0] = [(ATTRIBUTES, 'Mean F1 (micro)', f1, 4),
                       (ATTRIBUTES, 'Constant Baseline Mean F1 (micro)',
                        constant, 4)]
        else:
            out.append((ATTRIBUTES, f'{name} F1 (micro)', f1, 4))
    return out


def _fashionpedia(m: dict) -> List[Tuple[str, str, float, int]]:
    """FashionpediaMetric, in % as mmdet's model zoo and the README."""
    seg, box = 'Instance Segmentation', 'Object Detection'
    keys = [(seg, 'mask AP', 'segm_iou_AP'),
            (seg, 'mask AP (IoU+F1)', 'segm_iou_f1_AP'),
            (seg, 'mask AR@100', 'segm_iou_AR@100'),
            (seg, 'mask attribute F1', 'segm_attr_f1'),
            (box, 'box AP', 'bbox_iou_AP'),
            (box, 'box AP (IoU+F1)', 'bbox_iou_f1_AP'),
            (box, 'box attribute F1', 'bbox_attr_f1')]
    return [(task, name, 100 * m[f'fashionpedia/{key}'], 2)
            for task, name, key in keys if f'fashionpedia/{key}' in m]


def _m2fashion(m: dict) -> List[Tuple[str, str, float, int]]:
    """M2Fashion: category top-k accuracy, attribute recall@k (all and per
    attribute type), in % as recorded."""
    out = [('Image Classification', f'Category Top-{k} Accuracy',
            m[f'accuracy/top{k}'], 2) for k in (1, 3, 5)
           if f'accuracy/top{k}' in m]
    for key, value in m.items():
        if key.startswith('attr/') and '_recall@' not in key:
            out.append((ATTRIBUTES, f'Attribute Recall@{key[-1]}', value, 2))
        elif key.startswith('attr/'):
            kind, k = key[len('attr/'):].split('_recall@')
            out.append((ATTRIBUTES, f'{kind} Recall@{k}', value, 2))
    return out


def _label_audit(m: dict) -> List[Tuple[str, str, float, int]]:
    """benchmarks/label_audit.py: precision at n (n = the flipped labels)
    of out-of-fold, in-sample and random rankings, and what the
    out-of-fold audit flags, over all attributes."""
    task = 'Label Error Detection'
    oof = m['oof']['overall']
    return [
        (task, 'Precision@n (out-of-fold)', oof['p_at_n'], 4),
        (task, 'Precision@n (in-sample)', m['in_sample']['overall']['p_at_n'],
         4),
        (task, 'Precision@n (random)', m['random']['overall']['p_at_n'], 4),
        (task, 'Flagged Precision (out-of-fold)', oof['flagged_precision'],
         4),
        (task, 'Flagged Recall (out-of-fold)', oof['flagged_recall'], 4),
    ]


def metrics_reader(rec: dict):
    """The reader of a run record's metrics, None for a kind this tool
    does not index (an analysis of a model's predictions, such as
    auto-accept, rather than the model's own scores)."""
    m = rec['metrics']
    if not isinstance(m, dict):
        return None
    if 'rows' in m:
        return _demo_rows
    if 'oof' in m:
        return _label_audit
    if 'accuracy/top1' in m:
        return _m2fashion
    if any(k.startswith('fashionpedia/') for k in m):
        return _fashionpedia
    if 'attr/mean_f1_micro' in m:
        return _attribute_f1
    return None


# ---------------------------------------------------------------- configs


def _strip_scope(name: str) -> str:
    return name.split('.')[-1]


def architecture(model: dict) -> List[str]:
    """The model's type and those of its parts (``ARCH_KEYS``), in order."""
    names = [_strip_scope(model['type'])]

    def walk(node):
        if isinstance(node, (list, tuple)):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                parts = value if isinstance(value, (list, tuple)) else [value]
                if key in ARCH_KEYS:
                    for part in parts:
                        if isinstance(part, dict) and isinstance(
                                part.get('type'), str):
                            names.append(_strip_scope(part['type']))
                walk(value)

    walk(model)
    return list(OrderedDict.fromkeys(names))


def dataset_name(dataset: dict) -> str:
    """A dataset family's name from its type and data root (the root
    itself goes into the metadata)."""
    kind = dataset.get('type', '')
    root = str(dataset.get('data_root', ''))
    synth = 'synthfashion' in root
    if 'Fashionpedia' in kind:
        return 'SynthFashion instances' if synth else 'Fashionpedia'
    if 'DeepFashionC' in kind:
        if not synth:
            return 'DeepFashion-C'
        return ('SynthFashion (DeepFashion-C layout, correlated)'
                if 'correlated' in root else
                'SynthFashion (DeepFashion-C layout)')
    return 'SynthFashion' if synth else 'Catalogue'


def load_config(path: str, options: List[str]):
    """``path`` with ``options`` (``--cfg-options`` strings) merged."""
    from mmengine.config import Config, DictAction
    cfg = Config.fromfile(path, import_custom_modules=False)
    if options:
        parser = argparse.ArgumentParser()
        parser.add_argument('--cfg-options', nargs='+', action=DictAction)
        cfg.merge_from_dict(
            parser.parse_args(['--cfg-options', *options]).cfg_options)
    return cfg


def config_metadata(cfg, options: List[str]) -> OrderedDict:
    train = cfg.train_dataloader
    meta = OrderedDict()
    meta['Training Data'] = dataset_name(train.dataset)
    meta['Data Root'] = str(train.dataset.get('data_root', ''))
    meta['Architecture'] = architecture(cfg.model)
    if cfg.get('train_cfg') and cfg.train_cfg.get('max_epochs'):
        meta['Epochs'] = int(cfg.train_cfg.max_epochs)
    meta['Batch Size'] = int(train.batch_size)
    if options:
        meta['Config Options'] = list(options)
    return meta


def list_configs(root: str) -> List[str]:
    """Every config under configs/ that is a model: not a ``_base_``
    folder's, not a shared part (``_name.py``)."""
    paths = glob.glob(osp.join(root, 'configs', '**', '*.py'), recursive=True)
    rel = (osp.relpath(p, root).replace(os.sep, '/') for p in paths)
    return sorted(p for p in rel if '_base_' not in p.split('/')
                  and not osp.basename(p).startswith('_'))


def system_of(config: str) -> str:
    parts = config.split('/')
    return parts[1] if len(parts) > 2 else ''


# ---------------------------------------------------------------- records


def record_files(root: str) -> List[str]:
    files = glob.glob(osp.join(root, 'configs', '**', 'results', '*.jsonl'),
                      recursive=True)
    files += glob.glob(osp.join(root, 'benchmarks', 'results', '*.jsonl'))
    return sorted(osp.relpath(f, root).replace(os.sep, '/') for f in files)


def load_groups(root: str, configs: List[str],
                skipped: Optional[list] = None) -> Dict[str, list]:
    """config -> [(records file, options, [records])]: one group per file
    and options (``randomness.seed`` aside). Records of a kind the index
    does not read are left out (``(file, config)`` added to ``skipped``)."""
    from mmfashion_attr.utils import run_records
    groups: Dict[str, OrderedDict] = {}
    for rel in record_files(root):
        for rec in run_records.load(osp.join(root, rel)):
            config = rec['config']
            if config not in configs:
                raise ValueError(
                    f'{rel}: a record of {config}, which is not a config '
                    'under configs/ (renamed? move its records too)')
            if rec.get('withdrawn'):  # kept for what is still true of it
                continue
            if metrics_reader(rec) is None:
                if skipped is not None and (rel, config) not in skipped:
                    skipped.append((rel, config))
                continue
            options = tuple(o for o in rec.get('cfg_options') or ()
                            if not o.startswith(SEED_OPTION))
            groups.setdefault(config, OrderedDict()).setdefault(
                (rel, options), []).append(rec)
    return {config: [(rel, list(options), recs)
                     for (rel, options), recs in by_key.items()]
            for config, by_key in groups.items()}


def _mean(values: List[float]) -> float:
    return sum(values) / len(values)


def results(records: List[dict], path: str, data: str) -> List[OrderedDict]:
    """One result per (split, task): every metric's mean over the records
    (one per seed) and their number."""
    splits: Dict[str, list] = OrderedDict()
    for rec in sorted(records, key=lambda r: (r['split'] != 'test',
                                              r['split'], str(r['seed']))):
        splits.setdefault(rec['split'], []).append(rec)
    out = []
    for split, recs in splits.items():
        seeds = [r['seed'] for r in recs]
        if len(set(map(str, seeds))) != len(seeds):
            raise ValueError(f'{path}: {recs[0]["config"]} has seed(s) '
                             f'recorded twice on split {split}: {seeds}')
        tasks: Dict[str, OrderedDict] = OrderedDict()
        decimals: Dict[Tuple[str, str], int] = {}
        for rec in recs:
            for task, name, value, digits in metrics_reader(rec)(
                    rec['metrics']):
                if value is None or (isinstance(value, float)
                                     and math.isnan(value)):
                    continue
                tasks.setdefault(task, OrderedDict()).setdefault(
                    name, []).append(float(value))
                decimals[task, name] = digits
        dataset = data if split == 'test' else f'{data} ({split})'
        for task, metrics in tasks.items():
            values = OrderedDict(
                (name, round(_mean(v), decimals[task, name]))
                for name, v in metrics.items() if len(v) == len(recs))
            values['Seeds'] = len(recs)
            out.append(OrderedDict(Task=task, Dataset=dataset,
                                   Metrics=values))
    return out


# ---------------------------------------------------------------- index


def _unique_names(configs: List[str]) -> Dict[str, str]:
    """config -> the shortest tail of its path (stem first) that no other
    config shares, '/' read as '_'."""
    parts = {c: c[:-len('.py')].split('/')[1:] for c in configs}
    names = {}
    for config, p in parts.items():
        for k in range(1, len(p) + 1):
            name = '_'.join(p[-k:])
            if all('_'.join(q[-k:]) != name
                   for c, q in parts.items() if c != config):
                break
        names[config] = name
    return names


def build(root: str = ROOT, skipped: Optional[list] = None
          ) -> Dict[str, str]:
    """Relative path -> text of every file of the model index; records it
    does not read go into ``skipped`` as ``(file, config)``."""
    configs = list_configs(root)
    unknown = sorted({system_of(c) for c in configs} - set(SYSTEMS))
    if unknown:
        raise ValueError(f'config folder(s) {unknown} have no collection: '
                         'add them to SYSTEMS in make_model_index.py')
    groups = load_groups(root, configs, skipped)
    names = _unique_names(configs)
    files = OrderedDict()
    for system, spec in SYSTEMS.items():
        members = [c for c in configs if system_of(c) == system]
        if not members:
            continue
        models, training_data = [], []
        for config in members:
            for rel, options, recs in groups.get(config) or [(None, [], [])]:
                cfg = load_config(osp.join(root, config), options)
                meta = config_metadata(cfg, options)
                training_data.append(meta['Training Data'])
                if rel is not None:
                    meta['Records'] = rel
                    params = {r.get('params') for r in recs}
                    if len(params) == 1 and None not in params:
                        meta['Parameters'] = int(params.pop())
                name = names[config]
                if len(groups.get(config) or ()) > 1:
                    name += '_' + osp.splitext(osp.basename(rel))[0]
                model = OrderedDict(Name=name)
                model['In Collection'] = spec['name']
                model['Config'] = config
                model['Metadata'] = meta
                if recs:
                    model['Results'] = results(
                        recs, rel, dataset_name(cfg.test_dataloader.dataset))
                weights = sorted({r['weights'] for r in recs
                                  if r.get('weights')})
                if weights:
                    model['Weights'] = (weights[0] if len(weights) == 1
                                        else weights)
                models.append(model)
        taken = [m['Name'] for m in models]
        if len(set(taken)) != len(taken):
            raise ValueError(f'model names not unique in {system}: {taken}')
        collection = OrderedDict(Name=spec['name'])
        collection['Metadata'] = OrderedDict(
            [('Training Data', sorted(set(training_data)))])
        collection['Paper'] = spec['paper']
        readme = f'configs/{system}/README.md' if system else None
        if readme and osp.exists(osp.join(root, readme)):
            collection['README'] = readme
        metafile = (f'configs/{system}/metafile.yml' if system
                    else 'configs/metafile.yml')
        files[metafile] = _dump(
            OrderedDict(Collections=[collection], Models=models))
    files['model-index.yml'] = _dump(
        OrderedDict(Import=[p for p in files]))
    return files


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    OrderedDict,
    lambda d, data: d.represent_mapping('tag:yaml.org,2002:map',
                                        data.items()))


def _dump(data) -> str:
    return HEADER + yaml.dump(data, Dumper=_Dumper, sort_keys=False,
                              allow_unicode=True, width=79,
                              default_flow_style=False)


def stale(root: str = ROOT, files: Optional[Dict[str, str]] = None
          ) -> List[str]:
    """The index files that differ from what ``build`` writes, and
    metafiles it would not write."""
    files = build(root) if files is None else files
    out = []
    for rel, text in files.items():
        path = osp.join(root, rel)
        if not osp.exists(path) or open(path, encoding='utf-8').read() != text:
            out.append(rel)
    for path in glob.glob(osp.join(root, 'configs', '**', 'metafile.yml'),
                          recursive=True):
        rel = osp.relpath(path, root).replace(os.sep, '/')
        if rel not in files:
            out.append(rel)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--check', action='store_true',
                        help='write nothing; exit 1 if a file is stale')
    args = parser.parse_args()
    skipped = []
    files = build(ROOT, skipped)
    for rel, config in skipped:
        print(f'not indexed: {rel} ({config}): metrics of a kind this tool '
              'does not read (see metrics_reader)')
    if args.check:
        bad = stale(ROOT, files)
        for rel in bad:
            print(f'stale: {rel}')
        if bad:
            print('rerun: python tools/misc/make_model_index.py')
        sys.exit(1 if bad else 0)
    for rel, text in files.items():
        with open(osp.join(ROOT, rel), 'w', encoding='utf-8') as f:
            f.write(text)
        print(f'wrote {rel}')


if __name__ == '__main__':
    run_main(main)
