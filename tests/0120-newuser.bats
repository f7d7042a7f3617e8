#!/usr/bin/env bats
# What a dSQ user does first: habits carried over from sbatch and from
# editors (abbreviated sbatch options, -t unlimited, a byte-order mark), each
# doing what the user meant, or refused naming what to write instead.

load helper

setup() {
    setup_dsq
    printf 'echo one\necho two\n' > jobs.txt
}

# The one batch script written under the current directory's run.
script_of_run() {
    local d
    d=$(only_run_dir) || return 1
    cat "$d"/*.sh
}

@test "sbatch's abbreviations: --part=debug and --part debug are --partition, written in full" {
    run dsq --job-file jobs.txt --part=debug
    [ "$status" -eq 0 ]
    run script_of_run
    [[ "$output" == *$'\n#SBATCH --partition=debug\n'* ]]
    rm -rf dsq-jobs-* ./*/
    run dsq --job-file jobs.txt --part debug --cpus-per-t 2
    [ "$status" -eq 0 ]
    run script_of_run
    [[ "$output" == *$'\n#SBATCH --partition=debug\n'* ]]
    [[ "$output" == *$'\n#SBATCH --cpus-per-task=2\n'* ]]
}

@test "an ambiguous sbatch abbreviation is refused naming candidates, nothing made" {
    run dsq --job-file jobs.txt --mem-per=1G
    [ "$status" -eq 2 ]
    [[ "$output" == *"'--mem-per' is ambiguous"*"'--mem-per-cpu'"*"'--mem-per-gpu'"* ]]
    [ -z "$(find . -name manifest.json)" ]
}

@test "a prefix of dsq's own option is never sbatch's: --kill is not --kill-on-invalid-dep" {
    run dsq --job-file jobs.txt --kill 5
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown option '--kill': did you mean '--kill-grace'?"* ]]
    [ -z "$(find . -name manifest.json)" ]
    # An sbatch option that is a prefix of ours stays sbatch's.
    run dsq --job-file jobs.txt --batch skylake
    [ "$status" -eq 0 ]
    run script_of_run
    [[ "$output" == *$'\n#SBATCH --batch=skylake\n'* ]]
}

@test "report and autopsy suggest their own option for a prefix" {
    run dsq report --js
    [ "$status" -eq 2 ]
    [[ "$output" == *"did you mean '--json'?"* ]]
    run dsq autopsy --stat x
    [ "$status" -eq 2 ]
    [[ "$output" == *"did you mean '--states'?"* || "$output" == *"did you mean '--status-dir'?"* ]]
}

@test "-t unlimited / INFINITE in any case, as sbatch takes them" {
    for t in unlimited Infinite UNLIMITED; do
        run dsq --job-file jobs.txt -t "$t" --lines-per-task 2
        [ "$status" -eq 0 ]
        run script_of_run
        [[ "$output" == *$'\n#SBATCH --time='"$t"$'\n'* ]]
        rm -rf ./*/ dsq-jobs-*.sh
    done
}

@test "a UTF-8 byte-order mark is not part of line 1: a comment stays one, a command runs" {
    printf '\xef\xbb\xbf# header\necho two\n' > bom1.txt
    run dsq --job-file bom1.txt --dry-run
    [ "$status" -eq 0 ]
    run dsq report --json --lines
    [ "$(jq -r '.lines | length' <<<"$output")" -eq 1 ]
    [ "$(jq -r '.lines[0].line' <<<"$output")" -eq 2 ]
    rm -rf ./*/
    printf '\xef\xbb\xbfecho one > out1\n' > bom2.txt
    run dsq --job-file bom2.txt --dry-run
    [ "$status" -eq 0 ]
    [ "$(cat out1)" = one ]
}

