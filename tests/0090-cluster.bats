#!/usr/bin/env bats
# The throwaway Slurm cluster of the tests (tests/slurm-cluster and
# tests/slurm-helper.bash) on its own, without dsq: two nodes in network
# namespaces, jobs and arrays really run on both, its settings, fault
# injection, a second cluster beside it, and stop leaves nothing behind.

load helper
load slurm-helper

setup_file() {
    cluster_setup_file 2
}

teardown_file() {
    cluster_teardown_file
}

setup() {
    cd "$BATS_TEST_TMPDIR" || return 1
}

teardown() {
    # a second cluster of a failed test
    if [ -n "${other:-}" ]; then
        "$SLURM_CLUSTER" stop "$other/one"
        "$SLURM_CLUSTER" stop "$other/bad"
        rm -rf "$other"
    fi
}

@test "cluster: check says this machine can run a cluster" {
    run "$SLURM_CLUSTER" check
    [ "$status" -eq 0 ]
}

@test "cluster: env names the nodes, their namespaces and slurm.conf" {
    [ "$SLURM_CONF" = "$DSQ_TEST_CLUSTER_DIR/slurm.conf" ]
    [ -r "$SLURM_CONF" ]
    [ "$DSQ_TEST_NODES" = "c1 c2" ]
    set -- $DSQ_TEST_NETNS
    [ $# -eq 2 ]
    ip netns list | grep -q "^$1\b"
    ip netns list | grep -q "^$2\b"
}

@test "cluster: both nodes are idle" {
    run sinfo -h -N -o '%N %T'
    [ "$status" -eq 0 ]
    [ "$(sort <<<"$output")" = "c1 idle
c2 idle" ]
}

@test "cluster: scontrol show config reports MaxArraySize=1001" {
    run scontrol show config
    [ "$status" -eq 0 ]
    grep -Eq '^MaxArraySize += 1001$' <<<"$output"
    grep -Eq "^ClusterName += $DSQ_TEST_CLUSTER_NAME\$" <<<"$output"
}

@test "cluster: a batch job runs as root and completes" {
    jid=$(sbatch --parsable --output=one.out --wrap 'id -u; echo ran-on $SLURMD_NODENAME')
    [ -n "$jid" ]
    wait_job_done "$jid" 60
    [ "$(job_field "$jid" JobState)" = COMPLETED ]
    [ "$(job_field "$jid" ExitCode)" = 0:0 ]
    [ "$(head -n 1 one.out)" = 0 ]
    grep -Eq '^ran-on c[12]$' one.out
}

@test "cluster: a 4-task array runs on both c1 and c2" {
    jid=$(sbatch --parsable --array=0-3 --output='arr-%a.out' \
        --wrap 'echo "$(hostname) $SLURMD_NODENAME $SLURM_ARRAY_TASK_ID"; sleep 2')
    wait_job_done "$jid" 60
    for k in 0 1 2 3; do
        [ "$(job_field "${jid}_$k" JobState)" = COMPLETED ]
        read -r host node task < "arr-$k.out"
        [ "$host" = "$node" ]
        [ "$task" = "$k" ]
    done
    cat arr-*.out | cut -d' ' -f1 | sort -u > hosts
    [ "$(cat hosts)" = "c1
c2" ]
}

@test "cluster: job_field reads a value with spaces, wait_job_done a failed job" {
    jid=$(sbatch --parsable --output=/dev/null --comment='two words here' --wrap 'exit 3')
    wait_job_done "$jid" 60
    [ "$(job_field "$jid" Comment)" = "two words here" ]
    [ "$(job_field "$jid" JobState)" = FAILED ]
    [ "$(job_field "$jid" ExitCode)" = 3:0 ]
    run job_field "$jid" NoSuchField
    [ "$status" -ne 0 ]
}

@test "cluster: node-pids lists slurmd of c1, and only c1's" {
    read -r pid < "$DSQ_TEST_CLUSTER_DIR/run/slurmd-c1.pid"
    read -r pid2 < "$DSQ_TEST_CLUSTER_DIR/run/slurmd-c2.pid"
    run "$SLURM_CLUSTER" node-pids "$DSQ_TEST_CLUSTER_DIR" c1
    [ "$status" -eq 0 ]
    grep -qx "$pid" <<<"$output"
    ! grep -qx "$pid2" <<<"$output" || false
    [ "$(cat "/proc/$pid/comm")" = slurmd ]
    run "$SLURM_CLUSTER" node-pids "$DSQ_TEST_CLUSTER_DIR" c9
    [ "$status" -ne 0 ]
}

@test "cluster: a killed node's tasks are requeued, and rerun there when it is back" {
    # c1's tasks outlast the kill and the restart, so the reruns go to c2
    jid=$(sbatch --parsable --array=0-3 --output='kill-%a.out' \
        --wrap 'echo "$SLURMD_NODENAME ${SLURM_RESTART_COUNT:-0}"; if [ "$SLURMD_NODENAME" = c1 ]; then sleep 9; else sleep 2; fi')
    wait_until 15 eval '[ "$(squeue -h -j "$jid" -t R -w c2 | wc -l)" -eq 2 ] &&
        [ "$(squeue -h -j "$jid" -t R | wc -l)" -eq 4 ]'
    on_c2=$(squeue -h -j "$jid" -t R -w c2 -o %i)
    cluster_kill_node c2
    [[ "$(sinfo -h -n c2 -o %T)" == down* ]]
    for t in $on_c2; do
        [ "$(job_field "$t" JobState)" = PENDING ]
        [ "$(job_field "$t" Restarts)" = 1 ]
    done
    [ -z "$("$SLURM_CLUSTER" node-pids "$DSQ_TEST_CLUSTER_DIR" c2)" ]
    cluster_start_node c2
    cluster_requeue_now "$jid"
    wait_job_done "$jid" 60
    for k in 0 1 2 3; do
        [ "$(job_field "${jid}_$k" JobState)" = COMPLETED ]
    done
    for t in $on_c2; do
        [ "$(job_field "$t" NodeList)" = c2 ]
        [ "$(cat "kill-${t#*_}.out")" = "c2 1" ]
    done
}

@test "cluster: a second cluster runs beside it, and a failed start leaves nothing" {
    first=$SLURM_CONF
    other=$(mktemp -d /tmp/dsqc.XXXXXX)
    run "$SLURM_CLUSTER" start "$other/one"
    echo "$output"
    [ "$status" -eq 0 ]
    (
        . "$other/one/env"
        [ "$SLURM_CONF" = "$other/one/slurm.conf" ]
        [ "$DSQ_TEST_NODES" = "$(hostname -s)" ]
        [ "$(sinfo -h -N -o '%N %T')" = "$(hostname -s) idle" ]
        [ "$(scontrol show config | sed -n 's/^SlurmctldPort *= //p')" != \
          "$(SLURM_CONF=$first scontrol show config | sed -n 's/^SlurmctldPort *= //p')" ]
    )
    run "$SLURM_CLUSTER" stop "$other/one"
    [ "$status" -eq 0 ]
    [ -z "$(cluster_leftovers "$other/one")" ]
    # the first cluster is untouched
    [ "$(sinfo -h -N -o '%N %T' | sort | tr '\n' ' ')" = "c1 idle c2 idle " ]

    run "$SLURM_CLUSTER" start "$other/bad" --nodes 2 --timeout 10 --set NoSuchSlurmKey=1
    [ "$status" -ne 0 ]
    [[ "$output" == *"tail of"* ]]
    [ -z "$(cluster_leftovers "$other/bad")" ]
    rm -rf "$other"
}

@test "cluster: stop ends every process and namespace of the cluster, twice" {
    dir=$DSQ_TEST_CLUSTER_DIR
    [ -n "$(cluster_procs "$dir")" ]
    tag=$RANDOM$RANDOM
    jid=$(sbatch --parsable --output=/dev/null --array=0-3 --wrap "sleep 300.$tag")
    wait_until 15 eval '[ "$(squeue -h -j "$jid" -t R | wc -l)" -eq 4 ]'
    run "$SLURM_CLUSTER" stop "$dir"
    [ "$status" -eq 0 ]
    [ -z "$(cluster_leftovers "$dir")" ]
    for ns in $DSQ_TEST_NETNS; do
        ! ip netns list | grep -q "^$ns\b" || false
    done
    # no sleep of that job survives (its slurmstepd was killed with it)
    ! pgrep -f "^sleep 300\.$tag\$" || false
    run "$SLURM_CLUSTER" stop "$dir"
    [ "$status" -eq 0 ]
}

@test "cluster: --accounting keeps finished jobs for sacct, --memory-limits kills a job over --mem" {
    other=$(mktemp -d /tmp/dsqc.XXXXXX)
    run "$SLURM_CLUSTER" start "$other/one" --nodes 2 --memory-limits
    [ "$status" -ne 0 ]
    [[ "$output" == *"one node only"* ]]
    run "$SLURM_CLUSTER" start "$other/one" --accounting --memory-limits --set MinJobAge=5
    echo "$output"
    [ "$status" -eq 0 ]
    (
        . "$other/one/env"
        [ "$DSQ_TEST_ACCOUNTING" = 1 ] && [ "$DSQ_TEST_MEMORY_LIMITS" = 1 ]
        [ "$(stat -c %a "$other/one/slurmdbd.conf")" = 600 ]
        cd "$BATS_TEST_TMPDIR"
        ok=$(sbatch --parsable --output=/dev/null --wrap 'exit 0')
        # tail holds its whole input (no newline) in memory: 300 MiB
        big=$(sbatch --parsable --output=big.out --mem=50M --wrap 'head -c 300M /dev/zero | tail > /dev/null')
        wait_job_done "$big" 60
        wait_job_done "$ok" 60
        [ "$(job_field "$big" JobState)" = OUT_OF_MEMORY ]
        # after slurmctld forgot them (MinJobAge=5), sacct still knows both
        wait_until 60 eval '! scontrol show job "$ok" >/dev/null 2>&1 && ! scontrol show job "$big" >/dev/null 2>&1'
        [ "$(sacct -n -X -P -j "$ok" -o State)" = COMPLETED ]
        [ "$(sacct -n -X -P -j "$big" -o State)" = OUT_OF_MEMORY ]
        [ "$(sacct -n -X -P -j "$big" -o Cluster)" = "$DSQ_TEST_CLUSTER_NAME" ]
    )
    run "$SLURM_CLUSTER" stop "$other/one"
    [ "$status" -eq 0 ]
    [ -z "$(cluster_leftovers "$other/one")" ]
    rm -rf "$other"
}
