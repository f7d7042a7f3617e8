#!/usr/bin/env bats
# dsq report: option handling, the merge of records (from a hand-made run
# directory, tests/fixtures/report-merge) and end-to-end dry runs that reach
# every line state.
load helper
setup() { setup_dsq; }
bats_require_minimum_version 1.5.0

teardown() {
    # Line processes orphaned on purpose by a test (SIGKILL of the runner).
    local p
    for p in ${ORPHANS:-}; do kill -KILL -- "-$p" 2>/dev/null || true; done
}

@test "report --help prints usage to stdout and exits 0" {
    run --separate-stderr dsq report --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: dsq report"* ]]
    [[ "$output" == *"a tab \\t"* ]]
    [ -z "$stderr" ]
    run dsq report -h
    [ "$status" -eq 0 ]
}

@test "report usage errors exit 2 and name the option" {
    run --separate-stderr dsq report --bogus
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"unknown option '--bogus'"* ]]
    [ -z "$output" ]
    run --separate-stderr dsq report --jso
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"'--jso'"* ]]
    run --separate-stderr dsq report --lines
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--lines goes with --json"* ]]
    run --separate-stderr dsq report --json --tsv
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--json and --tsv"* ]]
    run --separate-stderr dsq report a b
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"one RUN at most"* ]]
    run --separate-stderr dsq report --status-dir
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--status-dir"* ]]
}

@test "report without a run says where it looked" {
    mkdir empty
    run --separate-stderr dsq report --status-dir empty
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"no dsq run under empty"* ]]
    run --separate-stderr dsq report "$WORK/nothing-here"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"nothing-here"* ]]
}

@test "report merges attempts and restarts: the latest wins" {
    run_dir=$(fixture_copy report-merge "$WORK/merge")
    run --separate-stderr dsq report "$run_dir" --json --lines
    [ "$status" -eq 0 ]
    # The torn last record and the record for a comment line are warnings.
    [[ "$stderr" == *"a1.t8.r0.jsonl:3"* ]]
    [[ "$stderr" == *"1 record for lines that are not commands"* ]]
    j="$output"
    json_eq "$(jq -c .states <<<"$j")" '{"ok":3,"failed":2,"signaled":1,"interrupted":0,"lost":2,"pending":0,"running":0,"not_run":1}'
    [ "$(jq -r '.run, .jobfile, .total, .over, .queue_known' <<<"$j" | paste -sd' ')" = \
        "report-merge /home/user/jobs.txt 9 true false" ]
    json_eq "$(jq -c .job_ids <<<"$j")" '[]'
    # Line 1: attempt 1 failed, attempt 2 ok.
    json_eq "$(jq -c '.lines[0] | [.line,.state,.exit,.signal,.host,.start,.end,.elapsed,.attempts,.command]' <<<"$j")" \
        '[1,"ok",0,null,"node1",2000,2010,10,2,"echo first"]'
    # Line 3: restart 0 interrupted, restart 1 of the same attempt ok.
    json_eq "$(jq -c '.lines[1] | [.line,.state,.host,.elapsed,.attempts]' <<<"$j")" '[3,"ok","node3",20,2]'
    # Line 4: started on another host, no end record, no queue: lost.
    json_eq "$(jq -c '.lines[2] | [.line,.state,.exit,.signal,.host,.start,.end,.elapsed,.attempts]' <<<"$j")" \
        '[4,"lost",null,null,"node-gone",1000,null,null,1]'
    json_eq "$(jq -c '.lines[5] | [.line,.state,.exit,.signal]' <<<"$j")" '[7,"signaled",null,9]'
    # Line 8: attempt 1 ended ok, attempt 2 started and vanished: lost.
    json_eq "$(jq -c '.lines[6] | [.line,.state,.attempts,.host]' <<<"$j")" '[8,"lost",2,"node-gone"]'
    json_eq "$(jq -c '.lines[7]' <<<"$j")" \
        '{"line":9,"state":"not_run","exit":null,"signal":null,"host":null,"start":null,"end":null,"elapsed":null,"attempts":0,"command":"never run","task":7,"cpu_seconds":null,"maxrss_kb":null,"reason":null,"slurm_state":null,"cause":"unknown","tries":0}'
    # Line 10: its end record precedes its start record in the file.
    json_eq "$(jq -c '.lines[8] | [.line,.state,.start,.end,.elapsed]' <<<"$j")" '[10,"ok",1000,1030,30]'
    [ "$(jq '.lines | length' <<<"$j")" -eq 9 ]
}

