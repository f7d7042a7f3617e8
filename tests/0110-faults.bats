#!/usr/bin/env bats
# The promise, on a real Slurm cluster (slurm-wlm 22.05 + munge, two nodes in
# network namespaces, started by this file): every line of the job file is
# accounted for whatever happens to the cluster, and a rerun finishes the job
# without running a finished line again.  scancel mid-run, a real time limit
# (with the runner's USR1 drain), a node killed under a --no-requeue array
# and its rerun (autopsy --submit), a node killed under a requeued task, and
# a thousand array tasks writing records at once.
#
# Every line leaves its own side effect (side.LINE: one "start" and one
# "end" row per run of the line), so "ran exactly once" is checked on disk,
# not only in the records.  Every wait is bounded.

load helper
load slurm-helper

setup_file() {
    # 16 CPUs a node: the 1,000-task test starts array tasks only as fast as
    # slots free up.  OverTimeLimit=0: the time limit is the time limit.
    cluster_setup_file 2 --cpus 16 --set OverTimeLimit=0
}

teardown_file() {
    cluster_teardown_file
}

setup() {
    setup_dsq
    # A number no other process on this machine sleeps: the lines' long
    # sleeps are found by it (and must be gone after the job).
    LONG="777.$$"
}

teardown() {
    [ -n "${DSQ_TEST_CLUSTER_DIR:-}" ] || return 0
    # A failed test leaves neither jobs nor a dead node to the next one.
    scancel --user="$(id -un)" 2>/dev/null || true
    revive_nodes
}

# revive_nodes: starts again (and waits for) every node whose slurmd a test
# killed.
revive_nodes() {
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
    run dsq --job-file jobs.txt --status-dir runs --submit "$@"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^[0-9]+$ ]]
    jid=${lines[0]}
    rd=$(cd "$(only_run_dir runs)" && pwd)
}

# long_procs: pids (not zombies) of processes anywhere on this machine (the
# nodes share its pid space) running a line's `sleep $LONG`.
long_procs() {
    local f p cmd st
    for f in /proc/[0-9]*/cmdline; do
        p=${f#/proc/}
        p=${p%/cmdline}
        cmd=$(tr '\0' ' ' 2>/dev/null < "$f") || continue
        [[ "$cmd" == *"sleep $LONG"* ]] || continue
        st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)
        [ -n "$st" ] && [ "$st" != Z ] && echo "$p"
    done
    return 0
}

# no_long_procs [TIMEOUT]: waits (default 10 s) until no line process is left.
no_long_procs() {
    local p
    wait_until "${1:-10}" eval '[ -z "$(long_procs)" ]' && return 0
    echo "line processes survive the job:" >&2
    for p in $(long_procs); do ps -o pid,pgid,stat,args -p "$p" >&2; done
    return 1
}

# gone PID: neither PID nor any member of its process group is alive.
gone() {
    kill -0 "$1" 2>/dev/null && { echo "pid $1 is alive" >&2; return 1; }
    pgrep -g "$1" >/dev/null && { echo "group $1 is alive" >&2; return 1; }
    return 0
}

# in_netns PID: the node (cK) whose network namespace holds PID, if any.
in_netns() {
    local k=0 ns n
    for ns in $DSQ_TEST_NETNS; do
        k=$((k + 1))
        n=$(echo "$DSQ_TEST_NODES" | cut -d' ' -f"$k")
        ip netns pids "$ns" 2>/dev/null | grep -qx "$1" && { echo "$n"; return 0; }
    done
    return 1
}

# The report of the run as JSON, lines included.
report_json() {
    dsq report "$rd" --json --lines
}

# The side effect of line L: one "start A" and one "end A" row per run.
side_line() {
    printf '%s\n' "echo \"start \$DSQ_ATTEMPT \${SLURM_RESTART_COUNT:-0}\" >> side.\$DSQ_LINE; $1; echo \"end \$DSQ_ATTEMPT \${SLURM_RESTART_COUNT:-0}\" >> side.\$DSQ_LINE"
}

