#!/usr/bin/env bash
# Indicative recipe sweep on a lent GPU (PyTorch): see README.md here. Needs mnist.npz beside this script:
#   python -c "from vae_core.data import load_mnist; import numpy as np; m = load_mnist(); np.savez_compressed(
#     'bench/recipe_sweep/mnist.npz', xtr=(m.x_train[..., 0] * 255).round().astype(np.uint8),
#     xte=(m.x_test[..., 0] * 255).round().astype(np.uint8))"
# Then: OUT=/some/dir bash bench/recipe_sweep/run.sh  (all runs in parallel on one GPU; ~6 minutes on an H200)
set -u
cd "$(dirname "$0")"
python -c "import torch; assert torch.cuda.is_available()" || exit 3
specs=(
'{"name":"adam1e-3","opt":"adam","lr":0.001,"batch":128,"sched":"plateau","epochs":100}'
'{"name":"adam1e-3_b256","opt":"adam","lr":0.001,"batch":256,"sched":"plateau","epochs":100}'
'{"name":"adam1e-3_cos30","opt":"adam","lr":0.001,"batch":128,"sched":"cosine","epochs":30}'
'{"name":"adam1e-3_cos30_s1","opt":"adam","lr":0.001,"batch":128,"sched":"cosine","epochs":30,"seed":1}'
'{"name":"adam1e-3_s1","opt":"adam","lr":0.001,"batch":128,"sched":"plateau","epochs":100,"seed":1}'
'{"name":"adam1e-3_s2","opt":"adam","lr":0.001,"batch":128,"sched":"plateau","epochs":100,"seed":2}'
'{"name":"adam1e-3_s3","opt":"adam","lr":0.001,"batch":128,"sched":"plateau","epochs":100,"seed":3}'
'{"name":"adam2e-3_b256","opt":"adam","lr":0.002,"batch":256,"sched":"plateau","epochs":100}'
'{"name":"adam2e-3_b256_s1","opt":"adam","lr":0.002,"batch":256,"sched":"plateau","epochs":100,"seed":1}'
'{"name":"adam2e-3_cos40","opt":"adam","lr":0.002,"batch":128,"sched":"cosine","epochs":40}'
'{"name":"adam3e-3_b512","opt":"adam","lr":0.003,"batch":512,"sched":"plateau","epochs":100}'
'{"name":"adamax1e-2_b512","opt":"adamax","lr":0.01,"batch":512,"sched":"plateau","epochs":100}'
'{"name":"adamax3e-3","opt":"adamax","lr":0.003,"batch":128,"sched":"plateau","epochs":100}'
'{"name":"adamax3e-3_cos40","opt":"adamax","lr":0.003,"batch":128,"sched":"cosine","epochs":40}'
'{"name":"ref","opt":"adamax","lr":0.001,"batch":128,"sched":"plateau","epochs":100}'
'{"name":"ref_s1","opt":"adamax","lr":0.001,"batch":128,"sched":"plateau","epochs":100,"seed":1}'
)
for s in "${specs[@]}"; do timeout 500 python sweep_torch.py "$s" > "/tmp/$(echo "$s" | cut -d'"' -f4).log" 2>&1 & done
wait
cd "$OUT" && python -c "import json, glob; json.dump([json.load(open(f)) for f in sorted(glob.glob('*.json'))], open('results.json', 'w'), indent=0)"
