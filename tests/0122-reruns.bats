#!/usr/bin/env bats
# 0122-reruns: reruns of one run do not overlap, and what a rerun inherits.
# One rerun at a time: a rerun holds its run directory's rerun lock from
# before it chooses its lines until they are submitted or have run here, and
# a second rerun meanwhile is refused (exit 2) and changes nothing.  A rerun
# builds on the latest attempt that was submitted or ran, never on one sbatch
# refused; an sbatch option given to it replaces the inherited ones sbatch
# would refuse beside it or let it override; --no-inherit drops inherited
# ones.  Without a cluster: --dry-run, and stand-ins for sbatch.
load helper
setup() { setup_dsq; }
bats_require_minimum_version 1.5.0

teardown() {
    local p
    for p in ${bg_pid:-} ${other_pid:-}; do
        kill -TERM "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
}

# Lines 1 and 3 fail on attempt 1 and succeed on any later one; each line
# appends its attempt number to ran.<line> (line 2 writes nothing).  With
# HOLD set, a later attempt's lines 1 and 3 say so (started.<line>) and then
# wait until ./release exists.  Runs attempt 1 here (dsq --dry-run with
# OPTIONS); $rd is the run.
two_failures() {
    local hold=''
    # shellcheck disable=SC2016 # expanded by the line's shell
    [ -z "${HOLD:-}" ] || hold='; touch started.$DSQ_LINE; while [ ! -e release ]; do sleep 0.1; done'
    cat > jobs.txt <<EOF
echo \$DSQ_ATTEMPT >> ran.\$DSQ_LINE; [ "\$DSQ_ATTEMPT" -gt 1 ] || exit 1$hold
true
echo \$DSQ_ATTEMPT >> ran.\$DSQ_LINE; [ "\$DSQ_ATTEMPT" -gt 1 ] || exit 1$hold
EOF
    run dsq --job-file jobs.txt --dry-run --status-dir st "$@"
    [ "$status" -eq 1 ] || return 1
    rd=$WORK/$(only_run_dir st)
}

# slow_sbatch: a stand-in sbatch first on PATH that touches ./sbatch-started,
# waits until ./release exists (at most 20 s), then runs each task of the
# array itself, as Slurm would, and prints job id 4242.
slow_sbatch() {
    mkdir -p "$WORK/fakebin"
    cat > "$WORK/fakebin/sbatch" <<EOF
#!/bin/sh
# sbatch --parsable --array=0-K[%N] SCRIPT --offset N
touch "$WORK/sbatch-started"
i=0
while [ ! -e "$WORK/release" ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i + 1)); done
array=\${2#--array=}
array=\${array%%%*}
t=0
while [ \$t -le \${array#*-} ]; do
    SLURM_ARRAY_TASK_ID=\$t SLURM_ARRAY_JOB_ID=4242 bash "\$3" "\$4" "\$5" > /dev/null 2>&1
    t=\$((t + 1))
done
echo 4242
EOF
    chmod +x "$WORK/fakebin/sbatch"
    PATH="$WORK/fakebin:$PATH"
}

# nothing_of_attempt N: run directory $rd has no trace of attempt N.
nothing_of_attempt() {
    [ "$(jq '.attempts | length' "$rd/manifest.json")" -eq $(($1 - 1)) ] || return 1
    [ ! -e "$rd/attempts/$1.lines" ] || return 1
    ! compgen -G "$rd/*.a$1.sh" > /dev/null || return 1
    ! compgen -G "$rd/status/a$1.*" > /dev/null
}

@test "a rerun still in sbatch holds the run: a second rerun meanwhile is refused and changes nothing" {
    two_failures
    slow_sbatch
    dsq_bg autopsy "$rd" --submit
    wait_for sbatch-started
    # The first rerun's attempt is in the manifest, but it has no job id and
    # its lines no record yet: a report shows them failed, as before.
    [ "$(jq '.attempts | length' "$rd/manifest.json")" -eq 2 ]

    run --separate-stderr dsq autopsy "$rd" --dry-run
    echo "$stderr"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"dsq: error: $rd: another rerun of this run is under way (process $bg_pid on "*"); nothing was rerun"* ]]
    [ -z "$output" ]
    nothing_of_attempt 3

    touch release
    bg_wait
    cat bg.out
    [ "$bg_status" -eq 0 ]
    grep -qx 4242 bg.out
    json_eq "$(jq -c '.attempts[1].job_ids' "$rd/manifest.json")" '["4242"]'
    # Each failed line ran once more, as attempt 2 only.
    [ "$(cat ran.1 | tr '\n' ' ')" = "1 2 " ]
    [ "$(cat ran.3 | tr '\n' ' ')" = "1 2 " ]
}