@test "--parallel W asks for no slot a task cannot use" {
    seq 1 8 | sed 's/^/true /' > eight.txt
    # Default packing: each task gets W lines, and asks for W lines' worth.
    run dsq --job-file eight.txt --parallel 4 -c 2 --mem 1g
    [ "$status" -eq 0 ]
    rd=$(only_run_dir)
    [ "$(jq -c '.plan | [.tasks, .lines_per_task, .parallel]' "$rd/manifest.json")" = '[2,4,4]' ]
    grep -qx '#SBATCH --cpus-per-task=8' "$rd"/*.sh
    grep -qx '#SBATCH --array=0-1' "$rd"/*.sh
    rm -rf ./*/ dsq-eight-*.sh
    # A slice narrower than W: W comes down to it, and so does the request.
    run dsq --job-file eight.txt --parallel 4 -c 2 --mem 1g --lines-per-task 1
    [ "$status" -eq 0 ]
    rd=$(only_run_dir)
    [ "$(jq -c '.plan | [.tasks, .lines_per_task, .parallel]' "$rd/manifest.json")" = '[8,1,1]' ]
    grep -qx '#SBATCH --cpus-per-task=2' "$rd"/*.sh
    grep -qx '#SBATCH --mem=1g' "$rd"/*.sh
}

@test "--dry-run --parallel W runs W at once even with one line per task" {
    # Four lines that each wait for all four to have started: only a pool
    # four wide finishes them (each gives up after 20 s).
    for i in 1 2 3 4; do
        echo "touch s$i; n=0; while [ \$(ls s? | wc -l) -lt 4 ] && [ \$n -lt 200 ]; do sleep 0.1; n=\$((n+1)); done; [ \$n -lt 200 ]"
    done > meet.txt
    run dsq --job-file meet.txt --dry-run --parallel 4 --lines-per-task 1
    [ "$status" -eq 0 ]
    [ "$(dsq report --json | jq -r .states.ok)" = 4 ]
}

# Processes whose command line holds this test's marker (a sleep length no
# other test uses).
marked() {
    pgrep -f "sleep $1" || true
}

@test "what a line leaves in the background ends with the task (--dry-run), TERM-proof ones too" {
    m=31$RANDOM
    printf '%s\n' "sleep $m &" "(sleep $m &)" "setsid sleep $m &" \
        "trap '' TERM; sleep $m & echo started" > bg.txt
    # Output to a file: a leftover holding bats' pipe would hang the test.
    timeout 60 dsq --job-file bg.txt --dry-run --kill-grace 1 >out 2>&1
    [ "$(dsq report --json | jq -r .states.ok)" = 4 ]
    [ -z "$(marked "$m")" ] || { ps -fp "$(marked "$m" | tr '\n' ',')"; false; }
}

@test "SIGTERM to dsq --dry-run ends the lines and what they left behind" {
    m=32$RANDOM
    printf '%s\n' "sleep $m &" "sleep $m" > bg.txt
    dsq --job-file bg.txt --dry-run --parallel 1 --kill-grace 1 >out 2>&1 3>&- &
    pid=$!
    for _ in $(seq 100); do [ "$(marked "$m" | wc -l)" -ge 2 ] && break; sleep 0.1; done
    [ "$(marked "$m" | wc -l)" -ge 2 ]
    kill -TERM "$pid"
    wait "$pid" || true
    [ -z "$(marked "$m")" ] || { ps -fp "$(marked "$m" | tr '\n' ',')"; false; }
}

@test "--chdir/-D: lines run there, relative to where dsq was run, as under sbatch" {
    mkdir -p sub/deeper abs
    printf 'pwd > where\n' > where.txt
    run dsq --job-file where.txt --dry-run -D sub
    [ "$status" -eq 0 ]
    [ "$(cat sub/where)" = "$WORK/sub" ]
    [ ! -e where ]
    run dsq --job-file where.txt --dry-run --chdir="$WORK/abs"
    [ "$status" -eq 0 ]
    [ "$(cat abs/where)" = "$WORK/abs" ]
    # A rerun inherits it, and --line-output's relative paths follow it.
    printf 'pwd > where2; false\n' > fail.txt
    run dsq --job-file fail.txt --dry-run --chdir sub/deeper --line-output 'out.%L'
    [ "$status" -eq 1 ]
    [ -e sub/deeper/out.1 ]
    rm sub/deeper/where2
    run dsq autopsy --dry-run
    [ "$(cat sub/deeper/where2)" = "$WORK/sub/deeper" ]
}

@test "a mistyped subcommand or option suggests the closest one, exit 2, nothing made" {
    run dsq reprot
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown subcommand 'reprot': did you mean 'dsq report'?"* ]]
    run dsq --job-flie jobs.txt
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown option '--job-flie': did you mean '--job-file'?"* ]]
    run dsq --job-file jobs.txt --partiton day
    [ "$status" -eq 2 ]
    [[ "$output" == *"did you mean '--partition'?"* ]]
    run dsq report --jsno
    [ "$status" -eq 2 ]
    [[ "$output" == *"did you mean '--json'?"* ]]
    # report passes nothing to sbatch: no sbatch option is suggested there.
    run dsq report --tme
    [ "$status" -eq 2 ]
    [[ "$output" != *"--time"* ]]
    # Nothing close: the plain message.
    run dsq --job-file jobs.txt --frobnicate
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown option '--frobnicate': neither a dsq nor an sbatch option"* ]]
    [ -z "$(find . -name manifest.json)" ]
}

@test "the run directory's scripts are named as dsq(1) says: BATCH.sh, BATCH.aN.sh" {
    printf 'false\n' > jobs.txt
    run dsq --job-file jobs.txt --dry-run
    rd=$(only_run_dir)
    run dsq autopsy --dry-run
    [ "$(cd "$rd" && ls ./*.sh | tr '\n' ' ')" = "./dsq-jobs-$(date +%F).a2.sh ./dsq-jobs-$(date +%F).sh " ]
    rm -rf ./*/
    run dsq --job-file jobs.txt --batch-file sub.sh
    [ "$(cd "$(only_run_dir)" && ls ./*.sh)" = ./sub.sh ]
}

