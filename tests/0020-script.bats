#!/usr/bin/env bats
# The generated batch script: hostile paths are quoted, nothing is evaluated,
# and run by hand (outside Slurm) with SLURM_ARRAY_TASK_ID=0 it runs line 1.

load helper
bats_require_minimum_version 1.5.0

setup() {
    setup_dsq
}

# A directory and job file name that would run code if a shell evaluated them.
hostile='we ird $(touch PWNED-dollar) `touch PWNED-tick` "q" '"'s'"' ;touch PWNED-semi'

@test "hostile job file path and status dir: bash -n passes, nothing evaluated" {
    mkdir -p "$hostile"
    printf 'echo "line one ran" > "$DSQ_RUN_DIR/../one.out"\necho two\n' > "$hostile/job \$(x).txt"
    run dsq --job-file "$hostile/job \$(x).txt" --status-dir "$hostile/st \`y\`" \
        --batch-file "$hostile/b.sh"
    [ "$status" -eq 0 ]
    bash -n "$hostile/b.sh"
    # The exec line names the run directory as one quoted word.
    rd=$(only_run_dir "$hostile/st \`y\`")
    grep -q "^exec '.*' run --run-dir '" "$hostile/b.sh"
    ! ls PWNED-* "$hostile"/PWNED-* 2>/dev/null || false
    # Run by hand, outside Slurm, as task 0: line 1 runs and is recorded.
    SLURM_ARRAY_TASK_ID=0 bash "$hostile/b.sh"
    [ "$(cat "$hostile/st \`y\`/one.out")" = "line one ran" ]
    ! ls PWNED-* "$hostile"/PWNED-* 2>/dev/null || false
    [ "$(recs "$rd" | jq -s 'map(select(.ev=="end")) | .[0].line')" = 1 ]
    [ "$(recs "$rd" | jq -rs 'map(select(.ev=="end")) | .[0].state')" = ok ]
}

@test "hostile job name and output pattern reach #SBATCH lines intact" {
    printf 'true\n' > j.txt
    # The script alone on stdout (stderr says it is a preview).
    run --separate-stderr dsq --job-file j.txt --stdout -J 'na me"#x' -o 'out $(no) %a.log'
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\n#SBATCH --job-name="na me\\"#x"\n'* ]]
    [[ "$output" == *$'\n#SBATCH --output="out $(no) %a.log"\n'* ]]
    printf '%s\n' "$output" > s.sh
    bash -n s.sh
}

@test "the batch script runs its task's slice with the runner" {
    printf 'echo a > a.out\necho b > b.out\necho c > c.out\n' > j.txt
    run dsq --job-file j.txt --tasks 2 --layout stripe --batch-file b.sh
    [ "$status" -eq 0 ]
    SLURM_ARRAY_TASK_ID=1 bash b.sh
    # stripe: task 1 runs command 2 (line 2) only
    [ -f b.out ]
    [ ! -f a.out ]
    [ ! -f c.out ]
    SLURM_ARRAY_TASK_ID=0 bash b.sh
    [ -f a.out ]
    [ -f c.out ]
}

@test "a custom batch template from the config is used" {
    printf '#!/bin/bash\n{{SBATCH}}\n# custom {{VERSION}}\nexec {{DSQ}} run --run-dir {{RUN_DIR}} "$@"\n' > t.tmpl
    printf 'batch-template: %s\n' "$PWD/t.tmpl" > c.yaml
    printf 'true\n' > j.txt
    DSQ_CONFIG=$PWD/c.yaml run dsq --job-file j.txt --stdout
    [ "$status" -eq 0 ]
    [[ "$output" == *"# custom "* ]]
    printf '{{BOGUS}}\n' > bad.tmpl
    printf 'batch-template: %s\n' "$PWD/bad.tmpl" > c.yaml
    DSQ_CONFIG=$PWD/c.yaml run dsq --job-file j.txt --status-dir bad-runs
    [ "$status" -eq 2 ]
    [[ "$output" == *"BOGUS"* ]]
    [ -z "$(find bad-runs -name manifest.json)" ]
    [ ! -e "dsq-j-$(date +%Y-%m-%d).sh" ]
}
