#!/usr/bin/env bats
# dsq on a real Slurm cluster (slurm-wlm 22.05 + munge) that this file starts
# itself: two nodes in network namespaces, MaxArraySize=1001.  Submission,
# sbatch options seen by Slurm and by the lines, packing under MaxArraySize,
# split arrays beyond it, lines on both nodes, report while queued/running.

load helper
load slurm-helper
load html-helper

setup_file() {
    # More CPUs than the machine has: the lines are trivial, and Slurm starts
    # array tasks only as fast as slots free up.
    cluster_setup_file 2 --cpus 8
}

teardown_file() {
    cluster_teardown_file
}

setup() {
    setup_dsq
}

# The run directory whose manifest lists job id $1 (under ./runs).
run_of_job() {
    local m
    for m in runs/*/manifest.json; do
        jq -e --arg j "$1" '.job_ids | index($j)' "$m" >/dev/null && { dirname "$m"; return 0; }
    done
    return 1
}

@test "submit a job file with mixed outcomes: states, exit codes, autopsy" {
    printf 'echo ok one\nexit 3\n# comment\nkill -KILL $$\n\necho ok two\nexit 7\n' > mixed.txt
    run dsq --job-file mixed.txt --submit --status-dir runs
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^[0-9]+$ ]]
    jid=${lines[0]}
    wait_job_done "$jid" 120
    rd=$(run_of_job "$jid")
    run dsq report --status-dir runs "$jid" --json --lines
    [ "$status" -eq 0 ]
    j=$output
    [ "$(jq -r '.job_ids[0]' <<<"$j")" = "$jid" ]
    json_eq "$(jq -c '.states | [.ok,.failed,.signaled,.not_run,.lost]' <<<"$j")" '[2,2,1,0,0]'
    json_eq "$(jq -c '[.lines[] | [.line,.state,.exit,.signal]]' <<<"$j")" \
        '[[1,"ok",0,null],[2,"failed",3,null],[4,"signaled",null,9],[6,"ok",0,null],[7,"failed",7,null]]'
    [ "$(jq -r '.queue_known' <<<"$j")" = true ]
    [ "$(dsq autopsy --status-dir runs "$jid" 2>/dev/null)" = $'exit 3\nkill -KILL $$\nexit 7' ]
    run dsq autopsy "$rd"
    [[ "$output" == *"2 succeeded, 2 failed, 0 didn't run, 1 signaled"* ]]
    # The runner's exit status: Slurm marks a task that ran a line that
    # failed FAILED, one whose lines all ended ok COMPLETED (which task ran
    # which line, the records say: the default layout claims at run time).
    n=0
    while read -r task bad; do
        want=COMPLETED
        [ "$bad" = false ] || want=FAILED
        [ "$(job_field "${jid}_$task" JobState)" = "$want" ]
        n=$((n + 1))
    done < <(jq -r '.lines | group_by(.task)[] | "\(.[0].task) \(any(.[]; .state != "ok"))"' <<<"$j")
    [ "$n" -ge 1 ]
}

@test "report --html of a cluster run, failed and rerun in place: hosts, job ids, both attempts, in a real browser" {
    browser_require
    # Lines 2 and 4 fail in attempt 1 and succeed in the rerun.
    printf 'sleep 1\n[ "$DSQ_ATTEMPT" -gt 1 ] || exit 6\nsleep 1\n[ "$DSQ_ATTEMPT" -gt 1 ] || kill -KILL $$\ntrue\n' > flaky.txt
    run dsq --job-file flaky.txt --submit --status-dir runs --wait
    [ "$status" -eq 1 ]
    jid=$(dsq report --status-dir runs --json | jq -r '.job_ids[0]')
    rd=$(run_of_job "$jid")
    run dsq autopsy "$rd" --submit --wait
    [ "$status" -eq 0 ]
    json=$(dsq report "$rd" --json --lines)
    [ "$(jq -r '.states.ok' <<<"$json")" = 5 ]
    [ "$(jq -r '.job_ids | length' <<<"$json")" = 2 ]
    dsq report "$rd" --html cluster.html
    browser_load cluster.html cluster
    page_quiet cluster
    [ "$(dom_count cluster 'data-state="ok" data-count="5"')" -eq 1 ]
    [ "$(dom_count cluster 'class="bar ')" -eq 5 ]
    [ "$(dom_count cluster 'class="bar k-ok rerun"')" -eq 2 ]
    [ "$(dom_count cluster 'class="earlier k-failed" data-earlier="2"')" -eq 1 ]
    [ "$(dom_count cluster 'class="earlier k-signaled" data-earlier="4"')" -eq 1 ]
    # Both job ids in the header; the timeline's rows are the nodes that ran
    # the lines, as the records say.
    for j in $(jq -r '.job_ids[]' <<<"$json"); do grep -qF "$j" cluster.dom; done
    for h in $(jq -r '[.lines[].host] | unique | .[]' <<<"$json"); do
        grep -qE "text-anchor=\"end\">$h / [0-9]+</text>" cluster.dom
    done
    browser_screenshot cluster.html "$ARTIFACTS/html-cluster.png" 1280,1100
}

@test "sbatch options reach Slurm and the lines intact" {
    printf 'echo "FOO=$FOO" > foo.out\nsleep 5\n' > opts.txt
    run dsq --job-file opts.txt --submit --status-dir runs --comment "two words here" \
        --export=ALL,FOO=bar --max-jobs 1 --parallel 2 --mem 100M --hold
    [ "$status" -eq 0 ]
    jid=${lines[0]}
    # Held: look at what Slurm received before anything runs.
    [ "$(job_field "$jid" Comment)" = "two words here" ]
    [[ "$(job_field "$jid" ArrayTaskThrottle)" = 1 ]]
    [ "$(job_field "$jid" NumCPUs)" = 2 ] || [ "$(job_field "$jid" MinCPUsNode)" = 2 ]
    [ "$(job_field "$jid" MinMemoryNode)" = 200M ]
    run dsq report --status-dir runs "$jid" --json
    [ "$(jq -r '.states.pending' <<<"$output")" = 2 ]
    [ "$(jq -r '.over' <<<"$output")" = false ]
    scontrol release "$jid"
    wait_job_done "$jid" 120
    [ "$(cat foo.out)" = "FOO=bar" ]
    run dsq report --status-dir runs "$jid" --check
    [ "$status" -eq 0 ]
}

@test "report shows pending, then running, then over" {
    printf 'sleep 8\nsleep 8\n' > slow.txt
    run dsq --job-file slow.txt --submit --status-dir runs --hold
    jid=${lines[0]}
    run dsq report --status-dir runs --json
    json_eq "$(jq -c '[.states.pending,.over]' <<<"$output")" '[2,false]'
    # A rerun of a run still in the queue is refused, naming the job, and
    # adds nothing to the run directory but the rerun lock it looked under.
    rd=$(run_of_job "$jid")
    before=$(ls -A "$rd" | grep -vx rerun.lock)
    run dsq autopsy --status-dir runs --submit
    [ "$status" -eq 2 ]
    [[ "$output" == *"is not over: lines 1 (pending), 2 (pending) are pending or running (Slurm job $jid)"* ]]
    [[ "$output" == *"give --force"* ]]
    [ "$(jq -r '.attempts | length' "$rd/manifest.json")" = 1 ]
    [ "$(ls -A "$rd" | grep -vx rerun.lock)" = "$before" ]
    scontrol release "$jid"
    wait_until 45 eval 'dsq report --status-dir runs --json 2>/dev/null | jq -e ".states.running == 2" >/dev/null'
    run dsq report --status-dir runs
    [[ "$output" == *"in progress"* ]]
    # --watch: plain progress lines on a pipe until the job is over, then the summary.
    run timeout 120 dsq report --status-dir runs --watch
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^\[[#.]+\]\ 0/2\ done\ \(0\ ok,\ 0\ not\ ok\),\ 2\ running,\ 0\ pending ]]
    [[ "$output" == *"states:      2 ok"* ]]
    wait_job_done "$jid" 120
    run dsq report --status-dir runs --json
    json_eq "$(jq -c '[.states.ok,.over]' <<<"$output")" '[2,true]'
}

@test "--submit --wait returns with report --check's status" {
    printf 'true\nfalse\n' > w.txt
    run dsq --job-file w.txt --submit --wait --status-dir runs
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" =~ ^[0-9]+$ ]]
    [[ "$output" == *"1 ok, 1 failed"* ]]
    printf 'true\ntrue\n' > w2.txt
    run dsq --job-file w2.txt --submit --wait --status-dir runs
    [ "$status" -eq 0 ]
}

@test "lines spread over both nodes: hosts in the records" {
    for i in $(seq 1 8); do echo "sleep 2; hostname -s > host.$i"; done > spread.txt
    # --exclusive: each array task takes a whole node, so both nodes get lines.
    run dsq --job-file spread.txt --submit --wait --status-dir runs --exclusive
    [ "$status" -eq 0 ]
    jid=${lines[0]}
    run dsq report --status-dir runs "$jid" --json --lines
    [ "$(jq -r '[.lines[].host] | unique | join(" ")' <<<"$output")" = "c1 c2" ]
    [ "$(cat host.* | sort -u | tr '\n' ' ')" = "c1 c2 " ]
}

@test "submit from another directory: absolute paths in the script" {
    mkdir -p proj other
    printf 'pwd > where.out\n' > proj/jobs.txt
    cd other
    run dsq --job-file ../proj/jobs.txt --submit --wait --status-dir ../runs
    [ "$status" -eq 0 ]
    # Lines run in the submit directory, as under Slurm.
    [ "$(cat where.out)" = "$PWD" ]
}

@test "2,500 lines on MaxArraySize 1001: packed into one array, all ok" {
    seq 1 2500 | sed 's/^/echo /' > big.txt
    printf 'max-array-tasks: 100000\n' > cfg.yaml
    DSQ_CONFIG=$PWD/cfg.yaml run dsq --job-file big.txt --submit --wait --status-dir runs \
        --parallel 2
    echo "$output"
    jid=${lines[0]}
    rd=$(run_of_job "$jid")
    cluster_settle_launch_losses "$rd" "$status"
    [ "$(jq -r '.plan.tasks' "$rd/manifest.json")" -le 1001 ]
    [ "$(jq -r '.plan.lines_per_task' "$rd/manifest.json")" = 3 ]
    [ "$(jq -r '.job_ids | length' "$rd/manifest.json")" = 1 ]
    run dsq report "$rd" --json
    [ "$(jq -r '.states.ok' <<<"$output")" = 2500 ]
}

@test "forced one line per task beyond MaxArraySize: several arrays, all ok" {
    seq 1 1010 | sed 's/^/: /' > forced.txt
    # Fixed slices (stripe): line 1010 is the second array's last task's.
    run dsq --job-file forced.txt --submit --wait --status-dir runs --lines-per-task 1 \
        --max-jobs 500 --layout stripe
    echo "$output"
    [ "${#lines[@]}" -ge 2 ]
    jid1=${lines[0]} jid2=${lines[1]}
    rd=$(run_of_job "$jid1")
    cluster_settle_launch_losses "$rd" "$status"
    json_eq "$(jq -c '.plan.arrays' "$rd/manifest.json")" '[{"offset":0,"count":1001},{"offset":1001,"count":9}]'
    [ "$(jq -r '.job_ids | join(" ")' "$rd/manifest.json")" = "$jid1 $jid2" ]
    run dsq report "$rd" --json --lines
    [ "$(jq -r '.states.ok' <<<"$output")" = 1010 ]
    # The second array's indices restart at 0 and its runner adds the offset.
    [ "$(jq -r '.lines[1009].task' <<<"$output")" = 1009 ]
    # (Attempt 1's records: a line Slurm lost at launch has only a rerun's.)
    recs "$rd" | jq -e -s --arg j "$jid2" '
        map(select(.ev == "end" and .attempt == 1 and .line > 1001)) |
        length > 0 and all(.job == "\($j)_\(.line - 1002)")'
}

@test "plan, then sbatch by hand (dSQ's habit): the run learns its job id; report, autopsy as after --submit" {
    printf 'echo one > one.out\necho two > two.out\n' > hand.txt
    run dsq --job-file hand.txt --status-dir runs
    [ "$status" -eq 0 ]
    [[ "$output" == *" sbatch dsq-hand-$(date +%F).sh"* ]]
    rd=$(only_run_dir runs)
    [ "$(jq -r '.job_ids | length' "$rd/manifest.json")" = 0 ]
    jid=$(sbatch --parsable --hold "dsq-hand-$(date +%F).sh")
    jid=${jid%%;*}
    # Found by its job id before dsq ever saw it: Slurm runs the batch file.
    run dsq report --status-dir runs "$jid" --json
    [ "$status" -eq 0 ]
    [ "$(jq -r '.states.pending' <<<"$output")" = 2 ]
    [ "$(jq -r '.over' <<<"$output")" = false ]
    json_eq "$(jq -c '.job_ids' "$rd/manifest.json")" "[\"$jid\"]"
    # The busy check: a rerun now would run the same lines twice.
    run dsq autopsy "$rd" --submit
    [ "$status" -eq 2 ]
    [[ "$output" == *"$jid"* ]]
    scontrol release "$jid"
    wait_job_done "$jid" 120
    run dsq report "$rd" --json
    [ "$(jq -r '.states.ok' <<<"$output")" = 2 ]
    [ "$(jq -r '.over' <<<"$output")" = true ]
    [ "$(cat one.out two.out)" = $'one\ntwo' ]
}

@test "the run directory's own script submitted by hand is found too, by the latest-run report" {
    printf 'true\n' > own.txt
    run dsq --job-file own.txt --status-dir runs
    rd=$(cd "$(only_run_dir runs)" && pwd)
    jid=$(sbatch --parsable --hold "$rd/$(jq -r .script "$rd/manifest.json")")
    jid=${jid%%;*}
    run dsq report --status-dir runs --json
    [ "$(jq -r '.states.pending' <<<"$output")" = 1 ]
    json_eq "$(jq -c '.job_ids' "$rd/manifest.json")" "[\"$jid\"]"
    scancel "$jid"
}
