#!/usr/bin/env bats
# Escalating reruns and automatic reruns on a real cluster that enforces
# --mem (slurm-cluster --memory-limits) and keeps accounting: a line over its
# memory is rerun with twice the memory, a line over its time limit with
# twice the time (seen in scontrol and sacct), ok lines never again, and
# every line's side effect happens once, to completion.  --auto-rerun does it
# without the user; nothing runs when the first attempt was all ok, nor after
# scancel.  One cluster for the file; every wait is bounded.

load helper
load slurm-helper
bats_require_minimum_version 1.5.0

setup_file() {
    # MaxMemPerNode 100M: what escalation may ask at most.
    cluster_setup_file 1 --accounting --memory-limits --set OverTimeLimit=0 \
        --set 'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE MaxMemPerNode=100 State=UP'
}

teardown_file() {
    cluster_teardown_file
}

setup() {
    setup_dsq
    # USR1 shortly before the end only: a one-minute task keeps its line.
    printf 'signal-lead: 5\n' > "$BATS_TEST_TMPDIR/lead.yaml"
    export DSQ_CONFIG="$BATS_TEST_TMPDIR/lead.yaml"
}

teardown() {
    [ -n "${DSQ_TEST_CLUSTER_DIR:-}" ] || return 0
    scancel --user="$(id -un)" 2>/dev/null || true
}

# The memory a line over NM of memory holds: `tail` keeps its whole input
# (no newline).
mem_line() {
    echo "head -c ${1}M /dev/zero | tail > /dev/null && echo mem >> $PWD/side.txt"
}

# The memory job JID asked for, as the accounting database has it: mem= of
# its ReqTRES (sacct, the array's first record; ReqMem itself can read "16?"
# for a job submitted from inside another), once slurmdbd has the job.
req_mem() {
    local m='' tries=0
    while [ -z "$m" ] && [ "$tries" -lt 50 ]; do
        m=$(sacct -n -X -P -j "$1" -o ReqTRES | head -n 1 | tr ',' '\n' | sed -n 's/^mem=//p')
        [ -n "$m" ] || sleep 0.2
        tries=$((tries + 1))
    done
    echo "$m"
}

# "LINE:ATTEMPT" of every end record of run $1, sorted.
ends_by_attempt() {
    recs "$1" | jq -r 'select(.ev == "end") | "\(.line):\(.attempt)"' | sort | paste -sd' '
}

# Until Slurm has no job of this user left, at most $1 seconds.
wait_queue_empty() {
    wait_until "$1" eval '[ -z "$(squeue -h -u "$(id -un)" -o %i)" ]' || {
        squeue -u "$(id -un)" -o '%i %j %T %R' >&2
        return 1
    }
}

@test "usage: --escalate and --auto-rerun need a rerun, a factor above 1, no --mem or --time beside" {
    run dsq autopsy --escalate
    [ "$status" -eq 2 ]
    [[ "$output" == *"--escalate reruns the lines: give --submit or --dry-run too"* ]]
    run dsq autopsy --submit --escalate=1
    [ "$status" -eq 2 ]
    [[ "$output" == *"FACTOR must be a number above 1"* ]]
    run dsq autopsy --submit --escalate --mem 1G
    [ "$status" -eq 2 ]
    [[ "$output" == *"--escalate chooses each line's --mem itself"* ]]
    run dsq autopsy --dry-run --auto-rerun 2
    [ "$status" -eq 2 ]
    [[ "$output" == *"--auto-rerun submits reruns: give --submit too"* ]]
    echo true > jobs.txt
    run dsq --job-file jobs.txt --auto-rerun 2
    [ "$status" -eq 2 ]
    [[ "$output" == *"--auto-rerun submits reruns: give --submit too"* ]]
    run dsq --job-file jobs.txt --submit --wait --auto-rerun 2
    [ "$status" -eq 2 ]
    nothing_made
}

