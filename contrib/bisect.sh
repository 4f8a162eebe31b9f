#!/usr/bin/env bash
# Bisection helper for run-perf: records a good and a bad result, then
# tells for each further build whether its result is closer to the good
# or to the bad ones, by its exit code, so that it can drive
# `git bisect run`. See docs/bisect.md.
#
#   bisect.sh good NAME CMD...   run CMD, keep its result as a good one
#   bisect.sh bad NAME CMD...    run CMD, keep its result as a bad one
#   bisect.sh check NAME CMD...  run CMD, exit 0 when closer to good, 1 when
#                                closer to bad
#   bisect.sh report [ARGS...]   compare-perf ARGS over every kept result,
#                                in history order, into DIFFDIR/report.html
#   bisect.sh clean              remove DIFFDIR
#
# CMD is a run-perf command line; its --output becomes
# DIFFDIR/current-result and --metadata gets build=<NAME's first three
# characters> (plus url=NAME when CMD gives no --metadata of its own).
# Exit codes: 0 closer to good, 1 closer to bad, 125 CMD failed (git
# bisect skips the build), 255 anything else (git bisect run stops).
# DIFFDIR (default .diff-perf/), DIFFPERF (default diff-perf) and
# COMPAREPERF (default compare-perf) may be overridden. With
# TWO_OUT_OF_THREE=true good and bad run CMD twice, and check runs it
# twice and a third time when the first two disagree; the majority wins
# and every result is kept under the verdict.

set -u
DIFFDIR="${DIFFDIR:-.diff-perf/}"
DIFFPERF="${DIFFPERF:-diff-perf}"
COMPAREPERF="${COMPAREPERF:-compare-perf}"

die() { echo "bisect.sh: $*" >&2; exit 255; }

[ -n "$DIFFDIR" ] || die "DIFFDIR is empty; unset it for the default .diff-perf/"
CURRENT="${DIFFDIR%/}/current-result"

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
    exit 255
}

# The run-perf command line of "$@" with its output and build metadata
# set, into the array RUN.
command_line() {
    local name=$1 build=${1:0:3} meta_done=0 out_done=0
    shift
    RUN=()
    while [ $# -gt 0 ]; do
        case $1 in
            --metadata)
                RUN+=(--metadata "build=$build")
                meta_done=1
                shift ;;
            --output)
                [ $# -ge 2 ] || die "--output needs a value"
                echo "bisect.sh: output $2 replaced by $CURRENT" >&2
                RUN+=(--output "$CURRENT")
                out_done=1
                shift 2 ;;
            --)
                [ $meta_done = 1 ] || RUN+=(--metadata "build=$build" "url=$name")
                [ $out_done = 1 ] || RUN+=(--output "$CURRENT")
                meta_done=1 out_done=1
                RUN+=(--)
                shift ;;
            *)
                RUN+=("$1")
                shift ;;
        esac
    done
    [ $meta_done = 1 ] || RUN+=(--metadata "build=$build" "url=$name")
    [ $out_done = 1 ] || RUN+=(--output "$CURRENT")
}

# Runs RUN; a failing run skips this build (125).
run_once() {
    rm -rf "$CURRENT"
    echo "bisect.sh: running ${RUN[*]}" >&2
    if ! "${RUN[@]}"; then
        echo "bisect.sh: the command failed, skipping this build" >&2
        exit 125
    fi
    [ -e "$CURRENT" ] || die "the command left no result in $CURRENT"
}

# The kept results, each as one line: good references and checked builds
# found closer to good, then the bad ones.
kept() {
    local pattern=$1
    find "$DIFFDIR" -mindepth 1 -maxdepth 1 -name "$pattern" | sort -V
}

