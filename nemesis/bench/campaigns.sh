#!/usr/bin/env bash
# Planted-bug and stale-read campaigns (issue 7), measured: N runs of each, exit codes, and
# for invalid runs the time (s since the run started) at which the history first held the
# evidence: the completion of the first operation the linearizability checker could not place,
# or the earliest `evidenceS` of the revision and set checkers' counterexamples.
#
#   npm run bench:nemesis -- [RUNS] [TIME_LIMIT_S] [campaign ...]
#   campaigns: stale early correct-stale correct-early etcd-serializable early-set correct-set
#   (default: all but the set ones)
#
# Needs root (network namespaces), etcd on PATH for etcd-serializable, and `npm run build`.
# Results go to ${RESULTS:-/tmp/gauntlet-campaigns}; one line per run and a summary per campaign.
set -u
RUNS=${1:-10}
LIMIT=${2:-30}
shift 2 2>/dev/null || shift $#
CAMPAIGNS=${*:-stale early correct-stale correct-early etcd-serializable}
RESULTS=${RESULTS:-/tmp/gauntlet-campaigns}
cd "$(dirname "$0")/../.."
args_of() {
  case $1 in
    stale) echo "--server-args=--unsafe-stale-reads --nemesis partition" ;;
    early) echo "--server-args=--unsafe-early-ack --nemesis kill,partition" ;;
    correct-stale) echo "--nemesis partition" ;;
    correct-early) echo "--nemesis kill,partition" ;;
    etcd-serializable) echo "--server etcd --serializable --nemesis partition" ;;
    early-set) echo "--workload set --server-args=--unsafe-early-ack --nemesis kill,partition" ;;
    correct-set) echo "--workload set --nemesis kill,partition" ;;
  esac
}
echo "load: $(uptime)"
for c in $CAMPAIGNS; do
  inv=0; times=""
  for i in $(seq 1 "$RUNS"); do
    out=$(node bin/gauntlet.js run $(args_of "$c") --time-limit "$LIMIT" --results "$RESULTS" --test-name "campaign-$c" 2>&1)
    code=$?
    dir=$(echo "$out" | grep -o "results: .*" | head -1 | cut -d' ' -f2)
    t=""
    if [ "$code" = 1 ]; then
      inv=$((inv + 1))
      t=$(python3 - "$dir/results.json" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
ts = []
def walk(o):
    if isinstance(o, dict):
        e = o.get("explanation")
        if isinstance(o.get("evidenceS"), (int, float)):
            ts.append(float(o["evidenceS"]))
        if isinstance(e, str):
            m = re.findall(r"t=[0-9.]+s→([0-9.]+)s\]: impossible", e)
            if m: ts.append(min(float(x) for x in m))
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(r)
print(f"{min(ts):.1f}" if ts else "?")
PY
)
      times="$times $t"
    fi
    echo "$c run $i: exit $code${t:+, evidence at ${t} s} ($dir)"
  done
  echo "== $c: $inv/$RUNS invalid; evidence times (s):${times:- none}"
done
echo "load: $(uptime)"
