# Shared setup for the bats tests: each test runs in its own temporary
# directory with the built dsq first on PATH (under valgrind when configured).

setup_dsq() {
    : "${DSQ_BUILDDIR:?run the tests through make check}"
    export DSQ_DATADIR="${DSQ_DATADIR:-$DSQ_SRCDIR/share}"
    # No user or site configuration leaks into a test.
    export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg"
    unset DSQ_CONFIG SLURM_ARRAY_TASK_ID SLURM_ARRAY_JOB_ID SLURM_JOB_ID SLURM_RESTART_COUNT
    mkdir -p "$BATS_TEST_TMPDIR/bin"
    if [ -n "${DSQ_VALGRIND:-}" ]; then
        # Each name execs valgrind on a link of that name, so that dsq sees
        # the argv[0] it was entered by (dsq-autopsy is dsq autopsy).
        mkdir -p "$BATS_TEST_TMPDIR/real"
        for name in dsq dsq-autopsy; do
            ln -sf "$DSQ_BUILDDIR/dsq" "$BATS_TEST_TMPDIR/real/$name"
            printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$DSQ_VALGRIND" "$BATS_TEST_TMPDIR/real/$name" \
                > "$BATS_TEST_TMPDIR/bin/$name"
            chmod +x "$BATS_TEST_TMPDIR/bin/$name"
        done
    else
        ln -sf "$DSQ_BUILDDIR/dsq" "$BATS_TEST_TMPDIR/bin/dsq"
        ln -sf "$DSQ_BUILDDIR/dsq" "$BATS_TEST_TMPDIR/bin/dsq-autopsy"
    fi
    PATH="$BATS_TEST_TMPDIR/bin:$PATH"
    export PATH
    WORK="$BATS_TEST_TMPDIR/work"
    mkdir -p "$WORK"
    cd "$WORK" || return 1
}

