# bats helpers for test files that need a real Slurm cluster (tests/slurm-cluster).
#
#   load slurm-helper
#   setup_file()    { cluster_setup_file 2; }     # nodes c1 c2; 1: this host
#   teardown_file() { cluster_teardown_file; }
#
# cluster_setup_file starts a throwaway cluster in a short directory under
# /tmp and exports what its clients need (SLURM_CONF, DSQ_TEST_CLUSTER_DIR,
# DSQ_TEST_NODES, DSQ_TEST_NETNS, ...: see tests/slurm-cluster).  On a machine
# that cannot run one (not root, no slurm-wlm/munge, no namespaces) the file
# is skipped, except under CI=true, where that is a failure.
# DSQ_TEST_KEEP_CLUSTER=1 keeps the cluster's directory (logs) after the file.

SLURM_CLUSTER="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/slurm-cluster"

# cluster_setup_file [N [start options...]]: for setup_file.
cluster_setup_file() {
    local nodes=${1:-1} why
    [ $# -gt 0 ] && shift
    if ! why=$("$SLURM_CLUSTER" check 2>&1); then
        if [ "${CI:-}" = true ]; then
            echo "CI: this machine cannot run the test Slurm cluster:" >&2
            echo "$why" >&2
            return 1
        fi
        DSQ_TEST_CLUSTER_SKIP="no Slurm test cluster here: $(echo "$why" | sed 's/^slurm-cluster: //' | paste -sd ' ' -)"
        export DSQ_TEST_CLUSTER_SKIP
        # bats 1.8 (Debian 12) cannot skip from setup_file: each test skips
        # itself (see the end of this file); newer bats can.
        declare -F bats_test_begin >/dev/null || skip "$DSQ_TEST_CLUSTER_SKIP"
        return 0
    fi
    unset DSQ_TEST_CLUSTER_SKIP
    DSQ_TEST_CLUSTER_DIR=$(mktemp -d /tmp/dsqc.XXXXXX) || return 1
    export DSQ_TEST_CLUSTER_DIR
    "$SLURM_CLUSTER" start "$DSQ_TEST_CLUSTER_DIR" --nodes "$nodes" "$@" || return 1
    # shellcheck disable=SC1091
    . "$DSQ_TEST_CLUSTER_DIR/env"
}

# cluster_teardown_file: for teardown_file; stops the cluster (also after a
# failed start or failed tests) and fails if anything of it is left.
cluster_teardown_file() {
    local dir=${DSQ_TEST_CLUSTER_DIR:-} rc=0 left
    [ -n "$dir" ] || return 0
    "$SLURM_CLUSTER" stop "$dir" || rc=1
    left=$(cluster_leftovers "$dir")
    if [ -n "$left" ]; then
        echo "cluster $dir left behind: $left" >&2
        rc=1
    fi
    if [ "${DSQ_TEST_KEEP_CLUSTER:-}" = 1 ]; then
        echo "# cluster directory kept: $dir" >&3
    else
        rm -rf -- "$dir"
    fi
    return "$rc"
}

# cluster_procs [DIR]: pids (not zombies) of daemons of the cluster in DIR
# (their environment holds DSQ_SLURM_CLUSTER=DIR).
cluster_procs() {
    local dir=${1:-$DSQ_TEST_CLUSTER_DIR} f p st
    for f in /proc/[0-9]*/environ; do
        p=${f#/proc/}
        p=${p%/environ}
        grep -qzxF "DSQ_SLURM_CLUSTER=$dir" "$f" 2>/dev/null || continue
        st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)
        [ -n "$st" ] && [ "$st" != Z ] && echo "$p"
    done
}

# cluster_leftovers [DIR]: what of that cluster still exists (processes,
# network namespaces, bridge), one word each; nothing when it is all gone.
cluster_leftovers() {
    local dir=${1:-$DSQ_TEST_CLUSTER_DIR} p ns v netns='' bridge=''
    if [ -r "$dir/cluster.state" ]; then
        # shellcheck disable=SC1091,SC2153
        netns=$(. "$dir/cluster.state" && echo "$NETNS")
        # shellcheck disable=SC1091,SC2153
        bridge=$(. "$dir/cluster.state" && echo "$BRIDGE")
    fi
    for p in $(cluster_procs "$dir"); do printf 'pid:%s(%s) ' "$p" "$(cat "/proc/$p/comm" 2>/dev/null)"; done
    for ns in $netns; do [ -e "/var/run/netns/$ns" ] && printf 'netns:%s ' "$ns"; done
    for v in $bridge; do ip link show "$v" >/dev/null 2>&1 && printf 'link:%s ' "$v"; done
    return 0
}

# wait_job_done JOBID [TIMEOUT]: waits (default 120 s) until the job and all
# its array tasks have left the queue or finished (no task pending, running,
# completing, ...).  Fails, showing the queue, on timeout.  A requeued task
# waits for its BeginTime (Slurm 22.05 holds a requeued batch job back
# 120 s): see cluster_requeue_now.
wait_job_done() {
    local jid=$1 timeout=${2:-120} deadline out err
    deadline=$((SECONDS + timeout))
    while :; do
        err=$(mktemp)
        if out=$(squeue -h -j "$jid" -o '%i %T' 2>"$err"); then
            [ -z "$out" ] && { rm -f "$err"; return 0; }
        elif grep -qi 'invalid job id' "$err"; then
            rm -f "$err"
            return 0
        fi
        rm -f "$err"
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "job $jid not done after ${timeout}s:" >&2
            squeue -j "$jid" -o '%i %T %R' >&2 2>&1
            return 1
        fi
        sleep 0.2
    done
}

# job_field JOBID FIELD: the value of FIELD in `scontrol show job -o JOBID`
# (the first record: name a task JOBID_K for that task's; values may hold
# spaces, e.g. Comment).  Fails if the job or the field is unknown.
job_field() {
    local jid=$1 field=$2 line
    line=$(scontrol show job -o "$jid" 2>/dev/null | head -n 1)
    [ -n "$line" ] || { echo "job_field: no job $jid" >&2; return 1; }
    awk -v f="$field" '{
        s = " " $0
        i = index(s, " " f "=")
        if (!i) exit 1
        s = substr(s, i + length(f) + 2)
        # the value ends where the next " Key=" starts
        if (match(s, / [A-Za-z][A-Za-z0-9_:\/]*=/)) s = substr(s, 1, RSTART - 1)
        sub(/ +$/, "", s)
        print s
    }' <<<"$line" || { echo "job_field: no field $field in job $jid" >&2; return 1; }
}

