#!/usr/bin/env bats
# 0080-rerun: dsq autopsy --submit / --dry-run reruns the lines autopsy would
# print as the run's next attempt, in the same run directory under the same
# line numbers; report merges the attempts (--history shows them all).  All
# without a cluster: --dry-run, a hand-run `dsq run --attempt N`, and a stand-in
# sbatch for the refusal path only (tests/0110-faults.bats submits for real).
load helper
setup() { setup_dsq; }
bats_require_minimum_version 1.5.0

teardown() {
    if [ -n "${bg_pid:-}" ]; then
        kill -TERM "$bg_pid" 2>/dev/null || true
        wait "$bg_pid" 2>/dev/null || true
    fi
}

# Lines 1 and 4 succeed; lines 3 and 5 fail the first time only (a marker
# file fixes them).  Each line appends its attempt number to ran.<line>.
flaky_jobs() {
    cat > jobs.txt <<'EOF'
echo $DSQ_ATTEMPT >> ran.$DSQ_LINE
# a comment keeps its place
echo $DSQ_ATTEMPT >> ran.$DSQ_LINE; test -e fixed.$DSQ_LINE || { touch fixed.$DSQ_LINE; exit 1; }
echo $DSQ_ATTEMPT >> ran.$DSQ_LINE
echo $DSQ_ATTEMPT >> ran.$DSQ_LINE; test -e fixed.$DSQ_LINE || { touch fixed.$DSQ_LINE; exit 3; }
EOF
}

# The line numbers of the records of attempt $2 in run directory $1.
record_lines() {
    cat "$1"/status/a"$2".t*.jsonl | jq -s -c '[.[] | select(.ev == "end") | .line] | sort'
}

@test "autopsy --dry-run reruns exactly the failed lines as attempt 2, same line numbers" {
    flaky_jobs
    run dsq --job-file jobs.txt --dry-run --status-dir st
    [ "$status" -eq 1 ]
    rd=$WORK/$(only_run_dir st)

    run --separate-stderr dsq autopsy "$rd" --dry-run
    echo "$output$stderr"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"attempt 2: 2 lines in 2 array tasks"* ]]
    [[ "$output" == *"states:      4 ok"* ]]
    # The attempt in the run directory: its lines, its script, its records.
    [ "$(cat "$rd/attempts/2.lines")" = "$(printf '3\n5')" ]
    [ "$(jq -r '[.format, (.attempts | length), .attempts[1].lines_file, .attempts[1].commands, .attempts[1].dry_run] | @tsv' "$rd/manifest.json")" = \
        "$(printf '2\t2\tattempts/2.lines\t2\ttrue')" ]
    script=$(jq -r '.attempts[1].script' "$rd/manifest.json")
    [ "$script" = "$(jq -r .script "$rd/manifest.json" | sed 's/\.sh$/.a2.sh/')" ]
    tail -n 1 "$rd/$script" | grep -q -- "run --run-dir '$rd' --attempt 2 \"\$@\"$"
    [ "$(record_lines "$rd" 1)" = '[1,3,4,5]' ]
    [ "$(record_lines "$rd" 2)" = '[3,5]' ]
    [ "$(cat "$rd"/status/a2.*.jsonl | jq -s '[.[] | select(.attempt != 2)] | length')" -eq 0 ]
    # Each line ran as often as it should, under the attempt it belongs to.
    [ "$(cat ran.1 | tr '\n' ' ')" = "1 " ]
    [ "$(cat ran.3 | tr '\n' ' ')" = "1 2 " ]
    [ "$(cat ran.4 | tr '\n' ' ')" = "1 " ]
    [ "$(cat ran.5 | tr '\n' ' ')" = "1 2 " ]

    run --separate-stderr dsq report "$rd" --json --lines
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '[.states.ok, .total, .over]' <<<"$output")" '[4,4,true]'
    json_eq "$(jq -c '[.lines[] | [.line, .state, .attempts]]' <<<"$output")" \
        '[[1,"ok",1],[3,"ok",2],[4,"ok",1],[5,"ok",2]]'
    json_eq "$(jq -c '[.attempts[] | [.attempt, .commands, .dry_run]]' <<<"$output")" \
        '[[1,4,true],[2,2,true]]'
    run dsq report "$rd" --check
    [ "$status" -eq 0 ]
}

