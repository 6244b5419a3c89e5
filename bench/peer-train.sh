#!/usr/bin/env bash
# LoRA training throughput of cgfed (DJL) and of PyTorch eager on the same step, one after the other.
# Needs: the built jars (./mvnw -DskipTests package) and Debian's python3-torch (+ libopenblas0-pthread).
set -euo pipefail
cd "$(dirname "$0")/.."
for threads in ${THREADS:-1 2}; do
  echo "== $threads thread(s): cgfed (DJL $(unzip -l worker-service/target/worker-service.jar | grep -o 'pytorch-engine-[0-9.]*' | head -1))"
  CGFED_THREADS=$threads ./cgfed bench-train 2>/dev/null | grep -E '^\||roofline'
  echo "== $threads thread(s): PyTorch eager"
  OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads /usr/bin/python3 bench/torch_peer.py "$threads" | grep '^|'
done