# cluster_kill_node NODE: kills everything on that node (slurmd, slurmstepd,
# the job's processes) and marks it DOWN at once, so that its jobs are
# requeued now instead of after SlurmdTimeout (~15-20 s).
cluster_kill_node() {
    local pids
    pids=$("$SLURM_CLUSTER" node-pids "$DSQ_TEST_CLUSTER_DIR" "$1") || return 1
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null
    scontrol update NodeName="$1" State=DOWN Reason=killed-by-test
}

# cluster_start_node NODE [TIMEOUT]: starts that node's slurmd again and waits
# (default 30 s) until the node is idle.  Slurm 22.05 sends the jobs that were
# killed with the node a late REQUEST_TERMINATE_JOB about 1 s after the node
# comes back, and since a requeued task keeps its job id, that would kill the
# task's rerun had it just started there: so the node comes back drained,
# stays so for 3 s, and only then is resumed.
cluster_start_node() {
    local node=$1 timeout=${2:-30} deadline st
    deadline=$((SECONDS + timeout))
    scontrol update NodeName="$node" State=DRAIN Reason=restarting-by-test || return 1
    "$SLURM_CLUSTER" start-node "$DSQ_TEST_CLUSTER_DIR" "$node" || return 1
    until st=$(sinfo -h -n "$node" -o %T 2>/dev/null) && [ "$st" = drained ]; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "node $node not back after ${timeout}s: $st" >&2; return 1; }
        sleep 0.2
    done
    sleep 3
    scontrol update NodeName="$node" State=RESUME || return 1
    until [ "$(sinfo -h -n "$node" -o %T 2>/dev/null)" = idle ]; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "node $node not idle after ${timeout}s" >&2; return 1; }
        sleep 0.2
    done
}