# Run "$@" on a terminal (script(1)'s pseudo-terminal); what it showed goes
# to tty.log, its exit status to tty.rc.  script(1) runs the command with
# $SHELL: bash is named, since dash (/bin/sh, also used when SHELL is unset,
# as under some CI runners) dies of a Ctrl-C that its child handled and
# would never write tty.rc.
on_tty() {
    local cmd="" a
    for a in "$@"; do cmd+=" $(printf '%q' "$a")"; done
    SHELL=$BASH script -qec "$cmd; echo \$? > tty.rc" tty.log </dev/null >/dev/null
}

@test "on a terminal: no progress line where the lines' own output shows; one where it goes to files" {
    printf 'echo out-$DSQ_LINE\necho out-$DSQ_LINE\necho out-$DSQ_LINE\n' > jobs.txt
    on_tty dsq --job-file jobs.txt --dry-run
    [ "$(cat tty.rc)" = 0 ]
    grep -q 'out-3' tty.log
    ! grep -q 'done, .* running' tty.log
    on_tty dsq --job-file jobs.txt --dry-run --line-output 'o.%L'
    [ "$(cat tty.rc)" = 0 ]
    grep -q '3/3 done' tty.log
    ! grep -q 'out-' tty.log
    [ "$(cat o.2)" = out-2 ]
}

@test "Ctrl-C on a terminal: exit 130, the progress line says interrupted, not failed" {
    printf 'sleep 300\nsleep 300\n' > slow.txt
    on_tty dsq --job-file slow.txt --dry-run --parallel 1 --kill-grace 1 --line-output 'o.%L' &
    tty_pid=$!
    wait_recs "$(started 1)" 30
    # Ctrl-C's SIGINT goes to the terminal's foreground process group: dsq
    # and its line helper, not the lines, which run in process groups of
    # their own (on the same terminal: ps's tpgid is that group).
    pid=$(start_field 1 pid)
    wait_until 10 eval '[ -n "$(ps -o tpgid= -p "$pid" | tr -d " ")" ]'
    fg=$(ps -o tpgid= -p "$pid" | tr -d ' ')
    [ "$fg" -gt 1 ]
    [ "$fg" != "$(ps -o pgid= -p "$pid" | tr -d ' ')" ]
    kill -INT -- "-$fg"
    wait "$tty_pid"
    [ "$(cat tty.rc)" = 130 ]
    grep -q 'interrupted by SIGINT: 1/2 done, 1 not ok' tty.log
}