@test "a --dry-run rerun holds the run until its lines have run: other reruns, even --force, are refused" {
    HOLD=1 two_failures
    dsq_bg autopsy "$rd" --dry-run --parallel 2
    wait_for started.1
    wait_for started.3

    for args in "--dry-run" "--dry-run --force" "--dry-run --force --states all"; do
        # shellcheck disable=SC2086 # the options are words
        run --separate-stderr dsq autopsy "$rd" $args
        echo "$args: $stderr"
        [ "$status" -eq 2 ]
        [[ "$stderr" == *"dsq: error: $rd: another rerun of this run is under way (process $bg_pid on "* ]]
    done
    # --submit is refused the same way, before sbatch is asked.
    refusing_sbatch
    run --separate-stderr dsq autopsy "$rd" --submit --force
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"another rerun of this run is under way"* ]]
    [ ! -e sbatch-called ]
    nothing_of_attempt 3

    touch release
    bg_wait
    cat bg.out
    [ "$bg_status" -eq 0 ]
    [ "$(cat ran.1 | tr '\n' ' ')" = "1 2 " ]
    [ "$(cat ran.3 | tr '\n' ' ')" = "1 2 " ]

    # Over: the next rerun goes ahead (the lock file stays, unlocked).
    [ -e "$rd/rerun.lock" ]
    run --separate-stderr dsq autopsy "$rd" --dry-run --states ok
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(cat "$rd/attempts/3.lines" | tr '\n' ' ')" = "1 2 3 " ]
    [ "$(cat ran.1 | tr '\n' ' ')" = "1 2 3 " ]
}

@test "two reruns started together: one runs the lines, the other is refused and changes nothing" {
    HOLD=1 two_failures
    dsq autopsy "$rd" --dry-run > a.out 2>&1 3>&- &
    bg_pid=$!
    dsq autopsy "$rd" --dry-run > b.out 2>&1 3>&- &
    other_pid=$!
    # One of them is refused at once; the other runs lines 1 and 3 until
    # ./release exists.
    wait_until 20 eval '! kill -0 $bg_pid 2>/dev/null || ! kill -0 $other_pid 2>/dev/null'
    if kill -0 "$bg_pid" 2>/dev/null; then
        loser=$other_pid winner=$bg_pid out=b.out
    else
        loser=$bg_pid winner=$other_pid out=a.out
    fi
    st=0
    wait "$loser" || st=$?
    cat "$out"
    [ "$st" -eq 2 ]
    grep -q "dsq: error: $rd: another rerun of this run is under way" "$out"
    # The holder, once it has written itself into the lock file.
    ! grep -q "(process " "$out" || grep -q "(process $winner on " "$out"
    wait_for started.1
    wait_for started.3
    touch release
    st=0
    wait "$winner" || st=$?
    bg_pid='' other_pid=''
    [ "$st" -eq 0 ]
    nothing_of_attempt 3
    [ "$(cat "$rd/attempts/2.lines" | tr '\n' ' ')" = "1 3 " ]
    [ "$(cat ran.1 | tr '\n' ' ')" = "1 2 " ]
    [ "$(cat ran.3 | tr '\n' ' ')" = "1 2 " ]
}

@test "a rerun builds on the latest attempt that was submitted or ran, never on one sbatch refused" {
    # Attempt 1's options are what later reruns inherit.
    two_failures -p day --mem 1g --max-jobs 2
    refusing_sbatch
    run --separate-stderr dsq autopsy "$rd" --submit --partition=nope --mem 5g --max-jobs 7 --layout block
    [ "$status" -eq 3 ]
    [[ "$(jq -r '.attempts[1].submit_error' "$rd/manifest.json")" == *"Invalid partition name"* ]]
    # Its lines keep their failure in the report, so they are chosen again.
    run dsq report "$rd" --json --lines
    json_eq "$(jq -c '[.lines[] | [.line, .state]]' <<<"$output")" '[[1,"failed"],[2,"ok"],[3,"failed"]]'

    # A second refused rerun builds on attempt 1, not on the refused one.
    run --separate-stderr dsq autopsy "$rd" --submit --qos=bad
    [ "$status" -eq 3 ]
    json_eq "$(jq -c '.attempts[2] | [.sbatch, .max_jobs, .plan.layout, .per_line.mem_mib]' "$rd/manifest.json")" \
        '[["--partition=day","--signal=B:USR1@60","--mem=1024M","--qos=bad"],2,"dynamic",1024]'

    # And so does the next one, which runs.
    run --separate-stderr dsq autopsy "$rd" --dry-run
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(cat "$rd/attempts/4.lines" | tr '\n' ' ')" = "1 3 " ]
    json_eq "$(jq -c '.attempts[3] | [.sbatch, .max_jobs, .plan.layout, .per_line.mem_mib]' "$rd/manifest.json")" \
        '[["--partition=day","--signal=B:USR1@60","--mem=1024M"],2,"dynamic",1024]'
    [ "$(cat ran.1 | tr '\n' ' ')" = "1 4 " ]

    # A rerun that ran (here, attempt 4) is a base again: --mem 3g given to
    # attempt 5 replaces attempt 4's, the rest is attempt 4's.
    run --separate-stderr dsq autopsy "$rd" --dry-run --states ok --mem 3g --max-jobs 5
    [ "$status" -eq 0 ]
    run --separate-stderr dsq autopsy "$rd" --dry-run --states ok
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '.attempts[5] | [.sbatch, .max_jobs, .per_line.mem_mib]' "$rd/manifest.json")" \
        '[["--partition=day","--signal=B:USR1@60","--mem=3072M"],5,3072]'
}

