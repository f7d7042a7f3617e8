#!/usr/bin/env bats
# --layout dynamic on a real Slurm cluster (two nodes, started by this file):
# array tasks claim lines from the run directory as their slots free up.
# 1,000 tasks claiming at once (as many as the cluster runs side by side,
# the rest cancelled as unneeded) run every line exactly once; tasks
# released late find nothing left and end at once; a node
# that dies while its task holds claims leaves those lines lost, and
# autopsy --submit reruns exactly them; a requeued task redoes its own
# unfinished claims and no others.  Dynamic is the default: 500 short lines
# run on the first tasks to start, and the first of those to find nothing
# left cancels the tasks still pending (never a held one, nor a requeued one
# that owns claims), which report calls unneeded.
#
# Every line leaves its own side effect (side.LINE: one "start" and one
# "end" row per run), so "exactly once" is checked on disk too.

load helper
load slurm-helper

setup_file() {
    cluster_setup_file 2 --cpus 16 --set OverTimeLimit=0
}

teardown_file() {
    cluster_teardown_file
}

setup() {
    setup_dsq
}

teardown() {
    [ -n "${DSQ_TEST_CLUSTER_DIR:-}" ] || return 0
    scancel --user="$(id -un)" 2>/dev/null || true
    local n p
    for n in $DSQ_TEST_NODES; do
        p=$(cat "$DSQ_TEST_CLUSTER_DIR/run/slurmd-$n.pid" 2>/dev/null) || p=''
        if [ -n "$p" ] && grep -qzxF "DSQ_SLURM_CLUSTER=$DSQ_TEST_CLUSTER_DIR" "/proc/$p/environ" 2>/dev/null; then
            continue
        fi
        cluster_start_node "$n" 30 || return 1
    done
}

# submit DSQ_ARGS...: plans and submits ./jobs.txt into ./runs; sets jid and
# rd (the run directory, absolute).
submit() {
    run dsq --job-file jobs.txt --status-dir runs --submit --layout dynamic "$@"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^[0-9]+$ ]]
    jid=${lines[0]}
    rd=$(cd "$(only_run_dir runs)" && pwd)
}

side_line() {
    printf '%s\n' "echo \"start \$DSQ_ATTEMPT \${SLURM_RESTART_COUNT:-0} \$DSQ_TASK\" >> side.\$DSQ_LINE; $1; echo \"end \$DSQ_ATTEMPT \${SLURM_RESTART_COUNT:-0}\" >> side.\$DSQ_LINE"
}

# once_each N: lines 1..N each ran exactly once (side effects and records).
once_each() {
    local l bad=0
    for l in $(seq 1 "$1"); do
        [ "$(grep -c '^start' "side.$l" 2>/dev/null)" = 1 ] && [ "$(grep -c '^end' "side.$l")" = 1 ] ||
            { echo "line $l: $(cat "side.$l" 2>/dev/null | paste -sd '|')" >&2; bad=1; }
    done
    [ "$bad" = 0 ] || return 1
    recs "$rd" | jq -e -s --argjson n "$1" 'map(select(.ev == "start")) | group_by(.line) |
        length == $n and all(length == 1)' >/dev/null
}