# The only run directory under DIR (default .): fails unless exactly one.
only_run_dir() {
    local dir="${1:-.}" found=() m
    for m in "$dir"/*/manifest.json; do
        [ -e "$m" ] && found+=("${m%/manifest.json}")
    done
    [ "${#found[@]}" -eq 1 ] || { echo "expected one run dir in $dir, found ${#found[@]}" >&2; return 1; }
    printf '%s\n' "${found[0]}"
}

# The fixtures (hand-made run directories, dSQ files) in the source tree.
FIX="${DSQ_SRCDIR:-}/tests/fixtures"

# fixture_copy NAME [DEST]: a private, writable copy of fixture NAME at DEST
# (default $WORK/NAME; the source tree may be read-only, as under distcheck);
# prints DEST.
fixture_copy() {
    local dest=${2:-$WORK/$1}
    cp -R "$FIX/$1" "$dest" || return 1
    chmod -R u+w "$dest" || return 1
    printf '%s\n' "$dest"
}

# nothing_made: no run directory anywhere under . and no batch file in it.
nothing_made() {
    [ -z "$(find . -name manifest.json)" ] || { find . >&2; return 1; }
    [ -z "$(find . -maxdepth 1 -name 'dsq-*.sh')" ] || { ls >&2; return 1; }
}

# refusing_sbatch: puts first on PATH a stand-in sbatch that refuses, as a
# cluster does for a bad partition, and touches $WORK/sbatch-called.
refusing_sbatch() {
    mkdir -p "$WORK/fakebin"
    printf '#!/bin/sh\ntouch "%s/sbatch-called"\necho "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2\nexit 1\n' "$WORK" > "$WORK/fakebin/sbatch"
    chmod +x "$WORK/fakebin/sbatch"
    PATH="$WORK/fakebin:$PATH"
}

# JSON in tests is read with jq (installed by .ci/run and the README).

# json_eq ACTUAL EXPECTED: each is one JSON value, and they are equal as
# values (jq ==): an object's key order does not matter, an array's element
# order does.  Prints both (keys sorted) when not.  Where the bytes of a
# record or the order of its fields are what is tested (dsq-records(5)),
# compare the text instead.
json_eq() {
    jq -n -e --argjson a "$1" --argjson b "$2" '$a == $b' >/dev/null 2>&1 && return 0
    echo "json_eq: got      $(jq -n -S -c --argjson v "$1" '$v' 2>/dev/null || echo "(not one JSON value) $1")" >&2
    echo "json_eq: expected $(jq -n -S -c --argjson v "$2" '$v' 2>/dev/null || echo "(not one JSON value) $2")" >&2
    return 1
}

# recs [DIR]: every status record of run directory DIR, or of the only run
# directory under DIR (default .), one per line.
recs() {
    local d=${1:-.}
    [ -e "$d/manifest.json" ] || d=$(only_run_dir "$d") || return 1
    cat "$d"/status/*.jsonl
}

# end_field LINE FIELD [DIR]: FIELD of LINE's end record(s) (recs DIR);
# nothing when there is none.
end_field() {
    recs "${3:-}" | jq -r --argjson l "$1" "select(.ev == \"end\" and .line == \$l) | .$2"
}

# start_field LINE FIELD [DIR]: the same for LINE's start record(s).
start_field() {
    recs "${3:-}" | jq -r --argjson l "$1" "select(.ev == \"start\" and .line == \$l) | .$2"
}

# started LINE... / ended LINE...: a jq test on all records (for wait_recs)
# that each LINE has a start / an end record.
started() { _has_recs start "$@"; }
ended() { _has_recs end "$@"; }
_has_recs() {
    local ev=$1 l e='true'
    shift
    for l in "$@"; do e+=" and any(.[]; .ev == \"$ev\" and .line == $l)"; done
    echo "$e"
}

# dsq_bg DSQ_ARGS...: starts dsq in the background (output to bg.out, bats'
# fd 3 closed so that bats need not wait for it); its pid in bg_pid.
dsq_bg() {
    dsq "$@" > bg.out 2>&1 3>&- &
    bg_pid=$!
}

# bg_wait [SIGNAL]: sends SIGNAL (when given) to bg_pid and waits for it; its
# exit status in bg_status.  (Not through `run`: its subshell cannot wait.)
# shellcheck disable=SC2034 # bg_status is for the tests to read
bg_wait() {
    [ -z "${1:-}" ] || kill -"$1" "$bg_pid" || return 1
    bg_status=0
    wait "$bg_pid" || bg_status=$?
}

# wait_until SECONDS CMD...: runs CMD every 0.2 s until it succeeds; after
# SECONDS fails, naming CMD.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "timed out waiting for: $*" >&2
            return 1
        fi
        sleep 0.2
    done
}

# wait_for PATH [SECONDS]: waits (default 20 s) until PATH exists.
wait_for() {
    wait_until "${2:-20}" test -e "$1"
}

# wait_recs JQ [SECONDS [DIR]]: waits (default 20 s) until `recs DIR | jq -s
# JQ` is true; on timeout shows the records (and a test cluster's queue).
wait_recs() {
    wait_until "${2:-20}" _recs_match "$1" "${3:-}" && return 0
    recs "${3:-}" >&2
    [ -z "${DSQ_TEST_CLUSTER_DIR:-}" ] || squeue >&2
    return 1
}
_recs_match() {
    recs "$2" 2>/dev/null | jq -e -s "$1" >/dev/null 2>&1
}

# fixed_slices: for files that test the runner's fixed slices (a task's own
# lines, rerun by `dsq run --task K`): the stripe layout, as the user's
# configuration would set it.  The dynamic default is tested by 0123 and
# 0136.  Call after setup_dsq; a test that writes its own configuration
# file replaces it.
fixed_slices() {
    mkdir -p "$XDG_CONFIG_HOME/dsq"
    printf 'layout: stripe\n' > "$XDG_CONFIG_HOME/dsq/config.yaml"
}