@test "an option given to a rerun replaces the inherited ones sbatch would refuse beside it or let it override" {
    printf 'true\ntrue\n' > jobs.txt
    # Planned only: nothing ran, every line is not_run.
    dsq --job-file jobs.txt --status-dir st -p day --mem 2g --requeue \
        --gres=gpu:1,tmp:5G -t 10 >/dev/null
    rd=$WORK/$(only_run_dir st)

    run --separate-stderr dsq autopsy "$rd" --dry-run --mem-per-cpu 1g --no-requeue --gpus-per-task 1
    echo "$stderr"
    [ "$status" -eq 0 ]
    # --mem-per-cpu replaces --mem (sbatch refuses both), --no-requeue
    # --requeue (the later wins), --gpus-per-task the GPUs of --gres, whose
    # other entry stays; the rest is inherited.  sbatch takes --gpus-per-task
    # only with a task count: --ntasks=1 (an array task is one task).
    json_eq "$(jq -c '.attempts[1].sbatch' "$rd/manifest.json")" \
        '["--partition=day","--gres=tmp:5G","--signal=B:USR1@60","--time=00:10:00","--mem-per-cpu=1g","--no-requeue","--gpus-per-task=1","--ntasks=1"]'
    json_eq "$(jq -c '.attempts[1].per_line | [.mem_mib, .mem_per_cpu_mib, .gpus]' "$rd/manifest.json")" '[0,1024,1]'
    script=$rd/$(jq -r '.attempts[1].script' "$rd/manifest.json")
    [ "$(grep -c -e '^#SBATCH --mem=' -e '^#SBATCH --requeue' -e '^#SBATCH --gres=.*gpu' "$script")" -eq 0 ]
    grep -qx '#SBATCH --mem-per-cpu=1g' "$script"

    # And back: --mem replaces the inherited --mem-per-cpu, --gres=gpu:2 the
    # inherited --gpus-per-task (and --gres), scaled per line as ever.
    run --separate-stderr dsq autopsy "$rd" --dry-run --states ok --mem 3g --gres=gpu:2 --parallel 2
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '.attempts[2].sbatch | sort' "$rd/manifest.json")" \
        "$(jq -n -c '["--partition=day","--signal=B:USR1@60","--time=00:10:00","--no-requeue","--mem=6144M","--gres=gpu:4","--cpus-per-task=2","--ntasks=1"] | sort')"
}

@test "--no-inherit drops inherited sbatch options; an option given again is kept all the same" {
    printf 'true\ntrue\n' > jobs.txt
    dsq --job-file jobs.txt --status-dir st -p day --mem 2g --requeue --qos=low -t 10 >/dev/null
    rd=$WORK/$(only_run_dir st)

    run --separate-stderr dsq autopsy "$rd" --dry-run --no-inherit=mem,--qos --no-inherit=-p
    echo "$stderr"
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '.attempts[1].sbatch' "$rd/manifest.json")" \
        '["--requeue","--signal=B:USR1@60","--time=00:10:00"]'
    json_eq "$(jq -c '.attempts[1].per_line | [.mem_mib, .time_s]' "$rd/manifest.json")" '[0,600]'
    script=$rd/$(jq -r '.attempts[1].script' "$rd/manifest.json")
    [ "$(grep -c -e '^#SBATCH --mem' -e '^#SBATCH --qos' -e '^#SBATCH --partition' "$script")" -eq 0 ]

    # What is dropped stays dropped: the next rerun builds on attempt 2.  A
    # name both dropped and given is the given one.
    run --separate-stderr dsq autopsy "$rd" --dry-run --states ok --no-inherit=signal,partition,time -p week
    [ "$status" -eq 0 ]
    json_eq "$(jq -c '.attempts[2].sbatch' "$rd/manifest.json")" '["--requeue","--partition=week"]'
    json_eq "$(jq -c '.attempts[2].per_line.time_s' "$rd/manifest.json")" '-1'

    # Usage errors name the culprit, and nothing is made.
    run --separate-stderr dsq autopsy "$rd" --dry-run --states ok --no-inherit=memm
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--no-inherit 'memm': not an sbatch option; did you mean 'mem'?"* ]]
    run --separate-stderr dsq autopsy "$rd" --dry-run --states ok --no-inherit=mem,
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--no-inherit 'mem,': an empty NAME"* ]]
    run --separate-stderr dsq autopsy "$rd" --dry-run --states ok --no-inherit=job-name
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--no-inherit 'job-name': a rerun keeps the run's job name"* ]]
    run --separate-stderr dsq autopsy "$rd" --dry-run --states ok --no-inherit=array
    [ "$status" -eq 2 ]
    run --separate-stderr dsq autopsy "$rd" --no-inherit=mem
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--no-inherit reruns the lines: give --submit or --dry-run too"* ]]
    [ "$(jq '.attempts | length' "$rd/manifest.json")" -eq 3 ]
}
