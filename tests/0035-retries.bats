#!/usr/bin/env bats
# Retries in the task (--retries, --retry-on) and array-wide fail-fast
# (--max-failures), under --dry-run: the records of every try, report's last
# try and tries, what is never retried, and the halt markers in the run
# directory.  The same on a real cluster is 0132-retries.bats.

load helper
bats_require_minimum_version 1.5.0

setup() {
    setup_dsq
}

# A line that fails on its first try and succeeds on its second: a counter
# file per line, kept in the working directory.
flaky='n=$(cat count.$DSQ_LINE 2>/dev/null || echo 0); echo $((n + 1)) > count.$DSQ_LINE; echo "try $DSQ_TRY"; [ "$n" -ge 1 ]'

@test "--retries 2: a flaky line ends ok after 2 tries, each its own start and end record" {
    printf '%s\n' "$flaky" 'echo fine' > jobs.txt
    run dsq --job-file jobs.txt --dry-run --parallel 1 --retries 2 --line-output 'o.%L'
    [ "$status" -eq 0 ]
    [ "$(cat count.1)" = 2 ]
    [ "$(recs | jq -c 'select(.line == 1) | [.ev, .try, .state]' | paste -sd' ')" = \
        '["start",1,null] ["end",1,"failed"] ["start",2,null] ["end",2,"ok"]' ]
    [ "$(recs | jq -c 'select(.line == 2) | [.ev, .try]' | paste -sd' ')" = '["start",1] ["end",1]' ]
    # The retry ran in the same slot, and appended to the line's output.
    [ "$(printf '%s\n' 'try 1' 'try 2')" = "$(cat o.1)" ]
    run --separate-stderr dsq report --json --lines
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '[.lines[] | [.line, .state, .tries, .attempts]]' <<<"$output")" '[[1,"ok",2,1],[2,"ok",1,1]]'
    [ "$(jq .retried <<<"$output")" = 1 ]
    run dsq report
    [[ "$output" == *"retried:     1 line run more than once (2 tries in all)"* ]]
    run dsq report --json --lines --history
    json_eq "$(jq -c '.lines[0].history | map([.attempt, .state, .tries])' <<<"$output")" '[[1,"ok",2]]'
}

@test "--retries 2: a line that always fails stops after 3 tries, failed; autopsy reruns it" {
    printf '%s\n' 'echo x >> tries.1; exit 5' 'true' > jobs.txt
    run dsq --job-file jobs.txt --dry-run --parallel 2 --retries 2
    [ "$status" -eq 1 ]
    [ "$(wc -l < tries.1)" -eq 3 ]
    [ "$(end_field 1 try | paste -sd' ')" = '1 2 3' ]
    [ "$(end_field 1 exit | paste -sd' ')" = '5 5 5' ]
    run --separate-stderr dsq report --json --lines
    json_eq "$(jq -c '.lines[0] | [.state, .exit, .tries, .cause]' <<<"$output")" '["failed",5,3,"exit"]'
    json_eq "$(jq -c '.states | [.ok, .failed]' <<<"$output")" '[1,1]'
    # Autopsy picks the line once, as before retries.
    run --separate-stderr dsq autopsy
    [ "$output" = 'echo x >> tries.1; exit 5' ]
    [[ "$stderr" == *"1 succeeded, 1 failed"* ]]
    # A rerun keeps the run's retries: 3 more tries in attempt 2.
    run dsq autopsy --dry-run
    [ "$status" -eq 1 ]
    [ "$(wc -l < tries.1)" -eq 6 ]
    [ "$(recs | jq -c 'select(.ev == "end" and .attempt == 2) | .try' | paste -sd' ')" = '1 2 3' ]
    jq -e '.attempts[1].retries == 2' "$(only_run_dir)/manifest.json"
}

