#!/usr/bin/env bats
# 0123-dynamic: --layout dynamic without a cluster.  Array tasks claim lines
# from the run directory at run time (claims/a1/): many `dsq run` at once
# run every line exactly once, a late task ends at once with nothing to do,
# a requeued task reruns its own claims that did not end ok and no others,
# a task never starts a line whose -t would pass its end, and report tells
# claimed lines without records (lost) from lines never claimed (not_run).

load helper
bats_require_minimum_version 1.5.0

setup() {
    setup_dsq
    unset SLURM_CONF SLURM_JOB_END_TIME SLURM_JOB_START_TIME
}

# starts_per_line DIR: "line count" for every line with a start record.
starts_per_line() {
    cat "$1"/status/*.jsonl | jq -r 'select(.ev == "start") | .line' | sort -n | uniq -c |
        awk '{print $2, $1}'
}

@test "--dry-run --layout dynamic runs every line once, spread over the tasks, and report says ok" {
    seq 1 60 | sed 's/^/echo line /' > jobs.txt
    run dsq --job-file jobs.txt --dry-run --layout dynamic --status-dir st --parallel 3
    [ "$status" -eq 0 ]
    d=$(only_run_dir st)
    [ "$(jq -r .plan.layout "$d/manifest.json")" = dynamic ]
    [ "$(starts_per_line "$d" | awk '$2 == 1' | wc -l)" -eq 60 ]
    [ "$(starts_per_line "$d" | awk '$2 != 1' | wc -l)" -eq 0 ]
    # Claimed in chunks that grow for such short lines: fewer claims than lines.
    n=$(find "$d/claims/a1" -name 'c[0-9]*' | wc -l)
    [ "$n" -gt 1 ] && [ "$n" -lt 60 ]
    run dsq report "$d" --json --lines
    [ "$status" -eq 0 ]
    [ "$(jq .states.ok <<<"$output")" -eq 60 ]
    # Each line's task is the one whose records hold it.
    [ "$(jq '[.lines[] | select(.task == null)] | length' <<<"$output")" -eq 0 ]
}

@test "many dsq run at once on one dynamic run: every line exactly once; a late task ends at once" {
    seq 1 300 | sed 's/^/echo line; sleep 0.0$((RANDOM % 5))/' > jobs.txt
    run dsq --job-file jobs.txt --layout dynamic --status-dir st --tasks 40
    [ "$status" -eq 0 ]
    d=$(only_run_dir st)
    pids=()
    for k in $(seq 0 39); do
        dsq run --run-dir "$d" --task "$k" > "out.$k" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    [ "$(starts_per_line "$d" | awk '$2 == 1' | wc -l)" -eq 300 ]
    [ "$(starts_per_line "$d" | awk '$2 != 1' | wc -l)" -eq 0 ]
    # The records of a line are in the status file of the task that claimed it.
    for f in "$d"/status/a1.t*.r0.jsonl; do
        t=${f##*/a1.t}; t=${t%%.*}
        [ "$(jq -r .task "$f" | sort -u)" = "$t" ]
    done
    # A task that starts after every line is claimed has nothing to do.
    run dsq run --run-dir "$d" --task 39
    [ "$status" -eq 0 ]
    [[ "$output" == *"0 of 0 lines ok"* ]]
    run dsq report "$d" --json
    [ "$(jq .states.ok <<<"$output")" -eq 300 ]
}

@test "a requeued dynamic task reruns its own claims that did not end ok, and no others" {
    # Lines 1-4 fail the first time they run, then succeed.
    for i in 1 2 3 4 5 6 7 8; do
        if [ "$i" -le 4 ]; then
            echo "test -e seen.$i || { touch seen.$i; exit 1; }"
        else
            echo "echo ok $i"
        fi
    done > jobs.txt
    run dsq --job-file jobs.txt --layout dynamic --status-dir st --tasks 2
    d=$(only_run_dir st)
    run dsq run --run-dir "$d" --task 0
    [ "$status" -eq 1 ]
    [[ "$output" == *"4 of 8 lines ok"* ]]
    # Restart 1 of task 0: the four failed lines again, nothing new.
    SLURM_RESTART_COUNT=1 run dsq run --run-dir "$d" --task 0
    [ "$status" -eq 0 ]
    [[ "$output" == *"8 of 8 lines ok"* ]]
    [ "$(jq -r 'select(.ev == "start") | .line' "$d/status/a1.t0.r1.jsonl" | sort -n | xargs)" = "1 2 3 4" ]
    # Task 1 found nothing to claim.
    run dsq run --run-dir "$d" --task 1
    [ "$status" -eq 0 ]
    [ ! -e "$d/status/a1.t1.r0.jsonl" ]
    run dsq report "$d" --check
    [ "$status" -eq 0 ]
}

