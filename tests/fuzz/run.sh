#!/bin/sh
# Builds the libFuzzer targets (the "fuzz" preset: clang, ASan, UBSan) and
# runs each for a bounded time on a copy of its seed corpus, two at a time.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# New inputs that reach new coverage land in build-fuzz/corpus/TARGET; a crash
# leaves build-fuzz/artifacts/TARGET/crash-* and a non-zero exit. Each
# target's last stats line (executions, coverage) goes to build-fuzz/TARGET.log.
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-"fuzz_requestparser fuzz_multipart fuzz_config fuzz_limits fuzz_exportquery"}

command -v clang++ >/dev/null || { echo "clang is needed: apt-get install clang" >&2; exit 2; }
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -- $targets

status=0
run() {
    target=$1
    corpus=build-fuzz/corpus/$target
    mkdir -p "$corpus" "build-fuzz/artifacts/$target"
    cp -n tests/fuzz/corpus/"${target#fuzz_}"/* "$corpus"/ 2>/dev/null || true
    ./build-fuzz/tests/fuzz/$target -max_total_time="$seconds" -rss_limit_mb=2048 \
        -artifact_prefix="build-fuzz/artifacts/$target/" -print_final_stats=1 \
        "$corpus" >"build-fuzz/$target.log" 2>&1
}
set -- $targets
while [ $# -gt 0 ]; do
    first=$1; shift
    run "$first" & a=$!
    b=
    if [ $# -gt 0 ]; then second=$1; shift; run "$second" & b=$!; fi
    wait $a || { echo "$first: FAILED, see build-fuzz/$first.log" >&2; status=1; }
    [ -n "$b" ] && { wait $b || { echo "$second: FAILED, see build-fuzz/$second.log" >&2; status=1; }; }
done
for target in $targets; do
    printf '%-20s ' "$target"
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "build-fuzz/$target.log" | tr '\n' ' '
    echo
done
exit $status