@test "report statistics: wall time, CPU, memory, slowest, failure groups, advice" {
    run_dir=$(fixture_copy report-merge "$WORK/merge")
    run --separate-stderr dsq report "$run_dir" --json
    [ "$status" -eq 0 ]
    j="$output"
    [ "$(jq 'has("lines")' <<<"$j")" = false ]
    json_eq "$(jq -c .elapsed <<<"$j")" '{"min":10,"median":35,"p95":60,"max":60}'
    json_eq "$(jq -c '[.finished, .cpu_seconds, .cpu_efficiency, .maxrss_kb]' <<<"$j")" '[6,57,0.2714,204800]'
    json_eq "$(jq -c '[.slowest[].line]' <<<"$j")" '[7,6,5,10,3]'
    json_eq "$(jq -c '.failures' <<<"$j")" \
        '[{"cause":"exit","state":"failed","exit":4,"signal":null,"slurm_state":null,"count":2,"lines":[5,6]},{"cause":"unknown","state":"lost","exit":null,"signal":null,"slurm_state":null,"count":2,"lines":[4,8]},{"cause":"signal","state":"signaled","exit":null,"signal":9,"slurm_state":null,"count":1,"lines":[7]},{"cause":"unknown","state":"not_run","exit":null,"signal":null,"slurm_state":null,"count":1,"lines":[9]}]'
    json_eq "$(jq -c '.advice | [.lines_per_task, .tasks, .task_seconds]' <<<"$j")" '[9,1,180]'
}

@test "report text summary" {
    run_dir=$(fixture_copy report-merge "$WORK/merge")
    run --separate-stderr dsq report "$run_dir"
    [ "$status" -eq 0 ]
    [[ "$output" == *"run:         report-merge"* ]]
    [[ "$output" == *"job ids:     none (dry run)"* ]]
    [[ "$output" == *"lines:       9, over"* ]]
    [[ "$output" == *"states:      3 ok, 2 failed, 1 signaled, 2 lost, 1 not_run"* ]]
    [[ "$output" == *"wall time:   min 10.0 s, median 35.0 s, p95 1m 00s, max 1m 00s (6 finished lines)"* ]]
    [[ "$output" == *"CPU time:    57.0 s, efficiency 27% of 1 CPU per line"* ]]
    [[ "$output" == *"peak memory: 200.0 MiB (line 6)"* ]]
    [[ "$output" == *"slowest:     line 7 (1m 00s), line 6 (50.0 s), line 5 (40.0 s), line 10 (30.0 s), line 3 (20.0 s)"* ]]
    [[ "$output" == *"  exit 4: 2 lines (5, 6)"* ]]
    [[ "$output" == *"  unknown (lost): 2 lines (4, 8)"* ]]
    [[ "$output" == *"  unknown (not_run): 1 line (9)"* ]]
    [[ "$output" == *"  signal 9 (KILL): 1 line (7)"* ]]
    [[ "$output" == *"median successful line takes 20.0 s: --tasks 1 runs all 9 lines in one array task of about 3 minutes"* ]]
    # Zero counts are not listed.
    [[ "$output" != *"0 interrupted"* ]]
}