# Which group the current result is closer to: 0 good, 1 bad.
closer_to() {
    local -a goods bads
    mapfile -t goods < <(kept 'good*'; kept '[0-9]*g')
    mapfile -t bads < <(kept 'bad*'; kept '[0-9]*b')
    [ ${#goods[@]} -gt 0 ] || die "no good result in $DIFFDIR; run 'bisect.sh good NAME CMD' first"
    [ ${#bads[@]} -gt 0 ] || die "no bad result in $DIFFDIR; run 'bisect.sh bad NAME CMD' first"
    "$DIFFPERF" "$CURRENT" -g "${goods[@]}" -g "${bads[@]}"
}

# The next free number for a checked result.
next_index() {
    local index=1
    while [ -e "${DIFFDIR%/}/${index}g" ] || [ -e "${DIFFDIR%/}/${index}b" ]; do
        index=$((index + 1))
    done
    echo $index
}

# Runs RUN and says which group its result is closer to (0 or 1); the
# result is left as DIFFDIR/current-result$1.
verdict_of() {
    run_once
    closer_to
    local verdict=$?
    [ "$verdict" = 0 ] || [ "$verdict" = 1 ] \
        || die "$DIFFPERF exited with $verdict, expected 0 (good) or 1 (bad)"
    [ -z "$1" ] || mv "$CURRENT" "$CURRENT$1"
    return $verdict
}

# Keeps DIFFDIR/current-result$2 as a checked result of verdict $1.
keep() {
    local index suffix
    index=$(next_index)
    suffix=$([ "$1" = 0 ] && echo g || echo b)
    mv "$CURRENT$2" "${DIFFDIR%/}/$index$suffix" || die "cannot keep $CURRENT$2"
}

check() {
    local verdict second third
    if [ "${TWO_OUT_OF_THREE:-}" != true ]; then
        verdict_of ""
        verdict=$?
        keep $verdict ""
    else
        verdict_of 1
        verdict=$?
        verdict_of 2
        second=$?
        if [ $verdict != $second ]; then
            verdict_of 3
            third=$?
            echo "bisect.sh: runs disagree ($verdict, $second, $third); $third wins" >&2
            verdict=$third
            keep $verdict 3
        fi
        keep $verdict 1
        keep $verdict 2
    fi
    if [ $verdict = 0 ]; then echo "BISECT: GOOD" >&2; else echo "BISECT: BAD" >&2; fi
    exit $verdict
}

# Checked results in history order: those found good in the order they
# were checked (each nearer the change than the last), then those found
# bad in reverse order (likewise).
report() {
    local -a order goods=() bads=() refs_good refs_bad
    local index=1
    while true; do
        if [ -e "${DIFFDIR%/}/${index}g" ]; then
            goods+=("${DIFFDIR%/}/${index}g")
        elif [ -e "${DIFFDIR%/}/${index}b" ]; then
            bads=("${DIFFDIR%/}/${index}b" "${bads[@]}")
        else
            break
        fi
        index=$((index + 1))
    done
    mapfile -t refs_good < <(kept 'good*')
    mapfile -t refs_bad < <(kept 'bad*')
    order=("${refs_good[@]}" "${goods[@]}" "${bads[@]}" "${refs_bad[@]}")
    [ ${#order[@]} -gt 0 ] || die "no results in $DIFFDIR to report"
    "$COMPAREPERF" "$@" --html "${DIFFDIR%/}/report.html" -- "${order[@]}" \
        || [ -e "${DIFFDIR%/}/report.html" ] || die "$COMPAREPERF wrote no report"
    echo "${DIFFDIR%/}/report.html"
}

[ $# -gt 0 ] || usage
action=$1
shift
case $action in
    good|bad|check)
        [ $# -ge 2 ] || usage
        mkdir -p "$DIFFDIR" || die "cannot create $DIFFDIR"
        command_line "$@"
        if [ "$action" = check ]; then
            check
        fi
        runs=1
        [ "${TWO_OUT_OF_THREE:-}" != true ] || runs=2
        rm -rf "${DIFFDIR:?}/$action" "${DIFFDIR:?}/${action}2"
        for run in $(seq $runs); do
            run_once
            kept_as="${DIFFDIR%/}/$action$([ "$run" = 1 ] || echo "$run")"
            mv "$CURRENT" "$kept_as" || die "cannot keep the result as $kept_as"
        done
        ;;
    report)
        report "$@" ;;
    clean)
        rm -rf "$DIFFDIR" ;;
    *)
        usage ;;
esac
