#!/usr/bin/env bats
# dsq autopsy / dsq-autopsy: the lines to run again, byte-exact, from a dsq
# run (end-to-end dry runs) and from dSQ's own status TSV (fixtures dsq-*).
load helper
setup() { setup_dsq; }
bats_require_minimum_version 1.5.0

@test "autopsy --help prints usage to stdout and exits 0" {
    run --separate-stderr dsq autopsy --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: dsq autopsy"* ]]
    [[ "$output" == *"JOBFILE STATUSFILE"* ]]
    [ -z "$stderr" ]
    run --separate-stderr dsq-autopsy -h
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: dsq autopsy"* ]]
}

@test "autopsy usage errors exit 2 and name the option or state" {
    run --separate-stderr dsq autopsy --bogus
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"unknown option '--bogus'"* ]]
    [ -z "$output" ]
    run --separate-stderr dsq autopsy --state failed
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"'--state'"* ]]
    run --separate-stderr dsq autopsy --states failed,nope
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--states: unknown state 'nope'"* ]]
    run --separate-stderr dsq autopsy --states
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--states"* ]]
    run --separate-stderr dsq autopsy a b c
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"too many arguments ('c')"* ]]
    run --separate-stderr dsq autopsy --states failed "$FIX/dsq-jobs.txt" "$FIX/dsq-job_42_status.tsv"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--states does not go with"* ]]
}

@test "autopsy of a dry run: byte-exact lines, job-file order, dSQ-style summary" {
    # Non-UTF-8 bytes, CRLF endings, leading blanks, a last line without "\n".
    printf 'true\r\n# comment\r\nexit 3 # \xff\xfe\r\n\r\n  kill -9 $$\r\necho fine\r\nexit 4' > jobs.txt
    run dsq --job-file jobs.txt --dry-run --status-dir st
    [ "$status" -eq 1 ]
    dsq autopsy --status-dir st >rerun.txt 2>err.txt
    printf 'exit 3 # \xff\xfe\n  kill -9 $$\nexit 4\n' > want.txt
    cmp rerun.txt want.txt
    [ "$(cat err.txt)" = "2 succeeded, 2 failed, 0 didn't run, 1 signaled" ]
    # The same through dsq-autopsy and by run directory.
    dsq-autopsy "$(only_run_dir st)" >rerun2.txt 2>/dev/null
    cmp rerun2.txt want.txt
}

@test "autopsy --states chooses the lines" {
    printf 'true\nexit 3\necho \xff\n' > jobs.txt
    dsq --job-file jobs.txt --dry-run --status-dir st >/dev/null || true
    run --separate-stderr dsq autopsy --status-dir st --states ok
    [ "$status" -eq 0 ]
    printf 'true\necho \xff\n' > want.txt
    dsq autopsy --status-dir st --states ok 2>/dev/null | cmp - want.txt
    dsq autopsy --status-dir st --states all 2>/dev/null | cmp - jobs.txt
    dsq autopsy --status-dir st --states lost,not_run 2>/dev/null | cmp - /dev/null
    [ "$stderr" = "2 succeeded, 1 failed, 0 didn't run" ]
}

@test "autopsy after SIGTERM: interrupted and not-run lines are printed" {
    printf 'echo done\nsleep 30\nsleep 30 # second\necho never\n' > jobs.txt
    dsq_bg --job-file jobs.txt --dry-run --parallel 1 --layout stripe --status-dir st
    wait_recs "$(started 2)" 10 st
    # While it runs: the waiting lines are not printed, and autopsy says so.
    run --separate-stderr dsq autopsy --status-dir st
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    [[ "$stderr" == *"1 succeeded, 0 failed, 0 didn't run, 2 pending, 1 running"* ]]
    [[ "$stderr" == *"the run is not over: 3 lines pending or running are not printed"* ]]
    bg_wait TERM
    dsq autopsy --status-dir st >rerun.txt 2>err.txt
    printf 'sleep 30\nsleep 30 # second\necho never\n' > want.txt
    cmp rerun.txt want.txt
    [ "$(cat err.txt)" = "1 succeeded, 0 failed, 2 didn't run, 1 interrupted" ]
}

@test "autopsy of a run where everything succeeded prints nothing" {
    printf 'true\necho hi\n' > jobs.txt
    dsq --job-file jobs.txt --dry-run --status-dir st >/dev/null
    run --separate-stderr dsq autopsy --status-dir st
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    [ "$stderr" = "2 succeeded, 0 failed, 0 didn't run" ]
}

@test "dsq-autopsy JOBFILE STATUSFILE reads dSQ's status TSV" {
    fixture_copy dsq-jobs.txt >/dev/null
    fixture_copy dsq-job_42_status.tsv >/dev/null
    run --separate-stderr dsq-autopsy dsq-jobs.txt dsq-job_42_status.tsv
    [ "$status" -eq 0 ]
    dsq-autopsy dsq-jobs.txt dsq-job_42_status.tsv 2>/dev/null | cmp - "$FIX/dsq-rerun.txt"
    # Index 1 failed then succeeded when requeued (last row wins); index 7
    # the other way round; index 6 was killed by signal 9 (exit -9); index 8
    # has no row; the malformed row is a warning naming file:line.
    [[ "$stderr" == *"dsq-job_42_status.tsv:7: malformed row"* ]]
    [[ "$stderr" == *"4 succeeded, 1 failed, 1 didn't run, 1 signaled"* ]]
    # The same through `dsq autopsy`.
    dsq autopsy dsq-jobs.txt dsq-job_42_status.tsv 2>/dev/null | cmp - "$FIX/dsq-rerun.txt"
}

@test "dsq-autopsy: 0-based indexes, CRLF and non-UTF-8 bytes kept" {
    printf '#!comment\r\necho a \xff\r\n\r\necho b\r\necho c' > jobs.txt
    printf '1\t0\tn1\tS\tE\t1.00\techo a \xff\n3\t1\tn1\tS\tE\t1.00\techo b\n' > job_7_status.tsv
    dsq-autopsy jobs.txt job_7_status.tsv >rerun.txt 2>err.txt
    printf 'echo b\necho c\n' > want.txt
    cmp rerun.txt want.txt
    [ "$(cat err.txt)" = "1 succeeded, 1 failed, 1 didn't run" ]
    # An index that is not a command line is a warning, not an error.
    printf '2\t0\tn1\tS\tE\t1.00\t\n9\t0\tn1\tS\tE\t1.00\tx\n' > job_8_status.tsv
    run --separate-stderr dsq-autopsy jobs.txt job_8_status.tsv
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"job_8_status.tsv:1: index 2 is a comment or blank line"* ]]
    [[ "$stderr" == *"job_8_status.tsv:2: index 9 is not a line of jobs.txt"* ]]
    [[ "$stderr" == *"0 succeeded, 0 failed, 3 didn't run"* ]]
}

@test "dsq-autopsy: a missing file is an error that names it" {
    printf 'true\n' > jobs.txt
    run --separate-stderr dsq-autopsy jobs.txt missing.tsv
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"missing.tsv"* ]]
    [ -z "$output" ]
    run --separate-stderr dsq-autopsy missing.txt "$FIX/dsq-job_42_status.tsv"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"missing.txt"* ]]
    # Only the job file: say what dSQ's form needs.
    run --separate-stderr dsq-autopsy jobs.txt
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"jobs.txt is a file, not a run: dSQ's form takes the job file and its status file"* ]]
}

@test "autopsy without a run says where it looked" {
    mkdir empty
    run --separate-stderr dsq autopsy --status-dir empty
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"no dsq run under empty"* ]]
}