@test "report --tsv: header, one row per line, empty unknowns" {
    run_dir=$(fixture_copy report-merge "$WORK/merge")
    run --separate-stderr dsq report "$run_dir" --tsv
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$(printf 'line\tstate\texit\tsignal\thost\tstart\tend\telapsed\tattempts\tcommand\tcause')" ]
    [ "${lines[1]}" = "$(printf '1\tok\t0\t\tnode1\t2000.000000\t2010.000000\t10.000000\t2\techo first\t')" ]
    [[ "${lines[5]}" == *"$(printf '\tfailed\t4\t')"*"$(printf '\texit')" ]]
    [ "${lines[8]}" = "$(printf '9\tnot_run\t\t\t\t\t\t\t0\tnever run\tunknown')" ]
    [ "${#lines[@]}" -eq 10 ]
}

@test "report --check exits 1 unless every line is ok" {
    run_dir=$(fixture_copy report-merge "$WORK/merge")
    run dsq report "$run_dir" --check
    [ "$status" -eq 1 ]
    printf 'true\necho hi\n' > ok.txt
    dsq --job-file ok.txt --dry-run --status-dir st >/dev/null
    run dsq report --status-dir st --check --json
    [ "$status" -eq 0 ]
    [ "$(jq -c .states.ok <<<"$output")" = 2 ]
}

@test "dry run end to end: ok, failed, signaled; commands as UTF-8 in JSON" {
    printf 'true\n# comment\nexit 3\n\nkill -9 $$\r\necho \xff\xfe >/dev/null\nexit 3\r\n' > jobs.txt
    run dsq --job-file jobs.txt --dry-run --status-dir st
    [ "$status" -eq 1 ]
    run --separate-stderr dsq report --status-dir st --json --lines
    [ "$status" -eq 0 ]
    j="$output"
    json_eq "$(jq -c .states <<<"$j")" '{"ok":2,"failed":2,"signaled":1,"interrupted":0,"lost":0,"pending":0,"running":0,"not_run":0}'
    json_eq "$(jq -c '[.lines[] | [.line, .state, .exit, .signal, .attempts]]' <<<"$j")" \
        '[[1,"ok",0,null,1],[3,"failed",3,null,1],[5,"signaled",null,9,1],[6,"ok",0,null,1],[7,"failed",3,null,1]]'
    # Not UTF-8: U+FFFD in JSON.  CRLF: the \r is not part of the command.
    [ "$(jq -r '.lines[3].command' <<<"$j")" = "echo $(printf '\xef\xbf\xbd\xef\xbf\xbd') >/dev/null" ]
    [ "$(jq -r '.lines[2].command' <<<"$j")" = 'kill -9 $$' ]
    [ "$(jq -r '.lines[4].command' <<<"$j")" = 'exit 3' ]
    [ "$(jq -r '.lines[0].host' <<<"$j")" = "$(hostname -s)" ]
    [ "$(jq '[.lines[] | .start <= .end and .elapsed >= 0] | all' <<<"$j")" = true ]
    json_eq "$(jq -c '.failures | map([.exit, .signal, .count])' <<<"$j")" '[[3,null,2],[null,9,1]]'
    json_eq "$(jq -c '[.lines[] | .cause]' <<<"$j")" '[null,"exit","signal",null,"exit"]'
    run dsq report --status-dir st
    [[ "$output" == *"exit 3: 2 lines (3, 7)"* ]]
    [[ "$output" == *"signal 9 (KILL): 1 line (5)"* ]]
}

@test "report --tsv escapes tabs and backslashes in commands, keeps other bytes" {
    printf 'echo "a\tb" \\\\ x\necho \xff\n' > jobs.txt
    dsq --job-file jobs.txt --dry-run --status-dir st >/dev/null
    run dsq report --status-dir st --tsv
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == *"$(printf '\t1\techo "a\\tb" \\\\\\\\ x\t')" ]]
    [[ "${lines[2]}" == *"$(printf '\t1\techo \xff\t')" ]]
    [ "$(printf '%s\n' "${lines[1]}" | awk -F'\t' '{print NF}')" -eq 11 ]
}

