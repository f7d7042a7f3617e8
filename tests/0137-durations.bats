#!/usr/bin/env bats
# 0137-durations: --durations-from RUN packs a new run of the same job file
# from the times RUN measured: a dynamic run claims its longest lines first,
# stripe gives every task about the same sum, lines per task come from the
# task-time setting, a job file of another length is refused naming RUN,
# and planning without the flag offers it (never applies it).

load helper
bats_require_minimum_version 1.5.0

setup() {
    setup_dsq
    unset SLURM_CONF
    # Not in file order, so that longest-first and balanced are visible.
    printf 'sleep %s\n' 0.2 0.5 0.02 0.4 0.1 0.3 > jobs.txt
}

# measured: a dry run of jobs.txt, all lines at once, under st; prints its
# run directory.
measured() {
    dsq --job-file jobs.txt --dry-run --status-dir st --parallel 6 > /dev/null 2>&1 || return 1
    only_run_dir st
}

# elapsed DIR: "line seconds" of every end record of DIR.
elapsed() {
    cat "$1"/status/*.jsonl | jq -r 'select(.ev == "end") | "\(.line) \(.elapsed)"'
}

# newest DIR: the run directory created last under DIR.
newest() {
    ls -d "$1"/*/ | while read -r d; do
        printf '%s %s\n' "$(jq -r .created "$d/manifest.json")" "${d%/}"
    done | sort | tail -n 1 | cut -d' ' -f2
}

# spread MEASURED TASKS: max - min over tasks of the measured seconds of
# their lines; TASKS is "line task" lines.
spread() {
    join <(sort -k1,1 <<<"$1") <(sort -k1,1 <<<"$2") |
        awk '{s[$3] += $2} END {lo = 1e9; hi = 0; for (t in s) {if (s[t] < lo) lo = s[t]; if (s[t] > hi) hi = s[t]}; printf "%.3f\n", hi - lo}'
}

@test "dynamic --durations-from: the lines start longest first" {
    d=$(measured)
    run dsq --job-file jobs.txt --dry-run --status-dir st --layout dynamic --tasks 1 --parallel 3 \
        --durations-from "$d"
    [ "$status" -eq 0 ]
    n=$(newest st)
    [ "$n" != "$d" ]
    want=$(elapsed "$d" | sort -k2,2gr -k1,1n | cut -d' ' -f1 | tr '\n' ' ')
    got=$(cat "$n"/status/*.jsonl | jq -r 'select(.ev == "start") | "\(.t) \(.line)"' |
        sort -g | cut -d' ' -f2 | tr '\n' ' ')
    echo "want: $want got: $got"
    [ "$got" = "$want" ]
    [ "$(jq -c .plan.order "$n/manifest.json")" != null ]
    run dsq report "$n" --json
    [ "$status" -eq 0 ]
    [ "$(jq .states.ok <<<"$output")" -eq 6 ]
}

@test "stripe --durations-from: every task gets two lines and about the same sum; report agrees" {
    d=$(measured)
    m=$(elapsed "$d")
    # File order: tasks 0 1 2 1 2 0 ... as stripe places lines 1..6.
    file=$(printf '%s\n' "1 0" "2 1" "3 2" "4 0" "5 1" "6 2")
    run dsq --job-file jobs.txt --dry-run --status-dir st --layout stripe --tasks 3 --parallel 6 \
        --durations-from "$d"
    [ "$status" -eq 0 ]
    n=$(newest st)
    ran=$(cat "$n"/status/*.jsonl | jq -r 'select(.ev == "end") | "\(.line) \(.task)"')
    [ "$(cut -d' ' -f2 <<<"$ran" | sort | uniq -c | awk '{print $1}' | sort -u)" = 2 ]
    before=$(spread "$m" "$file")
    after=$(spread "$m" "$ran")
    echo "spread in file order $before, packed $after"
    awk -v a="$after" -v b="$before" 'BEGIN {exit !(a < b && a < 0.15)}'
    # report places each line in the task whose records hold it.
    run dsq report "$n" --json --lines
    [ "$status" -eq 0 ]
    [ "$(jq -r '.lines[] | "\(.line) \(.task)"' <<<"$output" | sort)" = "$(sort <<<"$ran")" ]
    [ "$(jq .states.ok <<<"$output")" -eq 6 ]
}

@test "lines per task from task-time; --tasks still wins" {
    d=$(measured)
    # Lines of 0.25 s on average (measured at least what they sleep): a
    # 1-second task holds 3 of them.
    printf 'task-time: 1\n' > conf.yaml
    DSQ_CONFIG=$PWD/conf.yaml run dsq --job-file jobs.txt --status-dir st --layout block \
        --durations-from "$d"
    [ "$status" -eq 0 ]
    n=$(newest st)
    [ "$(jq .plan.lines_per_task "$n/manifest.json")" -eq 3 ]
    [ "$(jq .plan.tasks "$n/manifest.json")" -eq 2 ]
    # Without measured durations the default packing is one line a task.
    DSQ_CONFIG=$PWD/conf.yaml run dsq --job-file jobs.txt --status-dir st2 --layout block
    [ "$status" -eq 0 ]
    [ "$(jq .plan.tasks "$(only_run_dir st2)/manifest.json")" -eq 6 ]
    DSQ_CONFIG=$PWD/conf.yaml run dsq --job-file jobs.txt --status-dir st3 --layout block \
        --tasks 6 --durations-from "$d"
    [ "$status" -eq 0 ]
    [ "$(jq .plan.tasks "$(only_run_dir st3)/manifest.json")" -eq 6 ]
    printf 'task-time: 0\n' > bad.yaml
    DSQ_CONFIG=$PWD/bad.yaml run dsq --job-file jobs.txt --status-dir st4
    [ "$status" -eq 2 ]
    [[ "$output" == *"task-time"* ]]
}

@test "a job file of another length is refused naming RUN; other content is warned of" {
    d=$(measured)
    head -n 5 jobs.txt > short.txt
    run dsq --job-file short.txt --status-dir st2 --durations-from "$d"
    [ "$status" -eq 2 ]
    [[ "$output" == *"$d"* ]]
    [[ "$output" == *"6 command lines"* ]]
    [ ! -e st2 ]
    run dsq --job-file short.txt --status-dir st2 --durations-from nowhere
    [ "$status" -eq 2 ]
    [[ "$output" == *"--durations-from nowhere"* ]]
    sed 's/sleep/sleep  /' jobs.txt > other.txt
    run dsq --job-file other.txt --status-dir st2 --layout dynamic --durations-from "$d"
    [ "$status" -eq 0 ]
    [[ "$output" == *"other content"* ]]
    [ "$(jq -c .plan.order "$(only_run_dir st2)/manifest.json")" != null ]
}

@test "planning the same job file again offers --durations-from, and does not apply it" {
    d=$(measured)
    run dsq --job-file jobs.txt --status-dir st --layout dynamic
    [ "$status" -eq 0 ]
    a=$PWD/$d
    [[ "$output" == *"note: $a ran this same job file; --durations-from $a would pack"* ]]
    [ "$(grep -c 'durations-from' <<<"$output")" -eq 1 ]
    [ "$(jq -c .plan.order "$(newest st)/manifest.json")" = null ]
    # Another job file, or the flag given: no offer.
    sed 's/sleep/sleep  /' jobs.txt > other.txt
    run dsq --job-file other.txt --status-dir st --layout dynamic
    [ "$status" -eq 0 ]
    [[ "$output" != *"durations-from"* ]]
}
