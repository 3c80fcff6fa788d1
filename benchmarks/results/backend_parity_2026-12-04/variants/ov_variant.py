"""NNCF variant: backbone-only (ignored_scope = every ONNX node outside classifier.backbone), preset MIXED."""
import ast, sys, numpy as np, onnx, openvino as ov, nncf
from mmfashion_attr.deployment.onnx_metadata import quantized_value
from mmfashion_attr.deployment.openvino_export import save_openvino
from mmfashion_attr.deployment.openvino_model import openvino_metadata
name, preset = sys.argv[1:3]
fp = onnx.load('/work/parity/model.onnx')
def top(n):
    d = {p.key: p.value for p in n.metadata_props}; s = ast.literal_eval(d['pkg.torch.onnx.name_scopes'])
    return s[1] if len(s) > 2 else 'top'
outside = {n.name for n in fp.graph.node if top(n) != 'classifier.backbone'}
model = ov.Core().read_model('/work/parity/model.xml')
ignored = [op.get_friendly_name() for op in model.get_ordered_ops() if op.get_friendly_name().split('/')[0] in outside]
meta = openvino_metadata(model, '/work/parity/model.xml')
imgs = np.load('/tmp/q/calib200.npy')
q = nncf.quantize(model, nncf.Dataset([x[None] for x in imgs]), subset_size=len(imgs),
                  preset=getattr(nncf.QuantizationPreset, preset.upper()),
                  ignored_scope=nncf.IgnoredScope(names=ignored, validate=False))
save_openvino(q, f'/tmp/q/{name}.xml', quantized_value(meta['value'], dict(variant=name, preset=preset, scope='backbone')))
print(name, len(ignored), 'ops ignored')
