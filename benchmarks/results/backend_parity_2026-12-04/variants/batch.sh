#!/bin/bash
cd /work/main && source .venv/bin/activate
while read -r name scope method extra; do
  while test -e /work/logs/IDLE_NEEDED; do sleep 20; done
  python /tmp/q/ort_variant.py $name $scope $method "${extra:-{\}}" 2>&1 | tail -1
  /tmp/q/parity.sh $name onnxruntime-int8 /tmp/q/$name.onnx
done < $1