@test "--retry-on 3: exit 3 is retried, exit 4 and a signal are not; 'signal' retries signals" {
    printf '%s\n' 'echo x >> t.1; exit 3' 'echo x >> t.2; exit 4' 'echo x >> t.3; kill -KILL $$' > jobs.txt
    run dsq --job-file jobs.txt --dry-run --parallel 1 --retries 1 --retry-on 3 --status-dir a
    [ "$status" -eq 1 ]
    [ "$(wc -l < t.1) $(wc -l < t.2) $(wc -l < t.3)" = '2 1 1' ]
    jq -e '.attempts[0].retry_on == "3" and .attempts[0].retries == 1' "$(only_run_dir a)/manifest.json"
    rm t.*
    run dsq --job-file jobs.txt --dry-run --parallel 1 --retries 1 --retry-on signal,4 --status-dir b
    [ "$status" -eq 1 ]
    [ "$(wc -l < t.1) $(wc -l < t.2) $(wc -l < t.3)" = '1 2 2' ]
    [ "$(end_field 3 state b | paste -sd' ')" = 'signaled signaled' ]
    jq -e '.attempts[0].retry_on == "4,signal"' "$(only_run_dir b)/manifest.json"
}

@test "a line interrupted by SIGTERM is not retried, whatever --retries says" {
    printf '%s\n' 'echo x >> t.1; sleep 300' 'echo never > never.2' > jobs.txt
    dsq_bg --job-file jobs.txt --dry-run --parallel 1 --retries 3 --kill-grace 1
    wait_recs "$(started 1)"
    bg_wait TERM
    [ "$bg_status" -eq 143 ]
    [ "$(wc -l < t.1)" -eq 1 ]
    [ "$(recs | jq -c 'select(.line == 1) | [.ev, .try, .state]' | paste -sd' ')" = \
        '["start",1,null] ["end",1,"interrupted"]' ]
    [ ! -e never.2 ]
}

@test "after SIGUSR1 (the time limit is near) a failed line is not retried" {
    printf '%s\n' 'echo x >> t.1; touch running; while [ ! -e go ]; do sleep 0.05; done; exit 1' > jobs.txt
    dsq_bg --job-file jobs.txt --dry-run --parallel 1 --retries 3
    wait_for running
    kill -USR1 "$bg_pid"
    touch go
    bg_wait
    [ "$bg_status" -eq 1 ]
    [ "$(wc -l < t.1)" -eq 1 ]
    [ "$(end_field 1 state)" = failed ]
}

@test "--max-failures 3 with one slot: 3 lines fail, the rest never start, not_run with cause halted" {
    for i in $(seq 1 10); do echo "echo $i >> ran; exit 1"; done > jobs.txt
    run dsq --job-file jobs.txt --dry-run --parallel 1 --tasks 4 --max-failures 3
    [ "$status" -eq 1 ]
    [[ "$output" == *"halted:      attempt 1 stopped starting lines after 3 failures (--max-failures): line 1, line 2, line 3"* ]]
    [[ "$output" == *"halted (not_run): 7 lines (4, 5, 6, 7, 8, ...)"* ]]
    [ "$(paste -sd' ' ran)" = '1 2 3' ]
    rd=$(only_run_dir)
    # The markers: one per failure, each holding its line.
    [ "$(cd "$rd/halt/1" && ls | sort -n | paste -sd' ')" = '1 2 3' ]
    [ "$(cat "$rd/halt/1/1" "$rd/halt/1/2" "$rd/halt/1/3" | paste -sd' ')" = '1 2 3' ]
    run --separate-stderr dsq report --json --lines
    json_eq "$(jq -c '.halted' <<<"$output")" '[{"attempt":1,"max_failures":3,"lines":[1,2,3]}]'
    json_eq "$(jq -c '.states | [.failed, .not_run]' <<<"$output")" '[3,7]'
    json_eq "$(jq -c '[.lines[] | select(.state == "not_run") | .cause] | unique' <<<"$output")" '["halted"]'
    jq -e '.attempts[0].max_failures == 3' "$rd/manifest.json"
    # A rerun is another attempt: it counts its own failures.
    run dsq autopsy --dry-run --parallel 1
    [ "$status" -eq 1 ]
    [ "$(wc -l < ran)" -eq 6 ]
    [ "$(cd "$rd/halt/2" && ls | sort -n | paste -sd' ')" = '1 2 3' ]
}