@test "a dynamic task with less time left than -t starts no line; a task with time runs them" {
    printf 'echo one\necho two\necho three\n' > jobs.txt
    run dsq --job-file jobs.txt --layout dynamic --status-dir st -t 1:00 --tasks 2
    [ "$status" -eq 0 ]
    d=$(only_run_dir st)
    now=$(date +%s)
    SLURM_JOB_END_TIME=$((now + 30)) run dsq run --run-dir "$d" --task 0
    [ "$status" -eq 0 ]
    [[ "$output" == *"0 of 0 lines ok"* ]]
    [ -z "$(find "$d/claims" -name 'c[0-9]*')" ]
    SLURM_JOB_END_TIME=$((now + 3600)) run dsq run --run-dir "$d" --task 1
    [ "$status" -eq 0 ]
    [[ "$output" == *"3 of 3 lines ok"* ]]
    [ "$(jq -r .task "$d"/status/*.jsonl | sort -u)" = 1 ]
}

@test "a dynamic task given the time asked for its share runs that share, however little is left; no line beyond" {
    printf 'echo one\necho two\necho three\n' > jobs.txt
    run dsq --job-file jobs.txt --layout dynamic --status-dir st -t 1:00 --tasks 2
    [ "$status" -eq 0 ]
    d=$(only_run_dir st)
    # Task 0's share is 2 lines (2 minutes asked); it started 100 s ago
    # with those 2 minutes, so 20 s are left: its 2 lines run, not a third.
    now=$(date +%s)
    SLURM_JOB_START_TIME=$((now - 100)) SLURM_JOB_END_TIME=$((now + 20)) \
        run dsq run --run-dir "$d" --task 0
    [ "$status" -eq 0 ]
    [[ "$output" == *"2 of 2 lines ok"* ]]
    # Given less than its share's time, it is strict again: nothing starts.
    run dsq --job-file jobs.txt --layout dynamic --status-dir st2 -t 1:00 --tasks 2
    d2=$(only_run_dir st2)
    SLURM_JOB_START_TIME=$((now - 10)) SLURM_JOB_END_TIME=$((now + 50)) \
        run dsq run --run-dir "$d2" --task 0
    [ "$status" -eq 0 ]
    [[ "$output" == *"0 of 0 lines ok"* ]]
    SLURM_JOB_END_TIME=$((now + 3600)) run dsq run --run-dir "$d" --task 1
    [[ "$output" == *"1 of 1 lines ok"* ]]
    run dsq report "$d" --check
    [ "$status" -eq 0 ]
}

@test "report: a claimed line never started is not_run with its task named, as an unclaimed one; autopsy lists both" {
    printf 'echo one\necho two\necho three\n' > jobs.txt
    run dsq --job-file jobs.txt --layout dynamic --status-dir st --tasks 3
    d=$(only_run_dir st)
    # Task 2 claimed line 2 (position 1) and died before it started it.
    mkdir -p "$d/claims/a1"
    printf '2 1 0\n' > "$d/claims/a1/c1"
    run dsq report "$d" --json --lines
    [ "$(jq -r '.lines[] | "\(.line) \(.state) \(.task)"' <<<"$output" | xargs)" = \
      "1 not_run null 2 not_run 2 3 not_run null" ]
    run --separate-stderr dsq autopsy "$d"
    [ "$output" = $'echo one\necho two\necho three' ]
}

@test "--layout accepts dynamic and names it in errors; the config key too" {
    printf 'echo one\n' > jobs.txt
    run dsq --job-file jobs.txt --layout diagonal --status-dir st
    [ "$status" -eq 2 ]
    [[ "$output" == *"must be stripe, block or dynamic"* ]]
    mkdir -p xdg/dsq
    printf 'layout: dynamic\n' > xdg/dsq/config.yaml
    XDG_CONFIG_HOME=$PWD/xdg run dsq --job-file jobs.txt --status-dir st
    [ "$status" -eq 0 ]
    [ "$(jq -r .plan.layout "$(only_run_dir st)/manifest.json")" = dynamic ]
}
