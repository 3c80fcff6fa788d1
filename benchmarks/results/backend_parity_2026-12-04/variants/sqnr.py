"""Per-tensor SQNR (dB) of a QDQ model's activations vs fp32 on 20 calibration images (qdq_loss_debug)."""
import sys, numpy as np, onnx
from onnxruntime.quantization import CalibrationDataReader
from onnxruntime.quantization.qdq_loss_debug import (collect_activations, compute_activation_error, create_activation_matching, modify_model_output_intermediate_tensors)
q = sys.argv[1]
imgs = np.load('/tmp/q/calib200.npy')[::10]
class R(CalibrationDataReader):
    def __init__(s): s.it = iter(imgs)
    def get_next(s):
        x = next(s.it, None); return None if x is None else {'image': x[None]}
modify_model_output_intermediate_tensors('/tmp/q/prepared.onnx', '/tmp/q/aug_fp.onnx')
modify_model_output_intermediate_tensors(q, '/tmp/q/aug_q.onnx')
fa = collect_activations('/tmp/q/aug_fp.onnx', R())
qa = collect_activations('/tmp/q/aug_q.onnx', R())
err = compute_activation_error(create_activation_matching(qa, fa))
m = onnx.load('/tmp/q/prepared.onnx')
order = [o for n in m.graph.node for o in n.output]
for t in order:
    if t in err:
        e = err[t]
        print(f"{t:28s} qdq_vs_fp32 {e.get('xmodel_err', float('nan')):7.2f} dB  qdq_err {e.get('qdq_err', float('nan')):7.2f} dB")
