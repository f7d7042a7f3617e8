#!/usr/bin/env bats
# 0121-planning: planning a run leaves either a whole run or nothing.
# --stdout is a preview that makes nothing; a planning error leaves no status
# directory, run directory or batch file; job names and the batch file are
# checked first; a run of several arrays prints one sbatch per array, which
# together submit every task once.

load helper
bats_require_minimum_version 1.5.0

setup() {
    setup_dsq
    printf 'echo one\necho two\necho three\n' > jobs.txt
    cp jobs.txt jobs.orig
    # No test cluster's configuration: Slurm cannot be asked here, and
    # MaxArraySize falls back to 1001.
    unset SLURM_CONF
}

# nothing_anywhere: nothing_made, and no file or directory but what the test
# made before ("keep" lists them).
nothing_anywhere() {
    nothing_made
    local extra
    extra=$(find . -mindepth 1 -maxdepth 1 | sed 's|^\./||' | grep -vxF -f <(printf '%s\n' "$@") || true)
    [ -z "$extra" ] || { echo "left behind: $extra" >&2; return 1; }
}

@test "--stdout prints a preview and makes nothing: no run directory, batch file or status directory" {
    run --separate-stderr dsq --job-file jobs.txt --stdout --status-dir new-st
    [ "$status" -eq 0 ]
    nothing_anywhere jobs.txt jobs.orig
    [ ! -e new-st ]
    # The script as planning would write it ...
    [[ "$output" == *$'\n#SBATCH --job-name=dsq-jobs\n'* ]]
    [[ "$output" == *$'\n#SBATCH --array=0-2\n'* ]]
    # ... which says, right after #!, that it is a preview ...
    [ "$(sed -n 1p <<<"$output")" = '#!/bin/bash' ]
    [[ "$(sed -n 2p <<<"$output")" == '# PREVIEW (dsq --stdout): nothing was written'* ]]
    # ... naming a run directory that does not exist; stderr says so too.
    rd=$(sed -n "s/.* run --run-dir '\([^']*\)'.*/\1/p" <<<"$output")
    [[ "$rd" == "$WORK/new-st/dsq-jobs-"* ]]
    [ ! -e "$rd" ]
    [[ "$stderr" == *"preview"*"$rd"*"does not exist"*"--submit"* ]]
    printf '%s\n' "$output" > s.sh
    bash -n s.sh
}

@test "--stdout never becomes the latest run that report picks" {
    dsq --job-file jobs.txt --batch-file b.sh > /dev/null
    rd=$(cd "$(only_run_dir)" && pwd)
    printf 'echo other\n' > other.txt
    run dsq --job-file other.txt --stdout
    [ "$status" -eq 0 ]
    [ "$(cd "$(only_run_dir)" && pwd)" = "$rd" ]
    run --separate-stderr dsq report --json
    [ "$status" -eq 0 ]
    [ "$(jq -r .run_dir <<<"$output")" = "$rd" ]
}

@test "--stdout with --batch-file is a usage error naming both" {
    run dsq --job-file jobs.txt --stdout --batch-file b.sh
    [ "$status" -eq 2 ]
    [[ "$output" == *"--stdout"*"--batch-file"* ]]
    nothing_anywhere jobs.txt jobs.orig
}

@test "a planning error leaves no status directory, run directory or batch file" {
    # A template that cannot be rendered.
    printf '{{BOGUS}}\n' > bad.tmpl
    printf 'batch-template: %s\n' "$WORK/bad.tmpl" > c.yaml
    DSQ_CONFIG=$WORK/c.yaml run dsq --job-file jobs.txt --status-dir new-st/deeper
    [ "$status" -eq 2 ]
    [[ "$output" == *"BOGUS"* ]]
    nothing_anywhere jobs.txt jobs.orig bad.tmpl c.yaml
    # An output pattern that cannot be an #SBATCH line.
    run dsq --job-file jobs.txt -o $'a\nb' --status-dir new-st
    [ "$status" -eq 2 ]
    nothing_anywhere jobs.txt jobs.orig bad.tmpl c.yaml
    # A batch file whose directory does not exist (exit 3, as before).
    run dsq --job-file jobs.txt --batch-file sub/b.sh --status-dir new-st
    [ "$status" -eq 3 ]
    [[ "$output" == *"sub/b.sh"* ]]
    nothing_anywhere jobs.txt jobs.orig bad.tmpl c.yaml
}