@test "SIGTERM to a dry run: the running line is interrupted, the rest not_run" {
    printf 'sleep 30\nsleep 30\necho never\n' > jobs.txt
    dsq_bg --job-file jobs.txt --dry-run --parallel 1 --status-dir st
    wait_recs "$(started 1)" 10 st
    run --separate-stderr dsq report --status-dir st --json
    json_eq "$(jq -c '[.states.running, .states.pending, .over]' <<<"$output")" '[1,2,false]'
    bg_wait TERM
    [ "$bg_status" -ne 0 ]
    run --separate-stderr dsq report --status-dir st --json --lines
    [ "$status" -eq 0 ]
    j="$output"
    json_eq "$(jq -c '[.lines[] | [.line, .state, .signal]]' <<<"$j")" '[[1,"interrupted",15],[2,"not_run",null],[3,"not_run",null]]'
    json_eq "$(jq -c '[.states.interrupted, .states.not_run, .over]' <<<"$j")" '[1,2,true]'
    run dsq report --status-dir st
    [[ "$output" == *"states:      1 interrupted, 2 not_run"* ]]
    # Without Slurm, nothing says why the run was stopped.
    [[ "$output" == *"unknown (interrupted): 1 line (1)"* ]]
    [[ "$output" == *"unknown (not_run): 2 lines (2, 3)"* ]]
}

@test "SIGKILL of a dry run: running while the line lives, lost after" {
    printf 'sleep 30\necho never\n' > jobs.txt
    dsq_bg --job-file jobs.txt --dry-run --parallel 1 --status-dir st
    wait_recs "$(started 1)" 10 st
    bg_wait KILL
    line_pid=$(start_field 1 pid st)
    ORPHANS="$line_pid"
    run --separate-stderr dsq report --status-dir st --json --lines
    json_eq "$(jq -c '[.lines[] | .state]' <<<"$output")" '["running","pending"]'
    [ "$(jq .over <<<"$output")" = false ]
    kill -KILL -- "-$line_pid"
    for i in $(seq 1 50); do kill -0 "$line_pid" 2>/dev/null || break; sleep 0.1; done
    run --separate-stderr dsq report --status-dir st --json --lines
    json_eq "$(jq -c '[.lines[] | [.state, .exit, .elapsed]]' <<<"$output")" '[["lost",null,null],["not_run",null,null]]'
    [ "$(jq .over <<<"$output")" = true ]
}

@test "RUN as a Slurm job id; Slurm that cannot be asked is said once" {
    printf 'true\nexit 1\n' > jobs.txt
    dsq --job-file jobs.txt --dry-run --status-dir st >/dev/null || true
    run_dir=$(only_run_dir st)
    jq '.attempts[0].job_ids = ["4242"]' "$run_dir/manifest.json" > m.json
    mv m.json "$run_dir/manifest.json"
    run --separate-stderr dsq report 4242 --status-dir st --json
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '[.job_ids, .queue_known, .states.ok, .states.failed]' <<<"$output")" '[["4242"],false,1,1]'
    [[ "$stderr" == *"cannot ask Slurm about job 4242"* ]]
    [ "$(grep -c 'cannot ask Slurm' <<<"$stderr")" -eq 1 ]
    run --separate-stderr dsq report 4343 --status-dir st
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"4343"* ]]
}

