#!/usr/bin/env bats
# Slurm's end states after slurmctld has forgotten the job: report asks the
# accounting database (slurmdbd, MariaDB) then, and shows what it showed
# while slurmctld knew the job.  One cluster for the file: one node with
# --accounting and --memory-limits, MinJobAge=10 (slurmctld forgets a job
# about 10-15 s after its end), OverTimeLimit=0; a plain cluster (no
# accounting) for the one test that needs it.  Every wait is bounded.

load helper
load slurm-helper

setup_file() {
    cluster_setup_file 1 --cpus 4 --accounting --memory-limits \
        --set MinJobAge=10 --set OverTimeLimit=0
}

teardown_file() {
    cluster_teardown_file
}

setup() {
    setup_dsq
    LONG="778.$$"
}

teardown() {
    [ -n "${DSQ_TEST_CLUSTER_DIR:-}" ] || return 0
    scancel --user="$(id -un)" 2>/dev/null || true
    if [ -n "${other:-}" ]; then
        "$SLURM_CLUSTER" stop "$other/plain"
        rm -rf "$other"
    fi
}

# plan_submit DIR JOBFILE DSQ_ARGS...: submits JOBFILE into DIR/runs; prints
# the job id.
plan_submit() {
    local d=$1 f=$2 out
    shift 2
    out=$(cd "$d" && dsq --job-file "$f" --status-dir runs --submit "$@") || return 1
    head -n 1 <<<"$out"
}

# lines_of JID RUNS: what report --json --lines says of each line, in short.
lines_of() {
    dsq report --status-dir "$2" "$1" --json --lines 2>/dev/null |
        jq -c '[.lines[] | [.line, .state, .exit, .signal, .slurm_state]]'
}

# known JID: slurmctld still knows the job.
known() { scontrol show job "$1" >/dev/null 2>&1; }

# forgotten JID...: waits (60 s at most) until slurmctld knows none of them.
forgotten() {
    local j
    for j in "$@"; do
        wait_until 60 eval "! known $j" || return 1
    done
}

@test "accounting: TIMEOUT and CANCELLED survive slurmctld forgetting the jobs; sacct agrees" {
    mkdir a b
    # a: line 2 outlives its 1-minute limit (slurmctld checks every 30 s).
    printf 'true\nsleep %s\n' "$LONG" > a/jobs.txt
    # b: one task at a time; line 1 is cancelled running, line 2 never starts.
    printf 'sleep %s\nsleep %s\n' "$LONG" "$LONG" > b/jobs.txt
    # Fixed slices (stripe): sacct's states per task are checked below.
    ja=$(plan_submit a jobs.txt -t 1 --layout stripe)
    jb=$(plan_submit b jobs.txt --max-jobs 1 --layout stripe)
    wait_recs "$(started 1)" 30 b/runs
    scancel "$jb"
    # While slurmctld knows each (checked after the report: it answered).
    wait_job_done "$jb" 60
    before_b=$(lines_of "$jb" b/runs)
    known "$jb"
    wait_job_done "$ja" 150
    before_a=$(lines_of "$ja" a/runs)
    known "$ja"
    echo "a: $before_a"
    echo "b: $before_b"
    json_eq "$(jq -c '[.[] | [.[0], .[1], .[4]]]' <<<"$before_a")" \
        '[[1,"ok",null],[2,"interrupted","TIMEOUT"]]'
    json_eq "$(jq -c '[.[] | [.[0], .[1], .[4]]]' <<<"$before_b")" \
        '[[1,"interrupted","CANCELLED"],[2,"not_run","CANCELLED"]]'
    forgotten "$ja" "$jb"
    after_a=$(lines_of "$ja" a/runs)
    after_b=$(lines_of "$jb" b/runs)
    json_eq "$after_a" "$before_a"
    json_eq "$after_b" "$before_b"
    # No word about a forgotten job: the database answered.
    run dsq report --status-dir b/runs "$jb"
    [ "$status" -eq 0 ]
    [[ "$output" != *"no longer knows"* ]]
    [[ "$output" == *"CANCELLED"* ]]
    # sacct says the same of the array tasks.
    [ "$(sacct -n -X -P -j "$ja" -o JobID,State | sort | tr '\n' ' ')" = \
      "${ja}_0|COMPLETED ${ja}_1|TIMEOUT " ]
    [ "$(sacct -n -X -P -j "$jb" -o JobID,State | sed 's/ by [0-9]*//' | sort | tr '\n' ' ')" = \
      "${jb}_0|CANCELLED ${jb}_1|CANCELLED " ]
    [ "$(jq -r .cluster a/runs/*/manifest.json)" = "$DSQ_TEST_CLUSTER_NAME" ]
}