@test "1,000 array tasks claiming at once: every line exactly once, each in its claimer's records" {
    for i in $(seq 1 2000); do side_line "sleep 0.0$((i % 10))"; done > jobs.txt
    run timeout 300 dsq --job-file jobs.txt --status-dir runs --submit --wait --layout dynamic --tasks 1000
    echo "$output" | tail -5
    [ "$status" -eq 0 ]
    rd=$(cd "$(only_run_dir runs)" && pwd)
    once_each 2000
    # Many tasks claimed side by side (the cluster runs 32 at a time); the
    # rest found nothing left, or were cancelled as unneeded.
    nclaimers=$(ls "$rd/status" | wc -l)
    echo "# tasks that claimed: $nclaimers" >&3
    [ "$nclaimers" -ge 8 ]
    # Each record in the status file of the task that claimed its line.
    for f in "$rd"/status/a1.t*.r0.jsonl; do
        t=${f##*/a1.t}; t=${t%%.*}
        [ "$(jq -r .task "$f" | sort -u)" = "$t" ]
    done
    run dsq report "$rd" --json --lines
    [ "$(jq .states.ok <<<"$output")" = 2000 ]
    [ "$(jq .over <<<"$output")" = true ]
    # Each line's report task is the one that recorded it.
    recs "$rd" | jq -s -c 'map(select(.ev == "end")) | map([.line, .task]) | sort' > by_recs
    jq -c '[.lines[] | [.line, .task]] | sort' <<<"$output" > by_report
    cmp by_recs by_report
}

@test "staggered starts: early tasks run every line, tasks released later end at once" {
    for i in $(seq 1 24); do side_line "sleep 0.2"; done > jobs.txt
    submit --tasks 8 --parallel 2 --hold
    scontrol release "${jid}_0"
    scontrol release "${jid}_1"
    wait_recs "$(ended $(seq 1 24))" 90 "$rd"
    # Everything is claimed: the other six tasks have nothing left.
    for t in 2 3 4 5 6 7; do scontrol release "${jid}_$t"; done
    wait_job_done "$jid" 90
    once_each 24
    [ "$(ls "$rd/status" | xargs)" = "a1.t0.r0.jsonl a1.t1.r0.jsonl" ]
    for t in 2 3 4 5 6 7; do
        [ "$(job_field "${jid}_$t" JobState)" = COMPLETED ]
        grep -q "dsq: array task $t: 0 of 0 lines ok" "dsq-jobs-${jid}_$t-"*.out
    done
    run dsq report "$rd" --check
    [ "$status" -eq 0 ]
}

@test "node death while a task holds claims: its lines are lost, autopsy --submit reruns exactly them" {
    # Two tasks, one per node, two slots each: each claims two lines (it
    # claims only when a slot is free) that wait for a file made after the
    # node dies.
    for i in 1 2 3 4; do side_line 'until [ -e go ]; do sleep 0.1; done'; done > jobs.txt
    submit --tasks 2 --parallel 2 --exclusive --no-requeue
    wait_recs "$(started 1 2 3 4)" 60 "$rd"
    node=$(start_field 1 host "$rd")
    dead=$(recs "$rd" | jq -r --arg n "$node" 'select(.ev == "start" and .host == $n) | .line' | sort -n | xargs)
    [ "$(wc -w <<<"$dead")" = 2 ]
    cluster_kill_node "$node"
    touch go
    wait_job_done "$jid" 60
    j=$(dsq report "$rd" --json --lines)
    jq -c '.lines[] | [.line, .state, .slurm_state, .task]' <<<"$j"
    [ "$(jq -r '[.lines[] | select(.state == "lost") | .line] | join(" ")' <<<"$j")" = "$dead" ]
    [ "$(jq .states.ok <<<"$j")" = 2 ]
    [ "$(dsq autopsy "$rd" 2>/dev/null)" = "$(for l in $dead; do sed -n "${l}p" jobs.txt; done)" ]
    run timeout 120 dsq autopsy "$rd" --submit --wait
    echo "$output"
    [ "$status" -eq 0 ]
    json_eq "$(recs "$rd" | jq -s -c '[.[] | select(.attempt == 2 and .ev == "start") | .line] | sort')" \
        "[$(sed 's/ /,/g' <<<"$dead")]"
    # The rerun claimed in its own attempt's claims.
    [ -n "$(find "$rd/claims/a2" -name 'c[0-9]*')" ]
    run dsq report "$rd" --check
    [ "$status" -eq 0 ]
}

@test "requeue: the restarted task redoes its own unfinished claims, and a task released later runs none" {
    {
        side_line true
        side_line true
        side_line 'until [ -e go ]; do sleep 0.1; done'
        side_line true
    } > jobs.txt
    submit --tasks 2 --hold
    scontrol release "${jid}_0"
    wait_recs "$(started 3)" 60 "$rd"
    node=$(start_field 3 host "$rd")
    cluster_kill_node "$node"
    touch go
    wait_until 60 eval '[ "$(squeue -h -r -j "${jid}_0" -o %T 2>/dev/null)" = PENDING ]'
    cluster_requeue_now "$jid"
    wait_until 90 eval '[ "$(job_field "${jid}_0" JobState)" = COMPLETED ]'
    [ "$(job_field "${jid}_0" Restarts)" = 1 ]
    # Restart 1 ran line 3 (its own claim, cut by the node's death) and
    # line 4 (its own claim, or claimed next): not lines 1 and 2.
    json_eq "$(jq -s -c '[.[] | select(.ev == "start") | .line]' "$rd/status/a1.t0.r1.jsonl")" '[3,4]'
    scontrol release "${jid}_1"
    wait_job_done "$jid" 60
    [ ! -e "$rd/status/a1.t1.r0.jsonl" ]
    [ "$(cat side.1)" = $'start 1 0 0\nend 1 0' ]
    [ "$(cat side.3)" = $'start 1 0 0\nstart 1 1 0\nend 1 1' ]
    [ "$(cat side.4 | grep -c start)" = 1 ]
    run dsq report "$rd" --check
    [ "$status" -eq 0 ]
}

@test "default: 500 short lines run on the first tasks; the tasks still pending are cancelled as unneeded" {
    for i in $(seq 1 500); do side_line true; done > jobs.txt
    run timeout 300 dsq --job-file jobs.txt --status-dir runs --submit --wait
    echo "$output" | tail -5
    [ "$status" -eq 0 ]
    jid=${lines[0]}
    rd=$(cd "$(only_run_dir runs)" && pwd)
    json_eq "$(jq -c .plan "$rd/manifest.json")" \
        '{"tasks":500,"lines_per_task":1,"parallel":1,"layout":"dynamic","arrays":[{"offset":0,"count":500}]}'
    once_each 500
    # The note: the tasks cancelled, none of which ran a line.
    sort -n "$rd/claims/a1/unneeded.$jid" > unneeded
    nun=$(wc -l < unneeded)
    [ "$nun" -gt 0 ]
    ls "$rd/status" | sed 's/^a1\.t\([0-9]*\)\..*/\1/' | sort -n > ran
    [ -z "$(comm -12 <(sort ran) <(sort unneeded))" ]
    # Slurm: every task that is not among them completed; they were
    # cancelled (the array's pending record); nothing else.
    scontrol -o show job "$jid" | grep -o 'JobState=[A-Z_]*' | sort | uniq -c
    ncomp=$(scontrol -o show job "$jid" | grep -c 'JobState=COMPLETED')
    [ "$((ncomp + nun))" = 500 ]
    [ -z "$(scontrol -o show job "$jid" | grep -o 'JobState=[A-Z_]*' | grep -v -e COMPLETED -e CANCELLED)" ]
    [ "$(scontrol -o show job "$jid" | grep -c 'JobState=CANCELLED')" -ge 1 ]
    # report: every line ok (no line cancelled), the tasks unneeded.
    run dsq report "$rd" --json
    [ "$(jq .states.ok <<<"$output")" = 500 ]
    [ "$(jq .unneeded_tasks <<<"$output")" = "$nun" ]
    run dsq report "$rd"
    [[ "$output" == *"tasks:       $nun array tasks unneeded"* ]]
    run dsq report "$rd" --check
    [ "$status" -eq 0 ]
}

@test "a requeued task that owns claims is never cancelled as unneeded; a pending one without claims is" {
    {
        side_line true
        side_line 'until [ -e go ]; do sleep 0.1; done'
        side_line true
    } > jobs.txt
    # Every task waits for its begin time (pending, not held) until let go.
    submit --tasks 3 --begin=now+3600
    scontrol update JobId="${jid}_0" StartTime=now
    wait_recs "$(started 2)" 60 "$rd"
    node=$(start_field 2 host "$rd")
    cluster_kill_node "$node"
    wait_until 60 eval '[ "$(squeue -h -r -j "${jid}_0" -o %T 2>/dev/null)" = PENDING ]'
    [ "$(job_field "${jid}_0" Restarts)" = 1 ]
    # Task 1 claims what task 0 left, if anything, then finds nothing left.
    scontrol update JobId="${jid}_1" StartTime=now
    wait_until 60 eval '[ "$(job_field "${jid}_1" JobState)" = COMPLETED ]'
    [ "$(cat "$rd/claims/a1/unneeded.$jid")" = 2 ]
    [ "$(job_field "${jid}_2" JobState)" = CANCELLED ]
    [ "$(job_field "${jid}_0" JobState)" = PENDING ]
    touch go
    cluster_requeue_now "$jid"
    wait_job_done "$jid" 90
    [ "$(job_field "${jid}_0" JobState)" = COMPLETED ]
    # Line 2 ran again in task 0's restart; lines 1 and 3 ran once.
    [ "$(cat side.2)" = $'start 1 0 0\nstart 1 1 0\nend 1 1' ]
    [ "$(grep -c '^start' side.1) $(grep -c '^end' side.1)" = "1 1" ]
    [ "$(grep -c '^start' side.3) $(grep -c '^end' side.3)" = "1 1" ]
    run dsq report "$rd" --json
    [ "$(jq .states.ok <<<"$output")" = 3 ]
    [ "$(jq .unneeded_tasks <<<"$output")" = 1 ]
    run dsq report "$rd" --check
    [ "$status" -eq 0 ]
}

@test "default with -t: each task runs the lines its time was asked for, though its time left is a little short of -t" {
    # The time limit of a task is L x -t from its start: by the time the
    # runner asks, a second or two of it is gone.  Lines the limit was
    # asked for still run (as a fixed slice); none beyond them does.
    for i in $(seq 1 6); do side_line true; done > jobs.txt
    run timeout 120 dsq --job-file jobs.txt --status-dir runs --submit --wait -t 2
    echo "$output" | tail -5
    [ "$status" -eq 0 ]
    rd=$(cd "$(only_run_dir runs)" && pwd)
    once_each 6
    # One line per task: no task had the time for a second one.
    [ "$(recs "$rd" | jq -r 'select(.ev == "start") | .task' | sort | uniq -d)" = '' ]
    run dsq report "$rd" --json
    [ "$(jq .states.ok <<<"$output")" = 6 ]
}

@test "a dynamic array cancelled before any task started: its unclaimed lines are not_run, cause cancelled" {
    for i in $(seq 1 4); do side_line true; done > jobs.txt
    run dsq --job-file jobs.txt --status-dir runs --submit --hold
    [ "$status" -eq 0 ]
    jid=${lines[0]}
    rd=$(cd "$(only_run_dir runs)" && pwd)
    run dsq report "$rd" --json --lines
    [ "$(jq -c '[.lines[].state] | unique' <<<"$output")" = '["pending"]' ]
    scancel "$jid"
    wait_job_done "$jid" 60
    run dsq report "$rd" --json --lines
    [ "$(jq -c '[.lines[] | [.state, .cause]] | unique' <<<"$output")" = '[["not_run","cancelled"]]' ]
    [ -z "$(ls side.* 2>/dev/null)" ]
}
