#!/usr/bin/env bats
# The runner: `dsq run` and the --dry-run pool.  Every outcome is read back
# from the status records (jq on status/*.jsonl) or from files the lines
# wrote: states, environment, working directory, stdin, line output, long
# lines, the shell, real parallelism, signals, Slurm slices and requeues.

load helper
bats_require_minimum_version 1.5.0

setup() {
    setup_dsq
    fixed_slices
}

@test "dsq run --help prints usage to stdout and exits 0" {
    run --separate-stderr dsq run --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"Usage: dsq run --run-dir DIR"* ]]
    [[ "$output" == *"SLURM_ARRAY_TASK_ID"* ]]
    [ -z "$stderr" ]
    run dsq run -h
    [ "$status" -eq 0 ]
}

@test "dsq run: bad options are usage errors (exit 2)" {
    run --separate-stderr dsq run --run-dir x --bogus
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"unknown option '--bogus'"* ]]
    [[ "$stderr" == *"dsq run --help"* ]]
    [ -z "$output" ]
    run dsq run --run-d x --task 0
    [ "$status" -eq 2 ]
    run dsq run --task 0
    [ "$status" -eq 2 ]
    [[ "$output" == *"--run-dir is required"* ]]
    run dsq run --run-dir x --task -1
    [ "$status" -eq 2 ]
    run dsq run --run-dir x --task 0 --parallel 0
    [ "$status" -eq 2 ]
    run dsq run --run-dir x --task
    [ "$status" -eq 2 ]
    run dsq run --run-dir x extra
    [ "$status" -eq 2 ]
    # No task: neither --task nor SLURM_ARRAY_TASK_ID.
    run dsq run --run-dir x
    [ "$status" -eq 2 ]
    [[ "$output" == *"SLURM_ARRAY_TASK_ID"* ]]
    SLURM_ARRAY_TASK_ID=abc run dsq run --run-dir x
    [ "$status" -eq 2 ]
    [[ "$output" == *"SLURM_ARRAY_TASK_ID='abc'"* ]]
    # A directory that is not a run directory: input error.
    mkdir notarun
    run dsq run --run-dir notarun --task 0
    [ "$status" -eq 2 ]
    [[ "$output" == *"notarun/manifest.json"* ]]
}