@test "report --history lists every attempt of every line" {
    flaky_jobs
    dsq --job-file jobs.txt --dry-run --status-dir st >/dev/null || true
    rd=$WORK/$(only_run_dir st)
    dsq autopsy "$rd" --dry-run >/dev/null 2>&1

    run --separate-stderr dsq report "$rd" --json --lines --history
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '.lines[1].history | map([.attempt, .restart, .state, .exit, .signal])' <<<"$output")" \
        '[[1,0,"failed",1,null],[2,0,"ok",0,null]]'
    json_eq "$(jq -c '.lines[3].history | map([.attempt, .state, .exit])' <<<"$output")" \
        '[[1,"failed",3],[2,"ok",0]]'
    json_eq "$(jq -c '.lines[0].history | map([.attempt, .state])' <<<"$output")" '[[1,"ok"]]'
    # Every entry has every field (their order is not the point), times
    # where the line ran.
    json_eq "$(jq -c '.lines[1].history[1] | keys' <<<"$output")" \
        "$(jq -n -c '["attempt","restart","state","exit","signal","host","start","end","elapsed","tries"] | sort')"
    [ "$(jq '[.lines[].history[] | select(.start == null or .end == null or .host == null)] | length' <<<"$output")" -eq 0 ]
    # Without --history, no history.
    run dsq report "$rd" --json --lines
    [ "$(jq '[.lines[] | has("history")] | any' <<<"$output")" = false ]

    run --separate-stderr dsq report "$rd" --history
    [ "$status" -eq 0 ]
    [[ "$output" == *"history:"* ]]
    [[ "$output" == *"  line 3: attempt 1 failed (exit 1, "*"; attempt 2 ok ("* ]]
    [[ "$output" == *"  line 5: attempt 1 failed (exit 3, "*"; attempt 2 ok ("* ]]
    [[ "$output" == *"  line 1: attempt 1 ok ("* ]]
    [[ "$output" == *"job ids:     none (dry run, attempt 1, 4 lines); none (dry run, attempt 2, 2 lines)"* ]]
}

@test "a third autopsy finds nothing to do: says so, exits 0, adds no attempt" {
    flaky_jobs
    dsq --job-file jobs.txt --dry-run --status-dir st >/dev/null || true
    rd=$WORK/$(only_run_dir st)
    dsq autopsy "$rd" --dry-run >/dev/null 2>&1
    run --separate-stderr dsq autopsy "$rd" --dry-run
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    [[ "$stderr" == *"4 succeeded, 0 failed, 0 didn't run"* ]]
    [[ "$stderr" == *"nothing to rerun"* ]]
    [ "$(jq '.attempts | length' "$rd/manifest.json")" -eq 2 ]
    [ ! -e "$rd/attempts/3.lines" ]
    # Nothing to submit either: sbatch is never called.
    refusing_sbatch
    run --separate-stderr dsq autopsy "$rd" --submit
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"nothing to rerun"*"nothing submitted"* ]]
    [ ! -e sbatch-called ]
    # Plain autopsy prints nothing.
    run --separate-stderr dsq autopsy "$rd"
    [ -z "$output" ]
}