@test "accounting: a line over --mem is OUT_OF_MEMORY, before and after slurmctld forgets" {
    # tail holds its whole input (no newline) in memory: 300 MiB at --mem 50M.
    printf 'head -c 300M /dev/zero | tail > /dev/null\ntrue\n' > jobs.txt
    jid=$(plan_submit . jobs.txt --mem 50M --layout stripe) # line 1 in task 0
    wait_job_done "$jid" 60
    before=$(lines_of "$jid" runs)
    known "$jid"
    echo "$before"
    [ "$(job_field "${jid}_0" JobState)" = OUT_OF_MEMORY ]
    json_eq "$(jq -c '[.[] | [.[0], .[4]]]' <<<"$before")" '[[1,"OUT_OF_MEMORY"],[2,null]]'
    [ "$(jq -r '.[0][1]' <<<"$before")" != ok ]
    forgotten "$jid"
    json_eq "$(lines_of "$jid" runs)" "$before"
    [ "$(sacct -n -X -P -j "${jid}_0" -o State)" = OUT_OF_MEMORY ]
}

@test "accounting: a finished task slurmctld forgot while its sibling still runs keeps its end state" {
    # Task 0 is over memory and ends at once; task 1 runs on.  slurmctld
    # forgets task 0 MinJobAge after its end, while task 1 still runs (only
    # the array's own record stays): report asks the database for it.
    printf 'head -c 300M /dev/zero | tail > /dev/null\nsleep %s\n' "$LONG" > jobs.txt
    jid=$(plan_submit . jobs.txt --mem 50M --layout stripe)
    wait_recs "$(ended 1) and $(started 2)" 60 runs
    wait_until 60 eval "[ \"\$(job_field ${jid}_0 JobState)\" = OUT_OF_MEMORY ]"
    before=$(lines_of "$jid" runs)
    echo "$before"
    json_eq "$(jq -c '[.[] | [.[0], .[1], .[4]]]' <<<"$before")" \
        '[[1,"failed","OUT_OF_MEMORY"],[2,"running",null]]'
    # Gone from slurmctld, while the array (task 1) is still there.
    wait_until 90 eval "! scontrol show job ${jid}_0 2>/dev/null | grep -q 'ArrayTaskId=0 '"
    scontrol show job "${jid}_1" | grep -q 'JobState=RUNNING'
    after=$(lines_of "$jid" runs)
    echo "$after"
    json_eq "$after" "$before"
    [ "$(dsq report --status-dir runs "$jid" --json --lines | jq -r '.lines[0].cause')" = out_of_memory ]
    scancel "$jid"
}

@test "accounting: without an accounting database, report says once that Slurm no longer knows the job" {
    other=$(mktemp -d /tmp/dsqc.XXXXXX)
    "$SLURM_CLUSTER" start "$other/plain" --set MinJobAge=5
    (
        . "$other/plain/env"
        printf 'exit 3\ntrue\n' > jobs.txt
        jid=$(plan_submit . jobs.txt)
        wait_job_done "$jid" 60
        before=$(lines_of "$jid" runs)
        known "$jid"
        [ "$(dsq report --status-dir runs "$jid" 2>&1 | grep -c 'no longer knows')" -eq 0 ]
        forgotten "$jid"
        dsq report --status-dir runs "$jid" --json --lines > out.json 2> err.txt
        cat err.txt
        [ "$(grep -c "Slurm no longer knows job $jid: " err.txt)" -eq 1 ]
        grep -q 'keeps no accounting database' err.txt
        # What the records prove stays.
        json_eq "$(jq -c '[.lines[] | [.line, .state, .exit, .signal, .slurm_state]]' out.json)" \
            "$before"
        json_eq "$before" '[[1,"failed",3,null,null],[2,"ok",0,null,null]]'
        [ "$(jq -r .over out.json)" = true ]
    )
    "$SLURM_CLUSTER" stop "$other/plain"
    rm -rf "$other"
    other=
}