@test "scancel mid-run: running lines interrupted, the rest not_run, no line process survives" {
    {
        echo '# scancel: two array tasks of three lines, one line at a time'
        side_line true
        side_line "sleep $LONG"
        echo 'echo never >> never.out'
        side_line true
        # This one ignores the TERM: the runner's KILL after the grace ends it.
        side_line "trap '' TERM; sleep $LONG"
        echo 'echo never >> never.out'
    } > jobs.txt
    submit --lines-per-task 3 --layout block --kill-grace 2
    wait_recs "$(started 3 6)" 60 "$rd"
    # Both long lines run, on the cluster's nodes.
    [ "$(long_procs | wc -l)" -ge 2 ]
    for p in $(long_procs); do in_netns "$p" >/dev/null; done
    scancel "$jid"
    wait_job_done "$jid" 60
    no_long_procs 10
    # Every line accounted for: 6 command lines, 6 states.
    j=$(report_json)
    echo "$j" | jq -c .states
    [ "$(jq -r .total <<<"$j")" = 6 ]
    [ "$(jq -r '.commands' "$rd/manifest.json")" = 6 ]
    json_eq "$(jq -c '.states | [.ok, .interrupted, .not_run]' <<<"$j")" '[2,2,2]'
    [ "$(jq '[.states[]] | add' <<<"$j")" = 6 ]
    [ "$(jq -r .over <<<"$j")" = true ]
    json_eq "$(jq -c '[.lines[] | [.line, .state]]' <<<"$j")" \
        '[[2,"ok"],[3,"interrupted"],[4,"not_run"],[5,"ok"],[6,"interrupted"],[7,"not_run"]]'
    [ "$(jq -r '[.lines[] | select(.state == "interrupted") | .slurm_state] | unique | join(" ")' <<<"$j")" = CANCELLED ]
    # Why: cancelled, for the lines stopped (line 6 by the KILL too) and
    # for those never started.
    json_eq "$(jq -c '[.lines[] | [.line, .cause]]' <<<"$j")" \
        '[[2,null],[3,"cancelled"],[4,"cancelled"],[5,null],[6,"cancelled"],[7,"cancelled"]]'
    # The records say why: the runner's SIGTERM; line 6 needed the KILL.
    [ "$(end_field 3 reason "$rd")" = "runner received SIGTERM" ]
    [ "$(end_field 6 signal "$rd")" = 9 ]
    # Lines 4 and 7 never started: no record, no side effect.
    [ -z "$(recs "$rd" | jq -r 'select(.line == 4 or .line == 7)')" ]
    [ ! -e never.out ]
    [ "$(cat side.2)" = $'start 1 0\nend 1 0' ]
    [ "$(cat side.3)" = 'start 1 0' ]
    # The pids in the start records (process group leaders) are gone, and so
    # is every member of their groups.
    for p in $(recs "$rd" | jq -r 'select(.ev == "start") | .pid'); do
        gone "$p"
    done
    for k in 0 1; do [ "$(job_field "${jid}_$k" JobState)" = CANCELLED ]; done
    run dsq autopsy "$rd"
    [ "$status" -eq 0 ]
    [ "$(dsq autopsy "$rd" 2>/dev/null)" = "$(sed -n '3p;4p;6p;7p' jobs.txt)" ]
}

