#!/usr/bin/env bats
# Retries in the task and array-wide fail-fast on a real Slurm cluster (one
# node, one cluster for the file): every try on the record of the array task
# that ran it, what Slurm then says of the tasks, a cancelled line never
# retried, and --max-failures halting lines across several array tasks that
# run at once.  Every wait is bounded.  The --dry-run side is 0035.

load helper
load slurm-helper
bats_require_minimum_version 1.5.0

setup_file() {
    cluster_setup_file 1 --cpus 8
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
}

# submit DSQ_ARGS...: plans and submits ./jobs.txt into ./runs; sets jid and
# rd (absolute).
submit() {
    run dsq --job-file jobs.txt --status-dir runs --submit "$@"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^[0-9]+$ ]]
    jid=${lines[0]}
    rd=$(cd "$(only_run_dir runs)" && pwd)
}

@test "--retries 2 on Slurm: a flaky line ends ok after 2 tries, one that always fails after 3" {
    {
        # Fails on its first try, succeeds on its second (a counter file).
        echo 'n=$(cat count.1 2>/dev/null || echo 0); echo $((n + 1)) > count.1; [ "$n" -ge 1 ]'
        echo 'echo "$DSQ_TRY $SLURM_ARRAY_TASK_ID" >> tries.2; exit 5'
        echo 'echo fine'
    } > jobs.txt
    # Fixed slices (stripe): line K runs in task K-1, as checked below.
    submit --retries 2 -t 5 --layout stripe
    wait_job_done "$jid" 120
    [ "$(cat count.1)" = 2 ]
    # Three tries of line 2, all in its own array task (task 1).
    [ "$(paste -sd' ' tries.2)" = '1 1 2 1 3 1' ]
    [ "$(recs "$rd" | jq -c 'select(.line == 1) | [.ev, .try, .state, .job]' | paste -sd' ')" = \
        "[\"start\",1,null,\"${jid}_0\"] [\"end\",1,\"failed\",\"${jid}_0\"] [\"start\",2,null,\"${jid}_0\"] [\"end\",2,\"ok\",\"${jid}_0\"]" ]
    [ "$(end_field 2 try "$rd" | paste -sd' ')" = '1 2 3' ]
    run --separate-stderr dsq report "$rd" --json --lines
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '[.lines[] | [.line, .state, .exit, .tries, .cause]]' <<<"$output")" \
        '[[1,"ok",0,2,null],[2,"failed",5,3,"exit"],[3,"ok",0,1,null]]'
    [ "$(jq .retried <<<"$output")" = 2 ]
    # Slurm sees the last try: the flaky line's task completed, the other
    # failed.
    [ "$(job_field "${jid}_0" JobState)" = COMPLETED ]
    [ "$(job_field "${jid}_1" JobState)" = FAILED ]
    [ "$(job_field "${jid}_1" ExitCode)" = 1:0 ]
    # The batch script runs the attempt the manifest describes, retries
    # included.
    jq -e '.attempts[0].retries == 2' "$rd/manifest.json"
}

@test "--retry-on 3 on Slurm: exit 3 is retried, exit 4 is not" {
    printf '%s\n' 'echo x >> t.1; exit 3' 'echo x >> t.2; exit 4' > jobs.txt
    submit --retries 2 --retry-on 3 -t 5
    wait_job_done "$jid" 120
    [ "$(wc -l < t.1) $(wc -l < t.2)" = '3 1' ]
    run --separate-stderr dsq report "$rd" --json --lines
    json_eq "$(jq -c '[.lines[] | [.line, .state, .exit, .tries]]' <<<"$output")" \
        '[[1,"failed",3,3],[2,"failed",4,1]]'
}

@test "a line killed because its task was cancelled is not retried" {
    printf '%s\n' "echo x >> t.1; sleep $LONG" > jobs.txt
    submit --retries 3 --kill-grace 2 -t 5
    wait_recs "$(started 1)" 60 "$rd"
    scancel "$jid"
    wait_job_done "$jid" 60
    [ "$(wc -l < t.1)" -eq 1 ]
    [ "$(recs "$rd" | jq -c 'select(.line == 1) | [.ev, .try, .state]' | paste -sd' ')" = \
        '["start",1,null] ["end",1,"interrupted"]' ]
    run --separate-stderr dsq report "$rd" --json --lines
    json_eq "$(jq -c '.lines[0] | [.state, .tries, .cause]' <<<"$output")" '["interrupted",1,"cancelled"]'
}

@test "--max-failures 3 across 4 array tasks at once: about 3 failures, the rest not_run (halted)" {
    # 4 tasks of 3 lines, one line at a time each, all running together: by
    # the third failure at most the 3 other tasks' lines are still running,
    # so 3 to 6 lines fail and at least 6 never start.
    for i in $(seq 1 12); do echo "echo $i >> ran; sleep 2; exit 1"; done > jobs.txt
    submit --lines-per-task 3 --parallel 1 --max-failures 3 -t 5
    wait_job_done "$jid" 120
    run --separate-stderr dsq report "$rd" --json --lines
    [ "$status" -eq 0 ]
    j=$output
    echo "$j" | jq -c '.states, .halted'
    failed=$(jq .states.failed <<<"$j")
    [ "$failed" -ge 3 ] && [ "$failed" -le 6 ]
    [ "$(jq '.states.not_run' <<<"$j")" -eq $((12 - failed)) ]
    [ "$(wc -l < ran)" -eq "$failed" ]
    json_eq "$(jq -c '[.lines[] | select(.state == "not_run") | .cause] | unique' <<<"$j")" '["halted"]'
    json_eq "$(jq -c '[.halted[] | .attempt, .max_failures, (.lines | length)]' <<<"$j")" '[1,3,3]'
    # The markers name three of the failed lines; the failures came from
    # more than one array task.
    for k in 1 2 3; do
        l=$(cat "$rd/halt/1/$k")
        [ "$(jq -r --argjson l "$l" '.lines[] | select(.line == $l) | .state' <<<"$j")" = failed ]
    done
    [ ! -e "$rd/halt/1/4" ]
    [ "$(recs "$rd" | jq -r 'select(.ev == "end") | .task' | sort -u | wc -l)" -ge 2 ]
    # Every task ran (and was told); none of them started a line after the
    # halt: each task's lines that never started are those after its last.
    for k in 0 1 2 3; do [ "$(job_field "${jid}_$k" JobState)" = FAILED ]; done
    run dsq report "$rd"
    [[ "$output" == *"halted:      attempt 1 stopped starting lines after 3 failures (--max-failures):"* ]]
}