@test "autopsy --submit --escalate: twice the memory for the line out of it, twice the time for the timed-out one, ok lines never again" {
    {
        mem_line 60
        echo "sleep 95 && echo time >> $PWD/side.txt"
        echo "echo ok >> $PWD/side.txt"
    } > jobs.txt
    run dsq --job-file jobs.txt --status-dir runs --submit --mem 50M -t 1 --lines-per-task 1
    echo "$output"
    [ "$status" -eq 0 ]
    rd=$(cd "$(only_run_dir runs)" && pwd)
    jid=$(jq -r '.job_ids[0]' "$rd/manifest.json")
    wait_job_done "$jid" 150
    run --separate-stderr dsq report "$rd" --json --lines
    json_eq "$(jq -c '[.lines[] | [.line, .cause]]' <<<"$output")" \
        '[[1,"out_of_memory"],[2,"time_limit"],[3,null]]'

    # The plan, and nothing made.
    run dsq autopsy "$rd" --dry-run --escalate
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"partition $DSQ_TEST_PARTITION: MaxMemPerNode 100M, MaxTime none"* ]]
    [[ "$output" == *"line 1 (out_of_memory): --mem 50M -> --mem 100M"* ]]
    [[ "$output" == *"line 2 (time_limit): --time 00:01:00 -> --time 00:02:00"* ]]
    [[ "$output" == *"2 lines would be rerun; nothing was run (--dry-run)"* ]]
    [ "$(jq '.attempts | length' "$rd/manifest.json")" = 1 ]

    run dsq autopsy "$rd" --submit --escalate
    echo "$output"
    [ "$status" -eq 0 ]
    # One attempt, one array per set of resources, each of its own.
    [ "$(jq '.attempts | length' "$rd/manifest.json")" = 2 ]
    a2=$(jq -c '.attempts[1]' "$rd/manifest.json")
    json_eq "$(jq -c '[.plan.arrays[] | [.offset, .indices, .per_line.mem_mib, .per_line.time_s]]' <<<"$a2")" \
        '[[0,"0",100,60],[1,"0",50,120]]'
    j1=$(jq -r '.job_ids[0]' <<<"$a2")
    j2=$(jq -r '.job_ids[1]' <<<"$a2")
    [ "$(job_field "$j1" MinMemoryNode)" = 100M ]
    [ "$(job_field "$j1" TimeLimit)" = 00:01:00 ]
    [ "$(job_field "$j2" MinMemoryNode)" = 50M ]
    [ "$(job_field "$j2" TimeLimit)" = 00:02:00 ]
    wait_job_done "$j1" 60
    wait_job_done "$j2" 160
    [ "$(req_mem "$j1")" = 100M ]
    [ "$(req_mem "$j2")" = 50M ]
    run --separate-stderr dsq report "$rd" --json --lines
    echo "$output"
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '[.lines[] | [.line, .state]]' <<<"$output")" '[[1,"ok"],[2,"ok"],[3,"ok"]]'
    # What was asked, as the line that ran asked it.
    [ "$(jq '.resources.mem.asked_mib' <<<"$output")" = 100 ]
    # Lines 1 and 2 ran twice, the ok line once; every side effect happened
    # once.
    [ "$(ends_by_attempt "$rd")" = "1:1 1:2 2:1 2:2 3:1" ]
    [ "$(sort side.txt | paste -sd' ')" = "mem ok time" ]
}