@test "time limit: USR1 drains the task, running lines are interrupted, later ones not_run" {
    # One array task, two lines at a time, 30 s a line: Slurm's limit is
    # ceil(4 / 2) x 30 s = 1 minute.  slurmctld checks limits and warnings
    # every 30 s, so USR1 (55 s before the end) comes 5-35 s in, the limit
    # 60-90 s in.  Slot 1 holds line 1 past the limit; slot 2 runs line 2,
    # then line 3 until ~47 s: after the USR1, so line 4 must never start.
    {
        echo "sleep $LONG"
        side_line 'sleep 1'
        side_line 'sleep 45'
        echo 'echo never > never.out'
    } > jobs.txt
    printf 'signal-lead: 55\n' > lead.yaml
    DSQ_CONFIG=$PWD/lead.yaml submit -t 0:30 --parallel 2 --lines-per-task 4 --kill-grace 2
    grep -qx '#SBATCH --time=00:01:00' "$rd"/*.sh
    grep -qx '#SBATCH --signal=B:USR1@55' "$rd"/*.sh
    wait_job_done "$jid" 150
    no_long_procs 10
    [ "$(job_field "${jid}_0" JobState)" = TIMEOUT ]
    j=$(report_json)
    echo "$j" | jq -c '.lines[] | [.line, .state, .slurm_state]'
    json_eq "$(jq -c '[.lines[] | [.line, .state]]' <<<"$j")" \
        '[[1,"interrupted"],[2,"ok"],[3,"ok"],[4,"not_run"]]'
    [ "$(jq -r '.lines[0].slurm_state' <<<"$j")" = TIMEOUT ]
    [ "$(jq '[.states[]] | add' <<<"$j")" = 4 ]
    json_eq "$(jq -c '[.lines[] | [.line, .cause]]' <<<"$j")" \
        '[[1,"time_limit"],[2,null],[3,null],[4,"time_limit"]]'
    run dsq report "$rd"
    [[ "$output" == *"time limit (interrupted, Slurm: TIMEOUT): 1 line (1)"* ]]
    [[ "$output" == *"time limit (not_run, Slurm: TIMEOUT): 1 line (4)"* ]]
    # The drain, in the records: line 3's slot fell free well before the
    # limit, and no line started after that.
    e3=$(end_field 3 t "$rd")
    e1=$(end_field 1 t "$rd")
    s1=$(start_field 1 t "$rd")
    last_start=$(recs "$rd" | jq -s 'map(select(.ev == "start") | .t) | max')
    awk -v a="$last_start" -v b="$e3" 'BEGIN { exit !(a < b) }'
    awk -v e1="$e1" -v e3="$e3" 'BEGIN { exit !(e1 - e3 >= 10) }'
    awk -v e1="$e1" -v s1="$s1" 'BEGIN { exit !(e1 - s1 >= 59) }'
    [ "$(end_field 1 reason "$rd")" = "runner received SIGTERM" ]
    [ -z "$(recs "$rd" | jq -r 'select(.line == 4)')" ]
    [ ! -e never.out ]
    [ "$(dsq autopsy "$rd" 2>/dev/null)" = "$(sed -n '1p;4p' jobs.txt)" ]
}

@test "node death under --no-requeue: its lines are lost, autopsy --submit reruns exactly them" {
    # Two array tasks, one per node (--exclusive): task 0 runs lines 1-2 and
    # ends; task 1 runs lines 3-4, which wait for a file that appears only
    # after their node is dead.
    {
        side_line 'sleep 1'
        side_line 'sleep 1'
        side_line 'until [ -e go ]; do sleep 0.1; done'
        side_line 'until [ -e go ]; do sleep 0.1; done'
    } > jobs.txt
    submit --lines-per-task 2 --layout block --parallel 2 --exclusive --no-requeue
    wait_recs "$(started 1 2 3 4)"' and ([.[] | select(.ev == "end")] | length) == 2' 60 "$rd"
    node=$(start_field 3 host "$rd")
    [ "$node" != "$(start_field 1 host "$rd")" ]
    task=$(start_field 3 job "$rd")
    cluster_kill_node "$node"
    # Not running forever: lost as soon as Slurm says the task is over.
    wait_job_done "$jid" 60
    [ "$(job_field "$task" JobState)" = NODE_FAIL ]
    j=$(report_json)
    echo "$j" | jq -c '.lines[] | [.line, .state, .slurm_state]'
    json_eq "$(jq -c '[.lines[] | [.line, .state, .slurm_state]]' <<<"$j")" \
        '[[1,"ok",null],[2,"ok",null],[3,"lost","NODE_FAIL"],[4,"lost","NODE_FAIL"]]'
    [ "$(jq -r .over <<<"$j")" = true ]
    json_eq "$(jq -c '[.lines[] | .cause]' <<<"$j")" '[null,null,"node_failure","node_failure"]'
    run dsq report "$rd"
    [[ "$output" == *"node failure (lost, Slurm: NODE_FAIL): 2 lines (3, 4)"* ]]
    [ "$(dsq autopsy "$rd" 2>/dev/null)" = "$(sed -n '3p;4p' jobs.txt)" ]
    # The rerun: attempt 2 in the same run directory, on the node left.
    touch go
    run timeout 120 dsq autopsy "$rd" --submit --wait
    echo "$output"
    [ "$status" -eq 0 ]
    j=$(report_json)
    echo "$j" | jq -c '.lines[] | [.line, .state, .attempt]'
    [ "$(jq -c '.states.ok' <<<"$j")" = 4 ]
    [ "$(jq '[.states[]] | add' <<<"$j")" = 4 ]
    # Exactly the lost lines ran again, once each.
    json_eq "$(recs "$rd" | jq -s -c '[.[] | select(.attempt == 2 and .ev == "start") | .line] | sort')" '[3,4]'
    json_eq "$(recs "$rd" | jq -s -c '[.[] | select(.attempt == 2 and .ev == "end" and .state == "ok") | .line] | sort')" '[3,4]'
    # Side effects: the lines that ended ok ran once; the lost ones were cut
    # after their start and completed by the rerun.
    [ "$(cat side.1)" = $'start 1 0\nend 1 0' ]
    [ "$(cat side.2)" = $'start 1 0\nend 1 0' ]
    [ "$(cat side.3)" = $'start 1 0\nstart 2 0\nend 2 0' ]
    [ "$(cat side.4)" = $'start 1 0\nstart 2 0\nend 2 0' ]
    [ -z "$(dsq autopsy "$rd" 2>/dev/null)" ]
}

@test "node death under requeue: the requeued task skips its ok lines and runs the rest" {
    # One array task of four lines, one at a time; line 3 waits for a file
    # that appears only after its node is dead.
    {
        side_line true
        side_line true
        side_line 'until [ -e go ]; do sleep 0.1; done'
        side_line true
    } > jobs.txt
    submit --lines-per-task 4
    wait_recs "$(started 3)" 60 "$rd"
    node=$(start_field 3 host "$rd")
    cluster_kill_node "$node"
    touch go
    # Slurm requeues the task (held back by its BeginTime): still pending,
    # so line 3 is pending again, not lost, and line 4 is pending.
    wait_until 60 eval '[ "$(squeue -h -r -j "$jid" -o %T 2>/dev/null)" = PENDING ]'
    j=$(report_json)
    json_eq "$(jq -c '[.lines[] | .state]' <<<"$j")" '["ok","ok","pending","pending"]'
    cluster_requeue_now "$jid"
    wait_job_done "$jid" 60
    [ "$(job_field "${jid}_0" JobState)" = COMPLETED ]
    [ "$(job_field "${jid}_0" Restarts)" = 1 ]
    # Both incarnations keep their records: r0 (lines 1, 2 ended, 3 cut
    # short) and r1 (lines 3 and 4 only).
    [ -s "$rd/status/a1.t0.r0.jsonl" ]
    [ -s "$rd/status/a1.t0.r1.jsonl" ]
    json_eq "$(jq -s -c '[.[] | [.line, .ev]]' "$rd/status/a1.t0.r0.jsonl")" \
        '[[1,"start"],[1,"end"],[2,"start"],[2,"end"],[3,"start"]]'
    json_eq "$(jq -s -c '[.[] | select(.ev == "end") | [.line, .state, .restart]]' "$rd/status/a1.t0.r1.jsonl")" \
        '[[3,"ok",1],[4,"ok",1]]'
    json_eq "$(jq -s -c '[.[] | select(.ev == "start") | .line]' "$rd/status/a1.t0.r1.jsonl")" '[3,4]'
    [ "$(jq -r .host "$rd/status/a1.t0.r1.jsonl" | sort -u)" != "$node" ]
    j=$(report_json)
    json_eq "$(jq -c '[.lines[] | .state]' <<<"$j")" '["ok","ok","ok","ok"]'
    run dsq report "$rd" --check
    [ "$status" -eq 0 ]
    # Each line's side effect happened once; line 3 was cut and rerun.
    [ "$(cat side.1)" = $'start 1 0\nend 1 0' ]
    [ "$(cat side.2)" = $'start 1 0\nend 1 0' ]
    [ "$(cat side.3)" = $'start 1 0\nstart 1 1\nend 1 1' ]
    [ "$(cat side.4)" = $'start 1 1\nend 1 1' ]
}

@test "a requeued task waiting in the queue: its cut and unstarted lines are pending, the run not over; cancelled, over" {
    {
        side_line true
        side_line 'until [ -e go ]; do sleep 0.1; done'
        side_line true
    } > jobs.txt
    submit --lines-per-task 3 --requeue --kill-grace 2
    wait_recs "$(started 2)" 60 "$rd"
    # Requeued and held (an admin's requeuehold, or preemption's requeue):
    # the runner is stopped, line 2 cut short, and the task waits again.
    scontrol requeuehold "${jid}_0"
    wait_recs "$(ended 2)" 60 "$rd"
    wait_until 60 eval '[ "$(squeue -h -r -j "$jid" -o %T 2>/dev/null)" = PENDING ]'
    [ "$(end_field 2 state "$rd")" = interrupted ]
    j=$(report_json)
    json_eq "$(jq -c '[.lines[] | .state]' <<<"$j")" '["ok","pending","pending"]'
    [ "$(jq -r .over <<<"$j")" = false ]
    # Cancelled instead of released: over, and the cut line's end stands.
    scancel "$jid"
    wait_job_done "$jid" 60
    j=$(report_json)
    json_eq "$(jq -c '[.lines[] | .state]' <<<"$j")" '["ok","interrupted","not_run"]'
    [ "$(jq -r .over <<<"$j")" = true ]
    [ "$(cat side.1)" = $'start 1 0\nend 1 0' ]
    [ ! -e side.3 ]
}

@test "1,000 array tasks write their records at once: every file parses, 2,000 records" {
    seq 1 1000 | sed 's/^/echo line /' > jobs.txt
    # Fixed slices (stripe): every task has a line, so all 1,000 write.
    run timeout 240 dsq --job-file jobs.txt --status-dir runs --submit --wait --lines-per-task 1 \
        --layout stripe
    echo "$output"
    rd=$(cd "$(only_run_dir runs)" && pwd)
    jid=$(jq -r '.job_ids[0]' "$rd/manifest.json")
    [ "$(jq -r '.plan.tasks' "$rd/manifest.json")" = 1000 ]
    [ "$(jq -r '.job_ids | length' "$rd/manifest.json")" = 1 ]
    # Lines Slurm lost at launch (see cluster_launch_losses) are rerun;
    # any other line that is not ok fails the test.
    missed=$(cluster_settle_launch_losses "$rd" "$status")
    # One file per task that ran, each whole: every record is a line of JSON.
    [ "$(find "$rd/status" -name 'a1.*.jsonl' | wc -l)" = $((1000 - $(grep -c . <<<"$missed" || :))) ]
    run jq -e -c . "$rd"/status/*.jsonl
    [ "$status" -eq 0 ]
    [ "$(cat "$rd"/status/*.jsonl | wc -l)" = 2000 ]
    [ "$(recs "$rd" | jq -s length)" = 2000 ]
    # One start and one end per line, each pair from one process; the first
    # attempt's from the task each line was planned for.
    recs "$rd" | jq -e -s 'group_by(.line) | length == 1000 and all(
        length == 2 and (map(.ev) | sort) == ["end", "start"] and .[0].pid == .[1].pid and
        (.[0].attempt > 1 or .[0].task == .[0].line - 1))'
    run dsq report "$rd" --json
    [ "$(jq -c .states.ok <<<"$output")" = 1000 ]
    [ "$(jq '[.states[]] | add' <<<"$output")" = 1000 ]
}