@test "the latest run is the default; the status dir comes from the config" {
    mkdir -p "$XDG_CONFIG_HOME/dsq"
    printf 'status-dir: %s\n' "$WORK/runs" > "$XDG_CONFIG_HOME/dsq/config.yaml"
    printf 'true\n' > first.txt
    printf 'false\n' > second.txt
    dsq --job-file first.txt --dry-run --status-dir runs >/dev/null
    sleep 1.1 # runs are ordered by their manifest's "created" time
    dsq --job-file second.txt --dry-run --status-dir runs >/dev/null || true
    mkdir elsewhere && cd elsewhere
    run --separate-stderr dsq report --json
    [ "$status" -eq 0 ]
    [ "$(jq -r .jobfile <<<"$output")" = "$WORK/second.txt" ]
    # --status-dir overrides the configuration.
    mkdir ../other
    run --separate-stderr dsq report --status-dir ../other
    [ "$status" -eq 2 ]
}

@test "report --watch on a finished run prints once and exits" {
    printf 'true\n' > jobs.txt
    dsq --job-file jobs.txt --dry-run --status-dir st >/dev/null
    run timeout 20 dsq report --status-dir st --watch
    [ "$status" -eq 0 ]
    [[ "$output" == *"states:      1 ok"* ]]
    run dsq report --watch --json
    [ "$status" -eq 2 ]
}

@test "report's hint to run autopsy quotes a path with blanks" {
    printf 'exit 2\n' > jobs.txt
    dsq --job-file jobs.txt --dry-run --status-dir "my runs" >/dev/null || true
    run dsq report --status-dir "my runs"
    [ "$status" -eq 0 ]
    [[ "$output" == *"run again:   dsq autopsy '$WORK/my runs/dsq-jobs-"*"' > rerun.txt"* ]]
}

@test "next time: lines of known sizes give the memory, time and CPUs to ask for" {
    # tail holds its whole input (no newline) in memory: about 150 MiB at
    # most, 1-2 s a line, one CPU mostly idle.
    printf '%s\n' 'head -c 150M /dev/zero | tail > /dev/null; sleep 1' \
        'head -c 50M /dev/zero | tail > /dev/null; sleep 2' 'sleep 1' > jobs.txt
    run dsq --job-file jobs.txt --dry-run --status-dir st --mem 4G -t 1:00:00 -c 2
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"next time:"* ]]
    # (150 to 200 MiB, as the JSON check below: tail's buffer grows by steps.)
    [[ "$output" == *"  memory:    asked --mem 4G per line; used at most 1"[5-9]*" MiB (p95 1"[5-9]*" MiB): --mem 256M would do"* ]]
    [[ "$output" == *"  time:      asked -t 1:00:00 per line; the longest took 2."*" s (p95 2."*" s): -t 02:00 would do"* ]]
    [[ "$output" == *"  CPUs:      asked -c 2 per line; lines kept at most 0."*" CPUs busy (p95 0."*"): -c 1 would do"* ]]
    run --separate-stderr dsq report --status-dir st --json
    j="$output"
    json_eq "$(jq -c '.resources | [.mem.asked_mib, .mem.suggest_mib, .mem.out_of_memory, .time.asked_s, .time.suggest_s, .cpus.asked, .cpus.suggest]' <<<"$j")" \
        '[4096,256,0,3600,120,2,1]'
    # The peak is the measured one: at least the 150 MiB the line held.
    [ "$(jq '.resources.mem.max_kb >= 150 * 1024 and .resources.mem.max_kb < 200 * 1024' <<<"$j")" = true ]
    [ "$(jq '.resources.time.max >= 2 and .resources.time.p95 == .resources.time.max' <<<"$j")" = true ]
    [ "$(jq -r '.resources.mem.text' <<<"$j")" = "$(grep -o 'asked --mem 4G.*' <<<"$(dsq report --status-dir st)")" ]
    # Nothing asked: what covers it.
    run dsq --job-file jobs.txt --dry-run --status-dir st2
    [[ "$output" == *"  memory:    no --mem asked; used at most "*": --mem 256M covers it"* ]]
    [[ "$output" == *"  time:      no -t asked; the longest took "*": -t 02:00 covers it"* ]]
    [[ "$output" == *"  CPUs:      one CPU per line (no -c); lines kept at most "*": about right"* ]]
}
