#!/usr/bin/env bash
# One pass of everything measured on an accelerator, sized for a short lease of one GPU:
#   tests + accuracy (in parallel: neither is timed), then the bench against a device copy,
#   the default path against jax.nn, and the training comparison (each alone on the device).
# Each phase has its own time limit, so one that overruns loses only itself; results are
# re-packed into $OUT/gpu-results.tgz after every phase.
#
#   OUT=jaxact-out/gpu bash benchmarks/gpu.sh
#
# The accuracy phase reuses mpmath reference values computed once on a CPU (they depend on the
# definitions alone): `jaxact accuracy --references refs.json` writes them; pass REFS=refs.json.
# What one 10-minute command covered on an H200 (2026-11-27, jax 0.11.2): tests (~2700 of them) and
# accuracy (all entries, 4 dtypes, six processes) in ~170 s; the bench at 2^24 float32 in ~100 s
# (2^27 did not finish in the rest of its limit); vs jax.nn at 2^24 float32 in ~120 s (bfloat16 did not
# fit); both compare runs in ~80 s. The defaults below are sized from that to end inside 600 s.
# Knobs: T_TESTS, T_ACC, T_BENCH, T_VS, T_COMPARE (seconds); SIZES (log2, comma-separated);
# NAMES (activations for accuracy and bench); COMPARE_ARGS (extra options for both compare runs).
# T_TRANSFORMER=<seconds>: also run `jaxact compare --model transformer` under that limit.
# T_FULL=<seconds>: also run `jaxact compare --preset full` (every model; ~35 min on 2 CPU cores).
set -u
OUT=${OUT:-jaxact-out/gpu}
PY=${PYTHON:-python3}
REFS=${REFS:-}
WORK=$(mktemp -d)
REFDIR=$(mktemp -d)
mkdir -p "$OUT"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 JAXACT_TEST_SEED=${JAXACT_TEST_SEED:-20261127}

pack() { tar -czf "$OUT/gpu-results.tgz" -C "$WORK" . ; echo "[$(date +%T)] $1" | tee -a "$OUT/phases.txt"; }
pack "start"
{ nvidia-smi 2>&1 | head -20; $PY -c "import jax, jaxlib, sys; print(sys.version); print('jax', jax.__version__, jaxlib.__version__); print(jax.devices())"; } > "$WORK/env.txt" 2>&1
pack "env"

# A: tests (several workers share the GPU: no preallocation) and accuracy, side by side.
(
  export XLA_PYTHON_CLIENT_PREALLOCATE=false
  timeout -s INT "${T_TESTS:-150}" $PY -m pytest -q -p no:cacheprovider -n "${TEST_WORKERS:-8}" -rfE \
    ${TESTS:-tests --ignore=tests/test_lint.py --ignore=tests/test_typing.py --ignore=tests/test_docs_and_notebooks.py} \
    > "$WORK/pytest.txt" 2>&1
  echo "pytest exit $?" >> "$WORK/pytest.txt"
) &
# Accuracy in ACC_PROCS processes over disjoint sets of activations (mpmath runs on the CPU);
# merge their tables afterwards with numerics.merged.
all_names=${NAMES:-$($PY -c "from jaxact import registry; print(','.join(registry.names()))")}
for i in $(seq 0 $((${ACC_PROCS:-6} - 1))); do
  part=$(echo "$all_names" | tr ',' '\n' | awk -v i="$i" -v n="${ACC_PROCS:-6}" 'NR % n == i' | paste -sd, -)
  [ -z "$part" ] && continue
  (
    export XLA_PYTHON_CLIENT_PREALLOCATE=false
    ref=""
    if [ -n "$REFS" ] && [ -f "$REFS" ]; then cp "$REFS" "$REFDIR/refs-$i.json"; ref="--references $REFDIR/refs-$i.json"; fi
    timeout "${T_ACC:-170}" bash -c "
      $PY -m jaxact accuracy $ref --names $part --dtypes float32 --out '$WORK/accuracy/$i' &&
      $PY -m jaxact accuracy $ref --names $part --update --dtypes bfloat16,float16,float64 --out '$WORK/accuracy/$i'
    " > "$WORK/accuracy-$i.txt" 2>&1
    echo "accuracy exit $?" >> "$WORK/accuracy-$i.txt"
  ) &
done
wait
$PY -c "
import sys; from pathlib import Path; from jaxact.tools import numerics
parts = sorted(p for p in Path(sys.argv[1]).iterdir() if (p / 'accuracy.json').is_file())
print(*numerics.merge(parts, Path(sys.argv[2]))) if parts else print('no accuracy part finished')
" "$WORK/accuracy" "$WORK/accuracy-merged" >> "$WORK/accuracy-0.txt" 2>&1
pack "tests and accuracy"

# B: alone on the device from here on.
timeout "${T_BENCH:-160}" $PY -m jaxact bench --sizes "${SIZES:-24,27}" --dtypes "${DTYPES:-float32}" \
  --seconds "${SECONDS_PER_KERNEL:-0.03}" --block "${BLOCK:-8192x1024x4096}" --no-plots --out "$WORK/bench" ${NAMES:+--names $NAMES} \
  > "$WORK/bench.txt" 2>&1
echo "bench exit $?" >> "$WORK/bench.txt"
pack "bench"

timeout "${T_VS:-130}" $PY -m jaxact bench --vs-jax-nn --sizes "${VS_SIZES:-24}" --seconds 0.05 \
  --block "${BLOCK:-8192x1024x4096}" --out "$WORK/bench" ${NAMES:+--names $NAMES} > "$WORK/vs-jaxnn.txt" 2>&1
echo "vs-jax-nn exit $?" >> "$WORK/vs-jaxnn.txt"
pack "vs jax.nn"

(
  timeout "${T_COMPARE:-50}" $PY -m jaxact compare --no-plots --out "$WORK/compare-default" ${COMPARE_ARGS:-} > "$WORK/compare.txt" 2>&1
  echo "compare exit $?" >> "$WORK/compare.txt"
  timeout "${T_COMPARE_LARGE:-45}" $PY -m jaxact compare --no-plots --width 512 --depth 8 --seeds 5 --steps 2000 \
    --out "$WORK/compare-large" ${COMPARE_ARGS:-} > "$WORK/compare-large.txt" 2>&1
  echo "compare large exit $?" >> "$WORK/compare-large.txt"
  if [ -n "${T_TRANSFORMER:-}" ]; then  # opt-in: the transformer comparison (14 min on 2 CPU cores)
    timeout "$T_TRANSFORMER" $PY -m jaxact compare --model transformer --out "$WORK/compare-transformer" \
      > "$WORK/compare-transformer.txt" 2>&1
    echo "compare transformer exit $?" >> "$WORK/compare-transformer.txt"
  fi
  if [ -n "${T_FULL:-}" ]; then  # opt-in: the full study, every model, plots included
    timeout "$T_FULL" $PY -m jaxact compare --preset full --out "$WORK/compare-full" > "$WORK/compare-full.txt" 2>&1
    echo "compare full exit $?" >> "$WORK/compare-full.txt"
  fi
)
pack "compare"

pack "done"
tail -n 4 "$WORK"/*.txt
