"""fp32 ONNX file whose backbone Conv weights are rounded to int8 per output
channel (symmetric, scale = max|w|/127) and dequantised back: weight rounding
alone, activations fp32 (run as it was, inline, from /tmp/q). Usage:
weights_only.py OUT {all|nodw|nodw_nostem_b01}"""
import re
import sys

import numpy as np
import onnx
from onnx import numpy_helper

KEEP = {'all': lambda n: False,
        'nodw': lambda n: 'conv_dw' in n,
        'nodw_nostem_b01': lambda n: 'conv_dw' in n or 'conv_stem' in n or
        re.search(r'blocks\.[01]\.', n)}
out, which = sys.argv[1:3]
m = onnx.load('/tmp/q/prepared.onnx')  # quant_pre_process of model.onnx
convw = {n.input[1] for n in m.graph.node if n.op_type == 'Conv'}
for i in m.graph.initializer:
    if i.name in convw and i.name.startswith('classifier.backbone') \
            and not KEEP[which](i.name):
        w = numpy_helper.to_array(i)
        s = np.abs(w).reshape(w.shape[0], -1).max(1) / 127
        s[s == 0] = 1
        sh = (-1,) + (1,) * (w.ndim - 1)
        wq = np.clip(np.round(w / s.reshape(sh)), -127, 127) * s.reshape(sh)
        i.CopyFrom(numpy_helper.from_array(wq.astype(np.float32), i.name))
onnx.save(m, out)
