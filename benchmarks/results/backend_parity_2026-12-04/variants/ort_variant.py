"""Make one ORT int8 variant of /work/parity/model.onnx (experiment harness)."""
import ast, json, sys, os, tempfile
import numpy as np, onnx
from mmengine.config import Config
import mmfashion_attr  # noqa
from mmfashion_attr.apis.packed_images import packed_images
from mmfashion_attr.deployment.onnx_metadata import METADATA_KEY, quantized_value, read_metadata
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process

name, scope, method = sys.argv[1:4]
extra = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
act = extra.pop('act', 'uint8')
P = '/work/parity'; DATA = 'data/synthfashion_parity224'
calib_file = '/tmp/q/calib200.npy'
if not os.path.exists(calib_file):
    cfg = Config.fromfile(f'{P}/lite0_export.py')
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': DATA + '/', 'test_dataloader.dataset.data_root': DATA + '/',
                         'val_dataloader.dataset.data_root': DATA + '/', 'test_dataloader.dataset.ann_file': 'test.csv',
                         'model.head.schema_file': DATA + '/schema.json'})
    np.save(calib_file, packed_images(cfg, 200, split='train', spread=True).numpy())
images = np.load(calib_file)
prepared = '/tmp/q/prepared.onnx'
m = onnx.load(prepared)
def top(n):
    d = {p.key: p.value for p in n.metadata_props}
    s = ast.literal_eval(d['pkg.torch.onnx.name_scopes'])
    return s[1] if len(s) > 2 else 'top'
scopes = {n.name: top(n) for n in m.graph.node}
names_in_order = [n.name for n in m.graph.node]
if scope == 'all':
    nodes = []
else:
    want = scope.split('+')
    nodes = [k for k, v in scopes.items() if v.split('.')[-1] in want]
    if 'nodw' in extra:
        extra.pop('nodw')
        inits = {i.name for i in m.graph.initializer}
        dw = {n.name for n in m.graph.node if n.op_type == 'Conv' and any(a.name == 'group' and a.i > 1 for a in n.attribute)}
        nodes = [k for k in nodes if k not in dw]
    if 'skip' in extra:
        skip = extra.pop('skip')
        nodes = [k for k in nodes if k not in set(names_in_order[:skip])]
    if not nodes: raise SystemExit('no node')
iname = m.graph.input[0].name
class R(CalibrationDataReader):
    def __init__(s): s.it = iter(images)
    def get_next(s):
        x = next(s.it, None)
        return None if x is None else {iname: x[None]}
kw = dict(quant_format=QuantFormat.QDQ, activation_type={'uint8': QuantType.QUInt8, 'int8': QuantType.QInt8, 'uint16': QuantType.QUInt16}[act],
          weight_type=QuantType.QInt8, per_channel=True, calibrate_method=getattr(CalibrationMethod, method))
if nodes: kw['nodes_to_quantize'] = nodes
if extra: kw['extra_options'] = extra
out = f'/tmp/q/{name}.onnx'
quantize_static(prepared, out, R(), **kw)
q = onnx.load(out)
fp = onnx.load('/work/parity/model.onnx', load_external_data=False)
val = {p.key: p.value for p in fp.metadata_props}[METADATA_KEY]
for e in list(q.metadata_props):
    if e.key == METADATA_KEY: q.metadata_props.remove(e)
e = q.metadata_props.add(); e.key = METADATA_KEY
e.value = quantized_value(val, dict(variant=name, scope=scope, method=method, extra=extra, act=act))
onnx.save(q, out)
nq = sum(n.op_type == 'QuantizeLinear' for n in q.graph.node)
print(f'{name}: scope={scope} method={method} act={act} extra={extra}: {nq} QuantizeLinear, {len(nodes) or "all"} nodes')