@test "-J: an empty name, '/', '.', '..' or a control character is a usage error, nothing made" {
    for name in '' 'a/b' '.' '..' $'a\nb' $'a\tb'; do
        run dsq --job-file jobs.txt -J "$name" --status-dir new-st
        [ "$status" -eq 2 ] || { echo "-J '$name' -> $status: $output"; return 1; }
        [[ "$output" == *"dsq: error: job name '"* ]] || { echo "$output"; return 1; }
        [[ "$output" == *"give another with -J NAME"* ]] || { echo "$output"; return 1; }
        [[ "$output" != *"from the job file"* ]]
        nothing_anywhere jobs.txt jobs.orig
    done
    run dsq --job-file jobs.txt -J $'a\nb'
    [[ "$output" == *"job name 'a\\nb': it holds a control character"* ]]
    run dsq --job-file jobs.txt -J "$(printf 'x%.0s' {1..235})"
    [ "$status" -eq 2 ]
    [[ "$output" == *"longer than the 234 bytes"* ]]
    nothing_anywhere jobs.txt jobs.orig
    run dsq --job-file jobs.txt -J "$(printf 'x%.0s' {1..234})" --batch-file b.sh
    [ "$status" -eq 0 ]
}

@test "a job name from the job file's name says so, and -J mends it" {
    cp jobs.txt $'tab\there.txt'
    run dsq --job-file $'tab\there.txt' --status-dir new-st
    [ "$status" -eq 2 ]
    [[ "$output" == *"dsq: error: job name 'dsq-tab\\there' (from the job file's name 'tab\\there.txt'): it holds a control character; give one with -J NAME"* ]]
    nothing_anywhere jobs.txt jobs.orig $'tab\there.txt'
    cp jobs.txt $'new\nline.txt'
    run dsq --job-file $'new\nline.txt'
    [ "$status" -eq 2 ]
    [[ "$output" == *"(from the job file's name 'new\\nline.txt')"* ]]
    nothing_anywhere jobs.txt jobs.orig $'tab\there.txt' $'new\nline.txt'
    run dsq --job-file $'tab\there.txt' -J tabbed --batch-file b.sh
    [ "$status" -eq 0 ]
    [ "$(jq -r .job_name "$(only_run_dir)/manifest.json")" = tabbed ]
}

@test "--batch-file naming the job file is refused however it is spelled, and the job file is kept" {
    ln -s jobs.txt link.txt
    ln jobs.txt hard.txt
    mkdir sub
    for b in jobs.txt ./jobs.txt "$WORK/jobs.txt" sub/../jobs.txt link.txt hard.txt; do
        run dsq --job-file jobs.txt --batch-file "$b"
        [ "$status" -eq 2 ] || { echo "--batch-file $b -> $status: $output"; return 1; }
        [[ "$output" == *"batch file $b is the job file (jobs.txt)"* ]] || { echo "$output"; return 1; }
        cmp jobs.txt jobs.orig
        nothing_anywhere jobs.txt jobs.orig link.txt hard.txt sub
    done
    # Given by another spelling on the job file's side too.
    run dsq --job-file ./sub/../jobs.txt --batch-file jobs.txt
    [ "$status" -eq 2 ]
    cmp jobs.txt jobs.orig
}

@test "--batch-file naming a configuration file, the template or a directory is refused" {
    cp "$DSQ_SRCDIR/share/batch.sh.tmpl" t.tmpl
    printf 'batch-template: t.tmpl\n' > c.yaml
    cp c.yaml c.orig
    cp t.tmpl t.orig
    export DSQ_CONFIG=$WORK/c.yaml
    run dsq --job-file jobs.txt --batch-file c.yaml
    [ "$status" -eq 2 ]
    [[ "$output" == *"batch file c.yaml is a configuration file"* ]]
    run dsq --job-file jobs.txt --batch-file ./t.tmpl
    [ "$status" -eq 2 ]
    [[ "$output" == *"batch file ./t.tmpl is the batch script template"* ]]
    cmp c.yaml c.orig
    cmp t.tmpl t.orig
    mkdir adir
    run dsq --job-file jobs.txt --batch-file adir
    [ "$status" -eq 2 ]
    [[ "$output" == *"batch file adir is a directory"* ]]
    nothing_anywhere jobs.txt jobs.orig t.tmpl t.orig c.yaml c.orig adir
}