@test "--states chooses the rerun's lines; the lines outside keep their state" {
    printf 'echo $DSQ_ATTEMPT >> ran.1\nexit 2\necho $DSQ_ATTEMPT >> ran.3\n' > jobs.txt
    dsq --job-file jobs.txt --dry-run --status-dir st >/dev/null || true
    rd=$WORK/$(only_run_dir st)

    # Rerun only the lines that were ok: the failed one stays failed.
    run --separate-stderr dsq autopsy "$rd" --dry-run --states ok
    [ "$status" -eq 1 ]
    [ "$(cat "$rd/attempts/2.lines")" = "$(printf '1\n3')" ]
    [ "$(record_lines "$rd" 2)" = '[1,3]' ]
    [ "$(cat ran.1 | tr '\n' ' ')" = "1 2 " ]
    run dsq report "$rd" --json --lines
    json_eq "$(jq -c '[.lines[] | [.line, .state, .exit, .attempts]]' <<<"$output")" \
        '[[1,"ok",0,2],[2,"failed",2,1],[3,"ok",0,2]]'

    # Then the failed line alone, as attempt 3.
    run --separate-stderr dsq autopsy "$rd" --dry-run --states failed
    [ "$status" -eq 1 ]
    [ "$(cat "$rd/attempts/3.lines")" = 2 ]
    [ "$(record_lines "$rd" 3)" = '[2]' ]
    run dsq report "$rd" --json --lines --history
    json_eq "$(jq -c '.lines[1].history | map([.attempt, .state])' <<<"$output")" '[[1,"failed"],[3,"failed"]]'
    json_eq "$(jq -c '.lines[0].history | map([.attempt, .state])' <<<"$output")" '[[1,"ok"],[2,"ok"]]'
    json_eq "$(jq -c '[.attempts[] | .commands]' <<<"$output")" '[3,2,1]'
}

@test "a rerun keeps the previous sbatch options per line unless given again, and plans afresh" {
    printf 'true\ntrue\ntrue\ntrue\n' > jobs.txt
    # Planned only: nothing ran, every line is not_run.
    dsq --job-file jobs.txt --status-dir st --parallel 2 -c 2 --mem 1g -t 10 \
        --partition=day --comment "two words" >/dev/null
    rd=$WORK/$(only_run_dir st)
    json_eq "$(jq -c '.sbatch' "$rd/manifest.json")" \
        '["--time=10","--partition=day","--comment=two words","--cpus-per-task=4","--mem=2048M","--signal=B:USR1@60"]'

    run --separate-stderr dsq autopsy "$rd" --dry-run --mem 3g --tasks 1 --layout block
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(cat "$rd/attempts/2.lines" | tr '\n' ' ')" = "1 2 3 4 " ]
    # --parallel 2 is kept: the per-line -c 2 and the new --mem 3g are scaled
    # again, and -t by ceil(4 lines / 2).
    json_eq "$(jq -c '.attempts[1].sbatch' "$rd/manifest.json")" \
        '["--partition=day","--comment=two words","--signal=B:USR1@60","--cpus-per-task=4","--mem=6144M","--time=00:20:00"]'
    json_eq "$(jq -c '.attempts[1].per_line' "$rd/manifest.json")" \
        '{"cpus":2,"mem_mib":3072,"mem_per_cpu_mib":0,"gpus":0,"time_s":600}'
    json_eq "$(jq -c '.attempts[1].plan | [.tasks, .lines_per_task, .layout]' "$rd/manifest.json")" '[1,4,"block"]'
    [ "$(ls "$rd/status" | grep '^a2' | tr '\n' ' ')" = "a2.t0.r0.jsonl " ]
    # Attempt 1 is untouched, at the top level too (2 tasks of 2 lines: with
    # --parallel 2 each task gets at least 2 lines).
    json_eq "$(jq -c '[.plan.tasks, .sbatch[4], .attempts[0].sbatch[4]]' "$rd/manifest.json")" '[2,"--mem=2048M","--mem=2048M"]'
    script=$(jq -r '.attempts[1].script' "$rd/manifest.json")
    grep -qx '#SBATCH --mem=6144M' "$rd/$script"
    grep -qx '#SBATCH --array=0-0' "$rd/$script"
    grep -qx '#SBATCH --job-name=dsq-jobs' "$rd/$script"
    [ "$(grep -c '^#SBATCH --mem' "$rd/$script")" -eq 1 ]
}