@test "--auto-rerun 2: a line that needs over twice its memory ends ok with no one running anything, capped by the partition" {
    {
        mem_line 60
        echo "echo ok >> $PWD/side.txt"
    } > jobs.txt
    run dsq --job-file jobs.txt --status-dir runs --submit --mem 30M -t 5 --lines-per-task 1 \
        --auto-rerun 2
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"automatic rerun: job "*" starts once attempt 1 is over (up to 2 more attempts)"* ]]
    rd=$(cd "$(only_run_dir runs)" && pwd)
    run dsq report "$rd"
    [[ "$output" == *"auto-rerun:"*"pending"* ]]
    wait_queue_empty 150
    cat "$rd"/attempts/*.follow-up.out
    for j in $(jq -r '.attempts[].job_ids[]' "$rd/manifest.json"); do
        sacct -n -X -P -j "$j" -o JobID,ReqMem,ReqTRES,State
    done
    [ "$(jq '.attempts | length' "$rd/manifest.json")" = 3 ]
    json_eq "$(jq -c '[.attempts[] | .follow_up.remaining]' "$rd/manifest.json")" '[2,1,null]'
    [ "$(job_field "$(jq -r '.attempts[1].job_ids[0]' "$rd/manifest.json")" MinMemoryNode)" = 60M ]
    [ "$(job_field "$(jq -r '.attempts[2].job_ids[0]' "$rd/manifest.json")" MinMemoryNode)" = 100M ]
    [ "$(req_mem "$(jq -r '.attempts[1].job_ids[0]' "$rd/manifest.json")")" = 60M ]
    # 60M x 2 is above the partition's MaxMemPerNode: its limit.
    [ "$(req_mem "$(jq -r '.attempts[2].job_ids[0]' "$rd/manifest.json")")" = 100M ]
    grep -F -- "line 1 (out_of_memory): --mem 60M -> --mem 100M (the partition's limit)" \
        "$rd/attempts/2.follow-up.out"
    run --separate-stderr dsq report "$rd" --json --lines
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '[.lines[] | [.line, .state]]' <<<"$output")" '[[1,"ok"],[2,"ok"]]'
    [ "$(ends_by_attempt "$rd")" = "1:1 1:2 1:3 2:1" ]
    [ "$(jq -c '.auto_rerun' <<<"$output")" = null ]
    [ "$(sort side.txt | paste -sd' ')" = "mem ok" ]
}

@test "--auto-rerun after an all-ok attempt, or after scancel: nothing more is submitted" {
    echo "echo ok >> $PWD/side.txt" > jobs.txt
    run dsq --job-file jobs.txt --status-dir ok --submit --mem 50M -t 5 --auto-rerun 2
    [ "$status" -eq 0 ]
    rd=$(cd "$(only_run_dir ok)" && pwd)
    fu=$(jq -r '.attempts[0].follow_up.job_id' "$rd/manifest.json")
    wait_queue_empty 60
    [ "$(sacct -n -X -P -j "$fu" -o State | head -n 1)" = COMPLETED ]
    [ "$(jq '.attempts | length' "$rd/manifest.json")" = 1 ]
    grep -q "nothing to rerun" "$rd/attempts/1.follow-up.out"
    [ "$(cat side.txt)" = ok ]

    # scancel of the array: the follow-up finds its lines cancelled.
    echo "sleep 300" > long.txt
    run dsq --job-file long.txt --status-dir long --submit --mem 50M -t 5 --auto-rerun 2
    [ "$status" -eq 0 ]
    rd=$(cd "$(only_run_dir long)" && pwd)
    jid=$(jq -r '.attempts[0].job_ids[0]' "$rd/manifest.json")
    wait_until 30 eval '[ "$(squeue -h -j "$jid" -o %T)" = RUNNING ]'
    scancel "$jid"
    wait_queue_empty 60
    [ "$(jq '.attempts | length' "$rd/manifest.json")" = 1 ]
    grep -q "nothing to do: the attempt was cancelled" "$rd/attempts/1.follow-up.out"

    # Only an exit failure: the program's; a rerun would end alike.
    echo "exit 3" > exit.txt
    run dsq --job-file exit.txt --status-dir exit --submit --mem 50M -t 5 --auto-rerun 2
    [ "$status" -eq 0 ]
    rd=$(cd "$(only_run_dir exit)" && pwd)
    wait_queue_empty 60
    [ "$(jq '.attempts | length' "$rd/manifest.json")" = 1 ]
    grep -q "nothing to do: only failures that a rerun would repeat are left" \
        "$rd/attempts/1.follow-up.out"
}