@test "a bad or unreachable SLURM_CONF is said once, and planning falls back" {
    SLURM_CONF=$WORK/nonexistent.conf run timeout 20 dsq --job-file jobs.txt
    [ "$status" -eq 0 ]
    [ "$(grep -c 'dsq: warning:' <<<"$output")" -eq 1 ]
    [[ "$output" == *"SLURM_CONF=$WORK/nonexistent.conf: No such file or directory; planning with MaxArraySize 1001"* ]]
    [[ "$output" == *"Batch script generated"* ]]
    rm -rf ./*/ dsq-jobs-*.sh
    # A controller nobody answers for (a loopback address nothing listens
    # on): libslurm would retry for long; dsq gives it a few seconds.
    printf 'ClusterName=nowhere\nSlurmctldHost=nowhere(127.0.0.9)\nSlurmctldPort=6999\nNodeName=n1 CPUs=1\nPartitionName=p Nodes=n1\n' > nowhere.conf
    SLURM_CONF=$WORK/nowhere.conf run timeout 25 dsq --job-file jobs.txt
    [ "$status" -eq 0 ]
    [ "$(grep -c 'dsq: warning:' <<<"$output")" -eq 1 ]
    [[ "$output" == *"Slurm cannot be asked"*"planning with MaxArraySize 1001"* ]]
    # A dry run never asks.
    SLURM_CONF=$WORK/nonexistent.conf run dsq --job-file jobs.txt --dry-run
    [ "$status" -eq 0 ]
    [[ "$output" != *"warning"* ]]
}

@test "a manifest that is JSON but not an object says so, with no line number" {
    printf 'true\n' > one.txt
    run dsq --job-file one.txt --dry-run
    rd=$(only_run_dir)
    for bad in '[1,2]' '42' '"x"'; do
        printf '%s\n' "$bad" > "$rd/manifest.json"
        run dsq report "$rd"
        [ "$status" -eq 2 ]
        [[ "$output" == *"$(basename "$rd")/manifest.json: not a dsq manifest: JSON, but not an object"* ]]
        [[ "$output" != *":-1:"* ]]
    done
    printf '{"format": 2,\n  oops\n' > "$rd/manifest.json"
    run dsq report "$rd"
    [ "$status" -eq 2 ]
    [[ "$output" == *"$(basename "$rd")/manifest.json:2: not a dsq manifest"* ]]
}

@test "a line dsq could not start shows dsq's reason in the text report, not only in JSON" {
    printf 'echo a\necho b\n' > two.txt
    run dsq --job-file two.txt --dry-run --line-output '/proc/nope/%L'
    [ "$status" -eq 1 ]
    [[ "$output" == *"not started by dsq: 2 lines (1, 2)"* ]]
    [[ "$output" == *"(line 1: cannot open line output /proc/nope/1: No such file or directory)"* ]]
    run dsq report
    [[ "$output" == *"(line 1: cannot open line output /proc/nope/1"* ]]
    run dsq report --json
    json_eq "$(jq -c '.failures' <<<"$output")" '[{"cause":"dsq_error","state":"failed","exit":null,"signal":null,"slurm_state":null,"count":2,"lines":[1,2]}]'
    run dsq report --json --lines
    json_eq "$(jq -c '[.lines[] | .cause]' <<<"$output")" '["dsq_error","dsq_error"]'
}

@test "CPU efficiency of one-thread lines never shows above 100%, even where the kernel's CPU time outruns the wall time" {
    printf 'true\ntrue\n' > two.txt
    run dsq --job-file two.txt --dry-run
    rd=$(only_run_dir)
    # Short lines' tick accounting: CPU time above the measured wall time.
    for f in "$rd"/status/*.jsonl; do
        jq -c 'if .ev == "end" then .elapsed = 0.5 | .utime = 0.9 | .stime = 0.1 else . end' "$f" > f.tmp
        mv f.tmp "$f"
    done
    run dsq report "$rd" --json
    [ "$(jq -r '.cpu_efficiency' <<<"$output")" = 1 ]
    run dsq report "$rd"
    [[ "$output" == *"efficiency 100% of 1 CPU per line"* ]]
}

@test "report --watch on a finished run prints its summary and keeps the screen" {
    printf 'true\n' > one.txt
    run dsq --job-file one.txt --dry-run
    on_tty dsq report --watch
    [ "$(cat tty.rc)" = 0 ]
    grep -q 'states:      1 ok' tty.log
    ! grep -q $'\033\\[2J' tty.log
}

@test "a missing --shell is a planning error (exit 2), not one failure per line" {
    printf 'true\ntrue\ntrue\n' > three.txt
    run dsq --job-file three.txt --dry-run --shell /bin/no-such-shell
    [ "$status" -eq 2 ]
    [ "$(grep -c 'no-such-shell' <<<"$output")" -eq 1 ]
    [[ "$output" == *"dsq: error: shell '/bin/no-such-shell' (lines run with SHELL -c): No such file or directory"* ]]
    [ -z "$(find . -name manifest.json)" ]
    run dsq --job-file three.txt --shell "$WORK"
    [ "$status" -eq 2 ]
    [[ "$output" == *"is not a program this user can run"* ]]
}

@test "report prints a line's times to the microsecond, as its records hold them" {
    printf 'true\n' > one.txt
    run dsq --job-file one.txt --dry-run
    rd=$(only_run_dir)
    t_start=$(start_field 1 t)
    t_end=$(end_field 1 t)
    run dsq report "$rd" --json --lines
    [ "$(jq -r '.lines[0].start' <<<"$output")" = "$t_start" ]
    [ "$(jq -r '.lines[0].end' <<<"$output")" = "$t_end" ]
    run dsq report "$rd" --tsv
    [ "$(cut -f6 <<<"${lines[1]}")" = "$(printf '%.6f' "$t_start")" ]
}

@test "planned, not submitted by dsq, Slurm configured but not answering: lines pending, never not_run; a rerun is refused" {
    printf 'true\ntrue\n' > two.txt
    export SLURM_CONF=$WORK/nonexistent.conf
    run dsq --job-file two.txt
    [ "$status" -eq 0 ]
    run --separate-stderr dsq report --json
    [ "$(jq -r '.states.pending' <<<"$output")" = 2 ]
    [ "$(jq -r '.states.not_run' <<<"$output")" = 0 ]
    [ "$(jq -r '.over' <<<"$output")" = false ]
    [ "$(grep -c 'may have been submitted by hand\|submitted by hand cannot be told' <<<"$stderr")" -eq 1 ]
    run dsq report
    [[ "$output" == *"job ids:     none known (not submitted by dsq; may have been by hand: Slurm cannot be asked)"* ]]
    run dsq autopsy --submit
    [ "$status" -eq 2 ]
    [[ "$output" == *"may have been submitted by hand, and Slurm cannot be asked"* ]]
    # Without Slurm configured (a laptop: no SLURM_CONF, no default
    # slurm.conf), a plan never submitted is not run.
    unset SLURM_CONF
    if [ ! -e /etc/slurm/slurm.conf ]; then
        run dsq report --json
        [ "$(jq -r '.states.not_run' <<<"$output")" = 2 ]
    fi
}

@test "a job file whose name is not UTF-8 plans, runs, reports and reruns; the manifest keeps the name's bytes" {
    ff=$'\xff'
    name="job${ff}.txt"
    printf 'echo hi\nexit 3\n' > "$name"
    run dsq --job-file "$name" --dry-run
    [ "$status" -eq 1 ]
    rd=$(only_run_dir)
    [[ "$rd" == *"dsq-job${ff}-"* ]]
    # JSON strings must be UTF-8: the name is kept as its bytes, in hex.
    [ "$(jq -r .jobfile.hex "$rd/manifest.json")" = "$(printf '%s' "$PWD/$name" | od -An -tx1 | tr -d ' \n')" ]
    run dsq report "$rd" --json --lines
    [ "$status" -eq 0 ]
    [ "$(jq -c '[.lines[].state]' <<<"$output")" = '["ok","failed"]' ]
    run dsq report "$rd"
    [[ "$output" == *"job file:    $PWD/$name"* ]]
    run dsq autopsy "$rd" --dry-run
    [ "$status" -eq 1 ]
    [ "$(jq '.attempts | length' "$rd/manifest.json")" = 2 ]
    [ "$(end_field 2 attempt "$rd" | paste -sd' ')" = '1 2' ]
    # Planned for Slurm: the batch script is named from it, and quoted.
    run dsq --job-file "$name"
    [ "$status" -eq 0 ]
    [[ "$output" == *"sbatch 'dsq-job${ff}-"* ]]
}