@test "a format-1 manifest still reports, and reruns as attempt 2" {
    # The fixture predates reruns.
    fixture_copy report-merge "$WORK/merge" >/dev/null
    [ "$(jq .format merge/manifest.json)" -eq 1 ]
    run --separate-stderr dsq report merge --json --lines --history
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '[.total, (.attempts | length), .lines[0].state, .lines[0].attempts]' <<<"$output")" '[9,1,"ok",2]'
    json_eq "$(jq -c '.lines[0].history | map([.attempt, .state])' <<<"$output")" '[[1,"failed"],[2,"ok"]]'

    # A run of our own, its manifest turned back into format 1.
    printf 'true\nexit 5\n' > jobs.txt
    dsq --job-file jobs.txt --dry-run --status-dir st >/dev/null || true
    rd=$WORK/$(only_run_dir st)
    jq 'del(.attempts) | .format = 1' "$rd/manifest.json" > m.json && mv m.json "$rd/manifest.json"
    run dsq report "$rd" --json --lines
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '[.lines[] | .state]' <<<"$output")" '["ok","failed"]'
    run --separate-stderr dsq autopsy "$rd" --dry-run
    [ "$status" -eq 1 ]
    [ "$(jq -r '[.format, (.attempts | length), .attempts[0].lines_file, .attempts[0].plan.tasks, .attempts[1].output] | @tsv' "$rd/manifest.json")" = \
        "$(printf '2\t2\t\t2\tdsq-jobs-%%A_%%a-%%N.out')" ]
    [ "$(record_lines "$rd" 2)" = '[2]' ]
}

@test "a rerun is refused while a line of the run is running, unless --force" {
    printf 'exit 1\ntouch started; sleep 30\n' > jobs.txt
    dsq_bg --job-file jobs.txt --dry-run --parallel 2 --status-dir st
    wait_for started 10
    wait_recs "$(ended 1)" 10 st
    rd=$WORK/$(only_run_dir st)

    run --separate-stderr dsq autopsy "$rd" --dry-run
    echo "$stderr"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"dsq: error: $rd is not over: line 2 is running (a --dry-run on this host)"* ]]
    [[ "$stderr" == *"--force"* ]]
    [ -z "$output" ]
    [ ! -e "$rd/attempts" ]
    [ "$(jq '.attempts | length' "$rd/manifest.json")" -eq 1 ]

    # --submit is refused the same way, before sbatch is asked.
    refusing_sbatch
    run --separate-stderr dsq autopsy "$rd" --submit
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"is not over"* ]]
    [ ! -e sbatch-called ]

    # --force reruns the failed line now; the running one is left alone.
    run --separate-stderr dsq autopsy "$rd" --dry-run --force
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ "$(cat "$rd/attempts/2.lines")" = 1 ]
    [ "$(record_lines "$rd" 2)" = '[1]' ]
    run dsq report "$rd" --json --lines
    json_eq "$(jq -c '[.lines[] | [.line, .state]]' <<<"$output")" '[[1,"failed"],[2,"running"]]'
}

