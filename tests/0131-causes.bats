#!/usr/bin/env bats
# Why a line died, from real kernels and a real Slurm: a line over a memory
# limit is out_of_memory, and only that line.  First under --dry-run, in a
# memory cgroup this file makes with a limit of its own (the runner's count
# of OOM kills is the only evidence: no Slurm); then on a one-node cluster
# that enforces --mem (slurm-cluster --memory-limits: task/cgroup,
# ConstrainRAMSpace), where the array task ends OUT_OF_MEMORY and its other
# lines keep their own causes.  Time limit, scancel and node death are
# 0110's (they need two nodes).  Every wait is bounded.

load helper
load slurm-helper
bats_require_minimum_version 1.5.0

setup_file() {
    cluster_setup_file 1 --memory-limits
}

teardown_file() {
    cluster_teardown_file
}

setup() {
    setup_dsq
    CG=''
}

teardown() {
    [ -n "${DSQ_TEST_CLUSTER_DIR:-}" ] || return 0
    scancel --user="$(id -un)" 2>/dev/null || true
    if [ -n "$CG" ] && [ -d "$CG" ]; then
        wait_until 10 eval '[ -z "$(cat "$CG/cgroup.procs")" ]' || true
        rmdir "$CG" || true
    fi
}

# The lines of both tests: one over the limit, one killed by SIGKILL that is
# not the OOM killer's, one that exits 3, one ok.  `tail` holds its whole
# input (no newline) in memory.
mem_lines() {
    {
        echo 'head -c 300M /dev/zero | tail > /dev/null'
        echo 'kill -KILL $$'
        echo 'exit 3'
        echo 'echo fine'
    } > jobs.txt
}

@test "--dry-run in a memory cgroup of 64 MiB: the line over it is out_of_memory, the rest keep their causes" {
    mem_lines
    CG=/sys/fs/cgroup/memory/dsq-test-0131-$$
    mkdir "$CG"
    echo $((64 << 20)) > "$CG/memory.limit_in_bytes"
    [ ! -e "$CG/memory.memsw.limit_in_bytes" ] || echo $((64 << 20)) > "$CG/memory.memsw.limit_in_bytes"
    # The runner and its lines in the cgroup: a shell that moves itself in.
    run sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" --job-file jobs.txt --dry-run --parallel 1 --status-dir st' \
        sh "$CG" "$(command -v dsq)"
    echo "$output"
    [ "$status" -eq 1 ]
    grep -qx 'oom_kill [1-9][0-9]*' "$CG/memory.oom_control"
    rd=$(only_run_dir st)
    # The record says it; the line killed by its own `kill` is not.
    [ "$(recs "$rd" | jq -c 'select(.ev == "end") | [.line, .exit, .oom]' | paste -sd' ')" = \
        '[1,137,true] [2,-1,null] [3,3,null] [4,0,null]' ]
    run --separate-stderr dsq report "$rd" --json --lines
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '[.lines[] | [.line, .state, .cause]]' <<<"$output")" \
        '[[1,"failed","out_of_memory"],[2,"signaled","signal"],[3,"failed","exit"],[4,"ok",null]]'
    run dsq report "$rd"
    [[ "$output" == *"  out of memory (failed): 1 line (1)"* ]]
    [[ "$output" == *"  signal 9 (KILL): 1 line (2)"* ]]
    [[ "$output" == *"  exit 3: 1 line (3)"* ]]
}

@test "a line over --mem on the cluster: out_of_memory; its siblings in the same task are not" {
    mem_lines
    run dsq --job-file jobs.txt --status-dir runs --submit --wait --mem 50M --lines-per-task 4 \
        --parallel 1 -t 5
    echo "$output"
    [ "$status" -eq 1 ]
    rd=$(cd "$(only_run_dir runs)" && pwd)
    jid=$(jq -r '.job_ids[0]' "$rd/manifest.json")
    wait_job_done "$jid" 60
    [ "$(job_field "${jid}_0" JobState)" = OUT_OF_MEMORY ]
    [ "$(recs "$rd" | jq -c 'select(.ev == "end" and .line == 1) | [.exit, .oom]')" = '[137,true]' ]
    run --separate-stderr dsq report "$rd" --json --lines
    [ "$status" -eq 0 ]
    j="$output"
    json_eq "$(jq -c '[.lines[] | [.line, .state, .slurm_state, .cause]]' <<<"$j")" \
        '[[1,"failed","OUT_OF_MEMORY","out_of_memory"],[2,"signaled","OUT_OF_MEMORY","signal"],[3,"failed","OUT_OF_MEMORY","exit"],[4,"ok",null,null]]'
    json_eq "$(jq -c '[.failures[] | [.cause, .count, .lines]]' <<<"$j")" \
        '[["exit",1,[3]],["signal",1,[2]],["out_of_memory",1,[1]]]'
    # What to ask for next time: twice the --mem that line ran out at.
    json_eq "$(jq -c '.resources.mem | [.asked_mib, .out_of_memory, .out_of_memory_suggest_mib]' <<<"$j")" '[50,1,128]'
    run dsq report "$rd"
    [[ "$output" == *"1 line ran out of memory at 50M: rerun it with --mem 128M"* ]]
}

@test "next time on the cluster: lines of known sizes under enforced --mem give the memory and time to ask for" {
    # tail holds its whole input (no newline) in memory: about 150 and 50
    # MiB, 1 and 2 s; Slurm enforces the --mem of the task.
    printf '%s\n' 'head -c 150M /dev/zero | tail > /dev/null; sleep 1' \
        'head -c 50M /dev/zero | tail > /dev/null; sleep 2' 'sleep 1' > jobs.txt
    run dsq --job-file jobs.txt --status-dir runs --submit --wait --mem 1G -t 30 --lines-per-task 3 \
        --parallel 1
    echo "$output"
    [ "$status" -eq 0 ]
    rd=$(cd "$(only_run_dir runs)" && pwd)
    jid=$(jq -r '.job_ids[0]' "$rd/manifest.json")
    wait_job_done "$jid" 60
    # What Slurm was asked: three lines of 1G in one task, one at a time.
    [ "$(job_field "${jid}_0" JobState)" = COMPLETED ]
    run --separate-stderr dsq report "$rd" --json
    [ "$status" -eq 0 ]
    j="$output"
    json_eq "$(jq -c '.resources | [.mem.asked_mib, .mem.suggest_mib, .mem.out_of_memory, .time.asked_s, .time.suggest_s]' <<<"$j")" \
        '[1024,256,0,1800,120]'
    [ "$(jq '.resources.mem.max_kb >= 150 * 1024 and .resources.mem.max_kb < 200 * 1024' <<<"$j")" = true ]
    run dsq report "$rd"
    # (150 to 200 MiB, as the JSON says: tail's buffer grows by steps.)
    [[ "$output" == *"  memory:    asked --mem 1G per line; used at most 1"[5-9]*" MiB (p95 1"[5-9]*" MiB): --mem 256M would do"* ]]
    [[ "$output" == *"  time:      asked -t 30:00 per line; the longest took 2."*": -t 02:00 would do"* ]]
}