# cluster_requeue_now JOBID: lets the requeued (BeginTime-delayed) tasks of
# the job start now.
cluster_requeue_now() {
    local t rc=0
    for t in $(squeue -h -r -j "$1" -t PD -o %i 2>/dev/null); do
        scontrol update JobId="$t" StartTime=now || rc=1
    done
    return "$rc"
}

# Slurm 22.05 itself now and then loses an array task at launch: slurmd
# takes the new step's socket for a vestigial one and purges its batch script
# before slurmstepd execs it ("execve(): .../slurm_script: No such file or
# directory" in its log; the task ends FAILED and dsq never runs), about one
# task in a few thousand here.  Such a line has no record and must be
# not_run -- accounted for -- and a rerun of exactly those lines finishes the
# job.  That is what users get from dsq, so tests that submit hundreds of
# tasks accept exactly that case, and nothing else.
#
# cluster_launch_losses RUN_DIR: prints the lines of the run that are not ok,
# one per line; fails unless each is such a launch loss (not_run, no record,
# its array task FAILED with that execve error in a slurmd log).
cluster_launch_losses() {
    local rd=$1 line state task jid idx raw lines
    lines=$(dsq report "$rd" --json --lines |
        jq -r '.lines[] | select(.state != "ok") | "\(.line) \(.state) \(.task)"') || return 1
    while read -r line state task; do
        [ -n "$line" ] || continue
        echo "line $line: $state (task $task)" >&2
        [ "$state" = not_run ] || return 1
        [ -z "$(cat "$rd"/status/*.jsonl 2>/dev/null |
            jq -r --argjson l "$line" 'select(.line == $l)')" ] || return 1
        # The task's array (split arrays: each its own job id) and index in it.
        read -r jid idx < <(jq -r --argjson t "$task" '[.plan.arrays, .job_ids] | transpose |
            map(select(.[0].offset <= $t and $t < .[0].offset + .[0].count))[0] |
            "\(.[1]) \($t - .[0].offset)"' "$rd/manifest.json") || return 1
        raw=$(job_field "${jid}_$idx" JobId) || return 1
        [ "$(job_field "${jid}_$idx" JobState)" = FAILED ] || return 1
        grep -q "\[$raw\.batch\] error: execve(): .*/slurm_script: No such file or directory" \
            "$DSQ_TEST_CLUSTER_DIR"/log/slurmd-*.log || return 1
        echo "$line"
    done <<<"$lines"
}

# cluster_settle_launch_losses RUN_DIR STATUS: STATUS is the exit status of
# the `dsq ... --submit --wait` that made the run.  With no launch loss it
# must be 0; with some (see above) it must be 1, and `dsq autopsy RUN_DIR
# --submit --wait` must then finish the job.  Prints the lost lines.
cluster_settle_launch_losses() {
    local rd=$1 st=$2 lost out
    lost=$(cluster_launch_losses "$rd") || return 1
    if [ -z "$lost" ]; then
        [ "$st" -eq 0 ]
        return
    fi
    [ "$st" -eq 1 ] || { echo "a launch loss, but dsq --wait exited $st, not 1" >&2; return 1; }
    echo "# Slurm lost $(grep -c . <<<"$lost") task(s) at launch (lines $(paste -sd ' ' - <<<"$lost")); rerunning them" >&3
    out=$(timeout 120 dsq autopsy "$rd" --submit --wait 2>&1) || { echo "$out" >&2; return 1; }
    echo "$lost"
}

# When setup_file found that this machine cannot run a cluster, every test of
# the file is skipped before its setup runs: bats 1.8's bats_test_begin (which
# calls setup) is wrapped so that setup is a skip.
if [ -n "${DSQ_TEST_CLUSTER_SKIP:-}" ] && [ -n "${BATS_TEST_NAME:-}" ] &&
   declare -F bats_test_begin >/dev/null; then
    eval "_dsq_orig_$(declare -f bats_test_begin)"
    bats_test_begin() {
        # shellcheck disable=SC2317
        setup() { skip "$DSQ_TEST_CLUSTER_SKIP"; }
        _dsq_orig_bats_test_begin "$@"
    }
fi