@test "autopsy --submit refused by sbatch: its words, exit 3, the attempt stays, marked" {
    printf 'exit 4\ntrue\n' > jobs.txt
    dsq --job-file jobs.txt --dry-run --status-dir st >/dev/null || true
    rd=$WORK/$(only_run_dir st)
    refusing_sbatch
    run --separate-stderr dsq autopsy "$rd" --submit --partition=nope
    echo "$stderr"
    [ "$status" -eq 3 ]
    [ -e sbatch-called ]
    [[ "$stderr" == *"sbatch: error: Batch job submission failed: Invalid partition name specified"* ]]
    [[ "$stderr" == *"attempt 2 in run directory $rd was not submitted"* ]]
    [ -z "$output" ]
    [ "$(cat "$rd/attempts/2.lines")" = 1 ]
    [ "$(jq -r '.attempts[1] | [(.job_ids | length), .dry_run] | @tsv' "$rd/manifest.json")" = "$(printf '0\tfalse')" ]
    [[ "$(jq -r '.attempts[1].submit_error' "$rd/manifest.json")" == *"Invalid partition name"* ]]
    jq -e '.attempts[1].sbatch | index("--partition=nope")' "$rd/manifest.json"
    # Attempt 1's fields, also at the top level, are untouched.
    [ "$(jq -r '[.submit_error, .dry_run] | @tsv' "$rd/manifest.json")" = "$(printf '\ttrue')" ]

    # The report: the line keeps its failure, and the attempt that never ran
    # it is in its history as not_run.
    run dsq report "$rd" --json --lines --history
    json_eq "$(jq -c '.lines[0] | [.state, .exit, (.history | map([.attempt, .state]))]' <<<"$output")" \
        '["failed",4,[[1,"failed"],[2,"not_run"]]]'
    run dsq report "$rd"
    [[ "$output" == *"none (not submitted: sbatch refused it, attempt 2, 1 line)"* ]]

    # What Slurm would have run: task 0 of attempt 2 is line 1 alone.
    run --separate-stderr dsq run --run-dir "$rd" --attempt 2 --task 0
    [ "$status" -eq 1 ]
    [ "$(record_lines "$rd" 2)" = '[1]' ]
    [ "$(ls "$rd/status" | grep '^a2' | tr '\n' ' ')" = "a2.t0.r0.jsonl " ]
    run --separate-stderr dsq run --run-dir "$rd" --attempt 2 --task 1
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"array task 1 is not in attempt 2"* ]]
}

@test "a batch template without {{ATTEMPT}} cannot rerun; nothing of the attempt stays" {
    printf '#!/bin/bash\n{{SBATCH}}\nexec {{DSQ}} run --run-dir {{RUN_DIR}} "$@"\n' > t.tmpl
    mkdir -p "$XDG_CONFIG_HOME/dsq"
    printf 'batch-template: %s\n' "$PWD/t.tmpl" > "$XDG_CONFIG_HOME/dsq/config.yaml"
    printf 'exit 1\n' > jobs.txt
    dsq --job-file jobs.txt --dry-run --status-dir st >/dev/null || true
    rd=$WORK/$(only_run_dir st)
    run --separate-stderr dsq autopsy "$rd" --dry-run
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"no {{ATTEMPT}}"* ]]
    [ ! -e "$rd/attempts/2.lines" ]
    [ -z "$(ls "$rd" | grep '\.a2\.sh$')" ]
    [ "$(jq '.attempts | length' "$rd/manifest.json")" -eq 1 ]
}

@test "rerun usage errors exit 2 and name the culprit" {
    run --separate-stderr dsq autopsy --submit --dry-run
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--submit and --dry-run"* ]]
    run --separate-stderr dsq autopsy --wait
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--wait"*"--submit"* ]]
    run --separate-stderr dsq autopsy --mem 4g
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--mem reruns the lines: give --submit or --dry-run"* ]]
    run --separate-stderr dsq autopsy --parallel 2
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--parallel"*"--submit or --dry-run"* ]]
    run --separate-stderr dsq autopsy --submit --bogus
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"unknown option '--bogus'"* ]]
    run --separate-stderr dsq autopsy --dry-run --tasks 2 --lines-per-task 2
    [ "$status" -eq 2 ]
    run --separate-stderr dsq autopsy --dry-run --parallel 0
    [ "$status" -eq 2 ]
    run --separate-stderr dsq autopsy jobs.txt status.tsv --submit
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--submit does not go with dSQ's JOBFILE STATUSFILE form"* ]]
    run --separate-stderr dsq report --history --tsv
    [ "$status" -eq 2 ]
    run --separate-stderr dsq report --history --json
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--history goes with"* ]]
}