@test "dry run: ok, failed and signaled lines, one start and one end record each" {
    printf '%s\n' 'true' '# a comment' '' 'exit 3' 'kill -9 $$' 'echo fine' > jobs.txt
    run dsq --job-file jobs.txt --dry-run --parallel 2
    [ "$status" -eq 1 ]
    rd=$(only_run_dir)
    # Physical line numbers: the comment and the blank line keep their place.
    json_eq "$(recs | jq -s -c '[.[] | select(.ev == "start") | .line] | sort')" '[1,4,5,6]'
    json_eq "$(recs | jq -s -c '[.[] | select(.ev == "end") | .line] | sort')" '[1,4,5,6]'
    [ "$(end_field 1 state)" = ok ]
    [ "$(end_field 1 exit)" = 0 ]
    [ "$(end_field 4 state)" = failed ]
    [ "$(end_field 4 exit)" = 3 ]
    [ "$(end_field 5 state)" = signaled ]
    [ "$(end_field 5 signal)" = 9 ]
    [ "$(end_field 5 exit)" = -1 ]
    [ "$(end_field 6 state)" = ok ]
    # Fields every end record carries, with sane values.
    recs | jq -e -s 'map(select(.ev == "end")) | all(
        (.elapsed >= 0) and (.utime >= 0) and (.stime >= 0) and (.maxrss_kb > 0) and
        (.pid > 0) and (.attempt == 1) and (.restart == 0) and (.job == "") and
        (.host | length > 0) and (.t > 1500000000) and (has("reason") | not))'
    # The start record names the same process as the end record.
    recs | jq -e -s 'group_by(.line) | all(length == 2 and .[0].pid == .[1].pid and .[0].ev == "start")'
    # Every record is one line of compact JSON: no record was torn.
    run jq -e . "$rd"/status/*.jsonl
    [ "$status" -eq 0 ]
    [ -z "$(ls -A "$rd/tmp" 2>/dev/null)" ]
}

@test "dry run where every line succeeds exits 0" {
    printf 'true\necho x\n' > jobs.txt
    run dsq --job-file jobs.txt --dry-run
    [ "$status" -eq 0 ]
    json_eq "$(recs | jq -s -c '[.[] | select(.ev == "end") | .state]')" '["ok","ok"]'
}

@test "lines see the DSQ_* environment, the submit directory and /dev/null on stdin" {
    mkdir -p sub out
    cat > jobs.txt <<'EOF'
# header comment
env | grep '^DSQ_' | sort > "out/env.$DSQ_LINE"; pwd > "out/pwd.$DSQ_LINE"

readlink /proc/self/fd/0 > "out/stdin.$DSQ_LINE"; cat > "out/cat.$DSQ_LINE"
EOF
    echo "secret input" | dsq --job-file jobs.txt --dry-run --tasks 2 --status-dir runs
    rd=$(cd "$(only_run_dir runs)" && pwd)
    [ "$(cat out/pwd.2)" = "$WORK" ]
    grep -qx 'DSQ_LINE=2' out/env.2
    grep -qx 'DSQ_TASK=0' out/env.2
    grep -qx 'DSQ_SLOT=0' out/env.2
    grep -qx 'DSQ_ATTEMPT=1' out/env.2
    grep -qx "DSQ_RUN_DIR=$rd" out/env.2
    grep -qx 'DSQ_JOB_ID=' out/env.2
    # Line 4 is the second command: task 1 of 2.
    [ "$(end_field 4 task runs)" = 1 ]
    [ "$(cat out/stdin.4)" = /dev/null ]
    [ -e out/cat.4 ]
    [ ! -s out/cat.4 ]
}

@test "lines start with default signal dispositions and nothing blocked" {
    printf '%s\n' 'grep SigBlk /proc/self/status > blk.out' 'kill -USR2 $$; sleep 1' > jobs.txt
    # As under nohup: an ignored signal would survive exec into every line.
    (trap '' USR2; dsq --job-file jobs.txt --dry-run --parallel 1 > out.txt 2>&1) || true
    [ "$(awk '{ print $2 }' blk.out)" = 0000000000000000 ]
    [ "$(end_field 2 state)" = signaled ]
    [ "$(end_field 2 signal)" = 12 ]
}

@test "dsq run runs lines in the submit directory, wherever it is started" {
    mkdir -p a b
    printf 'pwd > "$DSQ_RUN_DIR/pwd.txt"\n' > a/jobs.txt
    cd a
    run dsq --job-file jobs.txt --status-dir ../runs
    [ "$status" -eq 0 ]
    rd=$(cd "$(only_run_dir ../runs)" && pwd)
    cd ../b
    run dsq run --run-dir "$rd" --task 0
    [ "$status" -eq 0 ]
    [ "$(cat "$rd/pwd.txt")" = "$WORK/a" ]
}

@test "--line-output gives each line its own file with its stdout and stderr" {
    mkdir logs
    cat > jobs.txt <<'EOF'
printf 'out-%s\n' "$DSQ_LINE"; printf 'err-%s\n' "$DSQ_LINE" >&2
printf 'no newline \001\377'
# skipped
echo fourth
EOF
    run dsq --job-file jobs.txt --dry-run --parallel 1 \
        --line-output 'logs/%L-%a-%j-%A.%%.log'
    [ "$status" -eq 0 ]
    [ "$(cat logs/1-0-1-local.%.log)" = "$(printf 'out-1\nerr-1')" ]
    printf 'no newline \001\377' | cmp - logs/2-1-1-local.%.log
    [ "$(end_field 1 state)" = ok ]
    [ "$(end_field 2 state)" = ok ]
    # Nothing of it reached dsq's own output.
    [[ "$output" != *"out-1"* ]]
    [[ "$output" != *"err-1"* ]]

    [ "$(cat logs/4-2-1-local.%.log)" = fourth ]

    # A file that cannot be opened fails that line alone, with a reason.
    rm -rf logs ./dsq-*
    mkdir -p logs/2
    run dsq --job-file jobs.txt --dry-run --parallel 1 --line-output 'logs/%L/out'
    [ "$status" -eq 1 ]
    [ "$(end_field 1 state)" = failed ]
    [[ "$(end_field 1 reason)" == *"logs/1/out"* ]]
    [ "$(end_field 2 state)" = ok ]
    [ "$(end_field 4 state)" = failed ]
    [ "$(recs | jq -s '[.[] | select(.ev == "end")] | length')" -eq 3 ]
}

@test "a line longer than 128 KiB runs, through a temporary script that is removed" {
    {
        printf ': '
        head -c 200000 /dev/zero | tr '\0' x
        printf '; echo long-ok > long.out\n'
        printf 'echo short > short.out\n'
    } > jobs.txt
    [ "$(head -1 jobs.txt | wc -c)" -gt 131072 ]
    run dsq --job-file jobs.txt --dry-run
    [ "$status" -eq 0 ]
    [ "$(cat long.out)" = long-ok ]
    [ "$(cat short.out)" = short ]
    [ "$(end_field 1 state)" = ok ]
    rd=$(only_run_dir)
    [ -z "$(ls -A "$rd/tmp")" ]
}

@test "a long line that cannot get its script fails alone, with a reason" {
    {
        printf ': '
        head -c 200000 /dev/zero | tr '\0' x
        printf '\n'
        printf 'echo short > short.out\n'
    } > jobs.txt
    run dsq --job-file jobs.txt --status-dir runs
    [ "$status" -eq 0 ]
    rd=$(only_run_dir runs)
    touch "$rd/tmp" # a file where the directory should go
    run dsq run --run-dir "$rd" --task 0
    [ "$status" -eq 1 ]
    run dsq run --run-dir "$rd" --task 1
    [ "$status" -eq 0 ]
    [ "$(cat short.out)" = short ]
    [ "$(end_field 1 state "$rd")" = failed ]
    [[ "$(end_field 1 reason "$rd")" == *"too long"*"tmp"* ]]
    [ "$(end_field 2 state "$rd")" = ok ]
}

@test "--shell runs each line with that shell" {
    cat > myshell <<EOF
#!/bin/sh
printf '%s|' "\$@" > "$WORK/args.\$DSQ_LINE"
exec /bin/sh "\$@"
EOF
    chmod +x myshell
    printf 'echo via-shell > via.out\n' > jobs.txt
    run dsq --job-file jobs.txt --dry-run --shell "$WORK/myshell"
    [ "$status" -eq 0 ]
    [ "$(cat args.1)" = "-c|echo via-shell > via.out|" ]
    [ "$(cat via.out)" = via-shell ]

    rm -rf ./dsq-*
    printf 'echo "$BASH_VERSION" > bash.out\n' > jobs.txt
    run dsq --job-file jobs.txt --dry-run --shell /bin/bash
    [ "$status" -eq 0 ]
    [ -n "$(cat bash.out)" ]

    # A shell missing when planning is a planning error (0120); one gone by
    # the time a line runs (a rerun here, say) fails the line with 127.
    rm -rf ./dsq-*
    cp /bin/sh "$WORK/gone-sh"
    printf 'exit 3\n' > jobs.txt
    run dsq --job-file jobs.txt --dry-run --shell "$WORK/gone-sh"
    [ "$status" -eq 1 ]
    rm "$WORK/gone-sh"
    run dsq autopsy --dry-run
    [ "$status" -eq 1 ]
    [ "$(recs | jq -r 'select(.ev == "end" and .attempt == 2) | .exit')" = 127 ]
    [[ "$output" == *"cannot run $WORK/gone-sh"* ]]
}

@test "two slots really run two lines at once" {
    # Each line announces itself, then waits for the other: with one slot at
    # a time neither would ever see the other and both would fail.
    cat > jobs.txt <<'EOF'
touch started.1; for i in $(seq 200); do [ -e started.2 ] && exit 0; sleep 0.05; done; exit 1
touch started.2; for i in $(seq 200); do [ -e started.1 ] && exit 0; sleep 0.05; done; exit 1
EOF
    run dsq --job-file jobs.txt --dry-run --parallel 2
    [ "$status" -eq 0 ]
    [ "$(end_field 1 state)" = ok ]
    [ "$(end_field 2 state)" = ok ]
    # Each started before the other ended.
    recs | jq -e -s '
        (map(select(.ev == "start" and .line == 1))[0].t) as $s1 |
        (map(select(.ev == "start" and .line == 2))[0].t) as $s2 |
        (map(select(.ev == "end" and .line == 1))[0].t) as $e1 |
        (map(select(.ev == "end" and .line == 2))[0].t) as $e2 |
        $s2 < $e1 and $s1 < $e2'
}

@test "a finished line's slot is reused at once, and slots stay below W" {
    for i in $(seq 12); do echo 'echo "$DSQ_SLOT" > "slot.$DSQ_LINE"'; done > jobs.txt
    run dsq --job-file jobs.txt --dry-run --parallel 3
    [ "$status" -eq 0 ]
    [ "$(cat slot.* | wc -l)" -eq 12 ]
    [ -z "$(cat slot.* | grep -vxE '[012]')" ]
    [ "$(recs | jq -s '[.[] | select(.ev == "end" and .state == "ok")] | length')" -eq 12 ]
}

@test "SIGTERM to a dry run: interrupted records, exit 143 (128 + SIGTERM), no surviving line processes" {
    cat > jobs.txt <<'EOF'
sleep 300
trap '' TERM; sleep 300
sleep 300 & (trap '' TERM; sleep 300) & wait
echo never > never.out
EOF
    dsq_bg --job-file jobs.txt --dry-run --parallel 3 --kill-grace 1
    wait_recs "$(started 1 2 3)"
    bg_wait TERM
    [ "$bg_status" -eq 143 ]
    rd=$(only_run_dir)
    for l in 1 2 3; do
        [ "$(end_field "$l" state)" = interrupted ]
        [[ "$(end_field "$l" reason)" == *SIGTERM* ]]
    done
    # Line 1 died of the TERM, line 2 ignored it and needed the KILL; line 3
    # died of the TERM but left a background job that ignores it.
    [ "$(end_field 1 signal)" = 15 ]
    [ "$(end_field 2 signal)" = 9 ]
    # Line 4 never started: no record, and report calls it not_run.
    [ -z "$(recs | jq -r 'select(.line == 4)')" ]
    [ ! -e never.out ]
    run dsq report --json --lines "$rd"
    [ "$(echo "$output" | jq -r '.lines[] | select(.line == 4) | .state')" = not_run ]
    [ "$(echo "$output" | jq -r '.states.interrupted')" = 3 ]
    # Not one process of any line's group is left, background jobs included.
    for p in $(recs | jq -r 'select(.ev == "start") | .pid'); do
        ! pgrep -g "$p" >/dev/null || false
    done
}

@test "SIGINT (Ctrl-C) stops the pool like SIGTERM, exit 130 so a shell loop around dsq stops" {
    printf 'sleep 300\nsleep 300\n' > jobs.txt
    dsq_bg --job-file jobs.txt --dry-run --parallel 1 --kill-grace 1
    wait_recs "$(started 1)"
    bg_wait INT
    [ "$bg_status" -eq 130 ]
    [ "$(end_field 1 state)" = interrupted ]
    [[ "$(end_field 1 reason)" == *SIGINT* ]]
    [ -z "$(recs | jq -r 'select(.line == 2)')" ]
}

@test "SIGUSR1: no new line starts, the running one finishes with its own state" {
    cat > jobs.txt <<'EOF'
touch running.1; while [ ! -e go ]; do sleep 0.05; done; echo finished > done.1
echo never > never.2
echo never > never.3
EOF
    dsq_bg --job-file jobs.txt --dry-run --parallel 1
    wait_for running.1
    # The USR1 is pending (blocked) before the line can end, and the pool
    # takes pending signals before SIGCHLD: no sleep needed.
    kill -USR1 "$bg_pid"
    touch go
    bg_wait
    [ "$bg_status" -eq 1 ]
    [ "$(end_field 1 state)" = ok ]
    [ "$(cat done.1)" = finished ]
    [ ! -e never.2 ]
    [ ! -e never.3 ]
    [ "$(recs | jq -s 'length')" -eq 2 ]
    run dsq report --json --lines "$(only_run_dir)"
    [ "$(echo "$output" | jq -r '.states.not_run')" = 2 ]
}

@test "dsq run with SLURM_ARRAY_TASK_ID runs exactly its slice" {
    for i in $(seq 7); do echo "echo \$DSQ_TASK > ran.$i; echo \$DSQ_JOB_ID > job.$i"; done > jobs.txt
    run dsq --job-file jobs.txt --tasks 3 --layout stripe --status-dir runs
    [ "$status" -eq 0 ]
    rd=$(only_run_dir runs)
    SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_JOB_ID=777 run dsq run --run-dir "$rd"
    [ "$status" -eq 0 ]
    # Stripe over 3 tasks: task 1 runs commands 1, 4 (0-based), lines 2 and 5.
    [ "$(ls ran.* | sort | tr '\n' ' ')" = "ran.2 ran.5 " ]
    [ "$(cat ran.2)" = 1 ]
    [ "$(ls "$rd/status")" = a1.t1.r0.jsonl ]
    json_eq "$(jq -s -c '[.[] | select(.ev == "end") | .line]' "$rd/status/a1.t1.r0.jsonl")" '[2,5]'
    jq -e -s 'all(.job == "777_1" and .task == 1)' "$rd/status/a1.t1.r0.jsonl"
    # DSQ_JOB_ID is the array job id (dsq(1)), the records' job Slurm's name.
    [ "$(cat job.2)" = 777 ]

    # --offset: index 0 of a second array that starts at task 2.
    rm -f ran.*
    SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_JOB_ID=778 run dsq run --run-dir "$rd" --offset 2
    [ "$status" -eq 0 ]
    [ "$(ls ran.* | sort | tr '\n' ' ')" = "ran.3 ran.6 " ]
    jq -e -s 'all(.job == "778_0" and .task == 2)' "$rd/status/a1.t2.r0.jsonl"
    [ "$(cat job.3)" = 778 ]

    # --task wins over the environment; a task outside the run is an input error.
    SLURM_ARRAY_TASK_ID=1 run dsq run --run-dir "$rd" --task 9
    [ "$status" -eq 2 ]
    [[ "$output" == *"array task 9"* ]]
}

@test "block layout and --attempt name the slice and the status file" {
    for i in $(seq 6); do echo "echo \$DSQ_ATTEMPT > ran.$i"; done > jobs.txt
    run dsq --job-file jobs.txt --tasks 2 --layout block --status-dir runs
    rd=$(only_run_dir runs)
    run dsq run --run-dir "$rd" --task 1 --attempt 1
    [ "$status" -eq 0 ]
    [ "$(ls ran.* | sort | tr '\n' ' ')" = "ran.4 ran.5 ran.6 " ]
    [ "$(cat ran.4)" = 1 ]
    [ "$(ls "$rd/status")" = a1.t1.r0.jsonl ]
    # --attempt N runs attempt N's own plan (a rerun, 0080-rerun.bats): the
    # run has none yet.
    run --separate-stderr dsq run --run-dir "$rd" --task 1 --attempt 2
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"has no attempt 2"* ]]
    [ "$(ls "$rd/status")" = a1.t1.r0.jsonl ]
}

@test "a requeued task (SLURM_RESTART_COUNT) skips the lines that already ended ok" {
    printf '%s\n' 'echo a >> runs.1' 'test -e flag; r=$?; echo b >> runs.2; exit $r' 'echo c >> runs.3' > jobs.txt
    run dsq --job-file jobs.txt --tasks 1 --status-dir runs
    rd=$(only_run_dir runs)
    SLURM_ARRAY_TASK_ID=0 run dsq run --run-dir "$rd"
    [ "$status" -eq 1 ]
    touch flag
    SLURM_ARRAY_TASK_ID=0 SLURM_RESTART_COUNT=1 run dsq run --run-dir "$rd"
    [ "$status" -eq 0 ]
    [ "$(wc -l < runs.1)" -eq 1 ]
    [ "$(wc -l < runs.2)" -eq 2 ]
    [ "$(wc -l < runs.3)" -eq 1 ]
    json_eq "$(jq -s -c '[.[] | select(.ev == "end") | [.line, .state, .restart]]' "$rd/status/a1.t0.r1.jsonl")" '[[2,"ok",1]]'
}

@test "on Slurm, slots never exceed the CPUs granted" {
    for i in $(seq 6); do echo 'echo "$DSQ_SLOT" > "slot.$DSQ_LINE"; sleep 0.1'; done > jobs.txt
    run dsq --job-file jobs.txt --tasks 1 --parallel 4 --status-dir runs
    rd=$(only_run_dir runs)
    SLURM_CPUS_PER_TASK=1 run dsq run --run-dir "$rd" --task 0
    [ "$status" -eq 0 ]
    [ "$(cat slot.* | sort -u | tr -d '\n')" = 0 ]
    # Without the cap, the planned 4 slots are used.
    rm -rf "$rd/status" slot.*
    run dsq run --run-dir "$rd" --task 0
    [ "$status" -eq 0 ]
    [ "$(cat slot.* | sort -u | wc -l)" -gt 1 ]
}

@test "a job file copy changed after planning is refused, naming the file" {
    printf 'echo one > one.out\n' > jobs.txt
    run dsq --job-file jobs.txt --status-dir runs
    rd=$(only_run_dir runs)
    # Editing the user's job file changes nothing: the copy is what runs.
    printf 'echo edited > one.out\n' > jobs.txt
    run dsq run --run-dir "$rd" --task 0
    [ "$status" -eq 0 ]
    [ "$(cat one.out)" = one ]
    # Editing the copy is caught.
    printf 'echo evil > one.out\n' > "$rd/jobfile"
    run dsq run --run-dir "$rd" --task 0
    [ "$status" -eq 2 ]
    [[ "$output" == *"$rd/jobfile"*"SHA-256"* ]]
    [ "$(cat one.out)" = one ]
}

@test "status records are appended, never truncated, across runs of the same task" {
    printf 'true\n' > jobs.txt
    run dsq --job-file jobs.txt --status-dir runs
    rd=$(only_run_dir runs)
    run dsq run --run-dir "$rd" --task 0
    run dsq run --run-dir "$rd" --task 0
    [ "$(jq -s 'length' "$rd/status/a1.t0.r0.jsonl")" -eq 4 ]
}

@test "a line's peak memory is its own, not the runner's: true stays under 4 MiB in a 1,000,000-line job file" {
    # The runner holds the whole job file; Linux hands a process's
    # high-water RSS on to the programs it execs, so lines are started by
    # the small dsq-spawn helper instead (dsq(1), dsq-records(5)).
    yes true | head -n 1000000 > big.txt
    run dsq --job-file big.txt --lines-per-task 1000 --status-dir runs
    [ "$status" -eq 0 ]
    rd=$(only_run_dir runs)
    SLURM_ARRAY_TASK_ID=999 run dsq run --run-dir "$rd"
    [ "$status" -eq 0 ]
    [ "$(jq -s '[.[] | select(.ev == "end" and .state == "ok")] | length' "$rd/status/a1.t999.r0.jsonl")" -eq 1000 ]
    max=$(jq -s '[.[] | select(.ev == "end") | .maxrss_kb] | max' "$rd/status/a1.t999.r0.jsonl")
    [ "$max" -gt 0 ]
    [ "$max" -lt 4096 ]
    # Without the helper ($DSQ_SPAWN empty) the runner starts the lines
    # itself, and every line shows the runner's memory: what the helper
    # prevents.
    DSQ_SPAWN= SLURM_ARRAY_TASK_ID=998 run dsq run --run-dir "$rd"
    [ "$status" -eq 0 ]
    min=$(jq -s '[.[] | select(.ev == "end") | .maxrss_kb] | min' "$rd/status/a1.t998.r0.jsonl")
    [ "$min" -gt 16384 ]
}

@test "a helper that cannot be started is said once; the runner starts the lines itself" {
    printf 'echo one > one.out\nexit 4\n' > jobs.txt
    DSQ_SPAWN=$WORK/no-such-helper run dsq --job-file jobs.txt --dry-run --status-dir runs
    [ "$status" -eq 1 ]
    [ "$(grep -c 'dsq: warning:' <<<"$output")" -eq 1 ]
    [[ "$output" == *"cannot start $WORK/no-such-helper (No such file or directory): lines are started by the runner"* ]]
    [ "$(cat one.out)" = one ]
    rd=$(only_run_dir runs)
    json_eq "$(jq -s -c '[.[] | select(.ev == "end") | [.line, .state, .exit]] | sort' "$rd"/status/*.jsonl)" '[[1,"ok",0],[2,"failed",4]]'
}

@test "the line helper killed mid-run: the runner says so, records the lines it ran, and exits" {
    printf 'sleep 300\nsleep 300\nsleep 300\n' > jobs.txt
    dsq --job-file jobs.txt --dry-run --parallel 2 --kill-grace 1 --status-dir runs > out.txt 2>&1 &
    dsq_pid=$!
    wait_recs "$(started 1 2)" 30 runs
    helper=$(ps -o ppid= -p "$(start_field 1 pid runs)" | tr -d ' ')
    [ "$helper" != "$dsq_pid" ]
    [ "$(ps -o comm= -p "$helper")" = dsq-spawn ]
    kill -KILL "$helper"
    rc=0
    wait "$dsq_pid" || rc=$?
    [ "$rc" -eq 3 ]
    grep -q 'line helper (dsq-spawn) died' out.txt
    rd=$(only_run_dir runs)
    # Both running lines end interrupted (stopped by the runner), the third
    # never started; no process of theirs is left.
    json_eq "$(jq -s -c '[.[] | select(.ev == "end") | [.line, .state]] | sort' "$rd"/status/*.jsonl)" '[[1,"interrupted"],[2,"interrupted"]]'
    for l in 1 2; do ! kill -0 -- "-$(start_field "$l" pid runs)" 2>/dev/null; done
}