@test "--batch-file taking a name the run directory keeps for itself is refused" {
    mkdir sub
    for b in manifest.json sub/jobfile status; do
        run dsq --job-file jobs.txt --batch-file "$b"
        [ "$status" -eq 2 ] || { echo "--batch-file $b -> $status: $output"; return 1; }
        [[ "$output" == *"batch file '$b'"*"a name the run directory keeps"* ]]
        nothing_anywhere jobs.txt jobs.orig sub
    done
}

# A stand-in sbatch (outside $WORK) that logs its arguments to $SBATCH_LOG,
# one call a line, and prints a job id.
logging_sbatch() {
    local bin=$BATS_TEST_TMPDIR/fakebin
    SBATCH_LOG=$BATS_TEST_TMPDIR/sbatch.log
    mkdir -p "$bin"
    printf '#!/bin/sh\necho "$*" >> "%s"\necho 4242\n' "$SBATCH_LOG" > "$bin/sbatch"
    chmod +x "$bin/sbatch"
    PATH="$bin:$PATH"
}

@test "a run of several arrays planned without --submit prints one sbatch per array, every task once" {
    logging_sbatch
    seq 1 2500 | sed 's/^/echo /' > big.txt
    run --separate-stderr dsq --job-file big.txt --lines-per-task 1 --batch-file big.sh
    [ "$status" -eq 0 ]
    [[ "$output" == *"This run is 3 job arrays (2500 array tasks)"*"the batch file alone would submit only the first"* ]]
    [ "$(grep -c '^ sbatch ' <<<"$output")" -eq 3 ]
    [ "$(grep '^ sbatch ' <<<"$output")" = " sbatch --array=0-1000 big.sh --offset 0
 sbatch --array=0-1000 big.sh --offset 1001
 sbatch --array=0-497 big.sh --offset 2002" ]
    rd=$(only_run_dir)
    # The arrays the commands name cover tasks 0..2499 once each, as planned.
    json_eq "$(grep '^ sbatch ' <<<"$output" |
        sed 's/^ sbatch --array=0-\([0-9]*\) big.sh --offset \([0-9]*\)$/{"offset":\2,"count":\1}/' |
        jq -s -c 'map(.count += 1)')" "$(jq -c .plan.arrays "$rd/manifest.json")"
    [ "$(jq '.plan.tasks' "$rd/manifest.json")" -eq 2500 ]
    # Run as printed, they make exactly the calls dsq --submit makes (but
    # for --parsable and the script's copy in the run directory).
    grep '^ sbatch ' <<<"$output" | bash
    mv "$SBATCH_LOG" printed.log
    rm -r "$rd" big.sh
    run dsq --job-file big.txt --lines-per-task 1 --batch-file big.sh --submit
    [ "$status" -eq 0 ]
    rd=$(cd "$(only_run_dir)" && pwd)
    sed -e 's/^--parsable //' -e "s|^\(--array=[^ ]*\) $rd/big.sh |\1 big.sh |" "$SBATCH_LOG" \
        > submitted.log
    diff printed.log submitted.log
}

@test "several arrays with --max-jobs: each printed array is throttled as --submit would" {
    seq 1 1500 | sed 's/^/echo /' > big.txt
    run --separate-stderr dsq --job-file big.txt --lines-per-task 1 --max-jobs 20 \
        --batch-file 'my big.sh'
    [ "$status" -eq 0 ]
    [ "$(grep '^ sbatch ' <<<"$output")" = " sbatch --array=0-1000%20 'my big.sh' --offset 0
 sbatch --array=0-498%20 'my big.sh' --offset 1001" ]
}