@test "--max-failures: lines already running finish; ok lines and retried lines count right" {
    # Two slots: line 2 fails (twice), line 3 fails (twice) once line 4 has
    # started, which halts the run while line 4 waits for 'go'; line 5 never
    # starts.  Line 1, ok on its second try, is not a failure.
    {
        echo "$flaky"
        echo 'exit 1'
        echo 'while [ ! -e running.4 ]; do sleep 0.05; done; exit 1'
        echo 'touch running.4; while [ ! -e go ]; do sleep 0.05; done; echo done > done.4'
        echo 'echo never > never.5'
    } > jobs.txt
    dsq_bg --job-file jobs.txt --dry-run --parallel 2 --max-failures 2 --retries 1 --retry-on 1
    wait_recs "$(ended 2 3) and $(started 4)"
    touch go
    bg_wait
    [ "$bg_status" -eq 1 ]
    [ "$(cat done.4)" = done ]
    [ ! -e never.5 ]
    run --separate-stderr dsq report --json --lines
    json_eq "$(jq -c '[.lines[] | [.line, .state, .tries, .cause]]' <<<"$output")" \
        '[[1,"ok",2,null],[2,"failed",2,"exit"],[3,"failed",2,"exit"],[4,"ok",1,null],[5,"not_run",0,"halted"]]'
}

@test "options and configuration: retries, retry-on, max-failures; bad values are usage errors" {
    echo true > jobs.txt
    printf 'retries: 4\nretry-on: "signal,7,3"\nmax-failures: 9\n' > conf.yaml
    DSQ_CONFIG=$PWD/conf.yaml run dsq --job-file jobs.txt --status-dir c
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '.attempts[0] | [.retries, .retry_on, .max_failures]' "$(only_run_dir c)/manifest.json")" '[4,"3,7,signal",9]'
    # The command line wins.
    DSQ_CONFIG=$PWD/conf.yaml run dsq --job-file jobs.txt --status-dir d --retries 0 --retry-on 2 --max-failures 0
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '.attempts[0] | [.retries, .retry_on, .max_failures]' "$(only_run_dir d)/manifest.json")" '[0,"2",0]'
    # Defaults: none.
    run dsq --job-file jobs.txt --status-dir e
    json_eq "$(jq -c '.attempts[0] | [.retries, .retry_on, .max_failures]' "$(only_run_dir e)/manifest.json")" '[0,null,0]'
    for bad in '--retries 101' '--retries -1' '--retries x' '--max-failures -1' '--max-failures 100000001' \
        '--retry-on 0' '--retry-on 256' '--retry-on foo' '--retry-on 3,' '--retry-on ,3'; do
        # shellcheck disable=SC2086 # one option and its value
        run --separate-stderr dsq --job-file jobs.txt --status-dir bad $bad
        [ "$status" -eq 2 ] || { echo "$bad -> $status"; return 1; }
        [[ "$stderr" == *"${bad%% *}"* ]] || { echo "$bad: $stderr"; return 1; }
    done
    [ ! -e bad ]
    printf 'retry-on: nine\n' > bad.yaml
    DSQ_CONFIG=$PWD/bad.yaml run dsq --job-file jobs.txt --status-dir bad
    [ "$status" -eq 2 ]
    [[ "$output" == *"key 'retry-on'"*"'nine'"* ]]
    run dsq --help
    [[ "$output" == *"--retries N"* && "$output" == *"--retry-on LIST"* && "$output" == *"--max-failures N"* ]]
}

@test "a record without \"try\" (before retries) is try 1" {
    printf '%s\n' 'exit 2' > jobs.txt
    run dsq --job-file jobs.txt --dry-run --parallel 1
    rd=$(only_run_dir)
    for f in "$rd"/status/*.jsonl; do
        sed -i 's/"try":1,//' "$f"
    done
    ! grep -q '"try"' "$rd"/status/*.jsonl
    run --separate-stderr dsq report --json --lines
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '.lines[0] | [.state, .tries]' <<<"$output")" '["failed",1]'
}
