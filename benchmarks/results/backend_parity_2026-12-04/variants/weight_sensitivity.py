"""SQNR (dB) at the backbone's three outputs (add_371, add_796, getitem_141:
strides 8, 16, 32) on 20 calibration images when only some backbone Conv
weights are rounded to int8 per channel (activations fp32), by group (run
as it was, inline, from /tmp/q; output: weight_sensitivity.txt)."""
import re

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

base = onnx.load('/tmp/q/prepared.onnx')
outs = ['add_371', 'add_796', 'getitem_141']
for o in outs:
    base.graph.output.append(
        helper.make_tensor_value_info(o, onnx.TensorProto.FLOAT, None))
imgs = np.load('/tmp/q/calib200.npy')[::10]
convw = [n.input[1] for n in base.graph.node if n.op_type == 'Conv'
         and n.input[1].startswith('classifier.backbone')]


def group(name):
    mm = re.search(r'blocks\.(\d+)\.(\d+)\.(conv_\w+)', name)
    return 'stem' if mm is None else f'b{mm.group(1)}'


def run(m):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    s = ort.InferenceSession(m.SerializeToString(), so)
    return [s.run(outs, {'image': x[None]}) for x in imgs]


ref = run(base)


def sqnr(got):
    r = []
    for k in range(3):
        a = np.concatenate([g[k].ravel() for g in ref])
        b = np.concatenate([g[k].ravel() for g in got])
        r.append(10 * np.log10((a**2).sum() / ((a - b)**2).sum()))
    return ' '.join(f'{v:5.1f}' for v in r)


def fq(names):
    m = onnx.ModelProto()
    m.CopyFrom(base)
    for i in m.graph.initializer:
        if i.name in names:
            w = numpy_helper.to_array(i)
            s = np.abs(w).reshape(w.shape[0], -1).max(1) / 127
            s[s == 0] = 1
            sh = (-1,) + (1,) * (w.ndim - 1)
            wq = np.clip(np.round(w / s.reshape(sh)), -127, 127) * \
                s.reshape(sh)
            i.CopyFrom(numpy_helper.from_array(wq.astype(np.float32), i.name))
    return m


print('SQNR dB at backbone outputs (stride 8, 16, 32), weights-only int8 '
      'per-channel fake quant, 20 calib images')
print('all backbone convs        ', sqnr(run(fq(set(convw)))))
for g in sorted({group(n) for n in convw}):
    only = {n for n in convw if group(n) == g}
    print(f'only {g:5s} ({len(only):2d} convs)   ', sqnr(run(fq(only))),
          '| all but it:', sqnr(run(fq(set(convw) - only))))
for kind in ['conv_dw', 'conv_pw.', 'conv_pwl']:
    only = {n for n in convw if kind in n}
    print(f'only {kind:9s}            ', sqnr(run(fq(only))),
          '| all but it:', sqnr(run(fq(set(convw) - only))))
