#!/usr/bin/env bats
# 0060-config: the YAML configuration through the real binary: each layer
# changes what dsq plans, later layers and the command line win, and a bad
# file stops dsq (exit 2) before anything is written, naming file, line, key.
load helper
setup() {
    setup_dsq
    printf 'echo one\necho two\necho three\necho four\necho five\n' > jobs.txt
    USERCONF="$XDG_CONFIG_HOME/dsq/config.yaml"
    mkdir -p "${USERCONF%/*}"
}

# The batch file dsq wrote for jobs.txt today (exactly one).
batch_file() {
    local f=(dsq-jobs-*.sh)
    [ "${#f[@]}" -eq 1 ] && [ -f "${f[0]}" ] || { echo "no single batch file: ${f[*]}" >&2; return 1; }
    printf '%s\n' "${f[0]}"
}

@test "no configuration: built-in defaults" {
    run dsq --job-file jobs.txt
    [ "$status" -eq 0 ]
    rd=$(only_run_dir .)
    [ "$(jq -r .plan.layout "$rd/manifest.json")" = dynamic ]
    [ "$(jq -r .shell "$rd/manifest.json")" = /bin/sh ]
    jq -e '.kill_grace == 10' "$rd/manifest.json"
    grep -qx '#SBATCH --signal=B:USR1@60' "$(batch_file)"
}

@test "DSQ_CONFIG: status-dir puts the run directory there" {
    printf 'status-dir: runs\n' > conf.yaml
    DSQ_CONFIG=$PWD/conf.yaml run dsq --job-file jobs.txt
    [ "$status" -eq 0 ]
    only_run_dir runs
    for m in ./*/manifest.json; do [ ! -e "$m" ]; done
}

@test "XDG_CONFIG_HOME: layout, shell, kill-grace, max-array-tasks reach the manifest" {
    cat > "$USERCONF" <<'EOF'
layout: block
shell: /bin/bash
kill-grace: 2.5
max-array-tasks: 2
EOF
    run dsq --job-file jobs.txt
    [ "$status" -eq 0 ]
    rd=$(only_run_dir .)
    [ "$(jq -r .plan.layout "$rd/manifest.json")" = block ]
    [ "$(jq -r .shell "$rd/manifest.json")" = /bin/bash ]
    jq -e '.kill_grace == 2.5' "$rd/manifest.json"
    [ "$(jq -r .plan.tasks "$rd/manifest.json")" = 2 ]
}

@test "HOME/.config is the user layer when XDG_CONFIG_HOME is unset" {
    mkdir -p "$BATS_TEST_TMPDIR/home/.config/dsq"
    printf 'layout: block\n' > "$BATS_TEST_TMPDIR/home/.config/dsq/config.yaml"
    HOME=$BATS_TEST_TMPDIR/home run env -u XDG_CONFIG_HOME dsq --job-file jobs.txt
    [ "$status" -eq 0 ]
    rd=$(only_run_dir .)
    [ "$(jq -r .plan.layout "$rd/manifest.json")" = block ]
}

@test "sbatch-options become #SBATCH lines, each intact" {
    cat > "$USERCONF" <<'EOF'
sbatch-options:
  - --partition=day
  - "--constraint=a|b"
  - --comment
  - two words
  - --export=ALL,FOO=bar
EOF
    run dsq --job-file jobs.txt
    [ "$status" -eq 0 ]
    bf=$(batch_file)
    grep -qx '#SBATCH --partition=day' "$bf"
    grep -qx '#SBATCH --constraint=a|b' "$bf"
    grep -qx '#SBATCH --comment="two words"' "$bf"
    grep -qx '#SBATCH --export=ALL,FOO=bar' "$bf"
    rd=$(only_run_dir .)
    jq -e '.sbatch | index("--partition=day")' "$rd/manifest.json"
}

@test "signal-lead sets the warning signal; a user --signal wins" {
    printf 'signal-lead: 300\n' > "$USERCONF"
    run dsq --job-file jobs.txt --stdout
    [ "$status" -eq 0 ]
    [[ "$output" == *$'#SBATCH --signal=B:USR1@300\n'* ]]
    run dsq --job-file jobs.txt --stdout --signal=B:USR2@30
    [ "$status" -eq 0 ]
    [[ "$output" == *'#SBATCH --signal=B:USR2@30'* ]]
    [[ "$output" != *'USR1@300'* ]]
}

@test "batch-template: a path relative to the config file" {
    mkdir -p "$BATS_TEST_TMPDIR/site"
    sed 's/^# DO NOT EDIT LINE BELOW$/# SITE TEMPLATE MARKER\n&/' \
        "$DSQ_SRCDIR/share/batch.sh.tmpl" > "$BATS_TEST_TMPDIR/site/batch.tmpl"
    grep -q 'SITE TEMPLATE MARKER' "$BATS_TEST_TMPDIR/site/batch.tmpl"
    printf 'batch-template: batch.tmpl\n' > "$BATS_TEST_TMPDIR/site/config.yaml"
    DSQ_CONFIG=$BATS_TEST_TMPDIR/site/config.yaml run dsq --job-file jobs.txt
    [ "$status" -eq 0 ]
    grep -q 'SITE TEMPLATE MARKER' "$(batch_file)"
}

@test "later layer wins per key; sbatch-options is replaced, not merged" {
    cat > "$USERCONF" <<'EOF'
layout: block
shell: /bin/bash
sbatch-options: [--partition=user, --qos=user]
EOF
    printf 'layout: stripe\nsbatch-options: [--partition=env]\n' > env.yaml
    DSQ_CONFIG=$PWD/env.yaml run dsq --job-file jobs.txt
    [ "$status" -eq 0 ]
    rd=$(only_run_dir .)
    [ "$(jq -r .plan.layout "$rd/manifest.json")" = stripe ]
    [ "$(jq -r .shell "$rd/manifest.json")" = /bin/bash ]
    bf=$(batch_file)
    grep -qx '#SBATCH --partition=env' "$bf"
    ! grep -q 'partition=user' "$bf" || false
    ! grep -q 'qos=user' "$bf" || false
}

@test "the command line beats the configuration" {
    cat > "$USERCONF" <<'EOF'
status-dir: conf-runs
layout: block
shell: /bin/bash
max-array-tasks: 2
sbatch-options: [--partition=day]
EOF
    run dsq --job-file jobs.txt --status-dir cli-runs --layout stripe --shell /bin/sh \
        --max-array-tasks 10 --partition=week
    [ "$status" -eq 0 ]
    rd=$(only_run_dir cli-runs)
    [ ! -d conf-runs ] || [ -z "$(ls conf-runs)" ]
    [ "$(jq -r .plan.layout "$rd/manifest.json")" = stripe ]
    [ "$(jq -r .shell "$rd/manifest.json")" = /bin/sh ]
    [ "$(jq -r .plan.tasks "$rd/manifest.json")" = 5 ]
    # sbatch takes the last of repeated options: the command line's.
    [ "$(grep '^#SBATCH --partition' "$(batch_file)" | tail -n 1)" = '#SBATCH --partition=week' ]
}

@test "--dry-run runs each line with the configured shell in the configured status dir" {
    printf 'shell: /bin/bash\nstatus-dir: runs\n' > "$USERCONF"
    printf 'echo "bash=${BASH_VERSION:+yes}" > out.$DSQ_LINE\necho ok\n' > bash.txt
    run dsq --job-file bash.txt --dry-run
    [ "$status" -eq 0 ]
    [ "$(cat out.1)" = bash=yes ]
    rd=$(only_run_dir runs)
    [ "$(jq -r .shell "$rd/manifest.json")" = /bin/bash ]
}

@test "an empty configuration file is fine" {
    : > "$USERCONF"
    printf '# nothing here yet\n' > env.yaml
    DSQ_CONFIG=$PWD/env.yaml run dsq --job-file jobs.txt
    [ "$status" -eq 0 ]
    only_run_dir .
}

@test "broken YAML: exit 2 naming file, line and key; nothing written" {
    printf 'status-dir: runs\nsbatch-options:\n  - --partition=day\n  - [oops\n' > bad.yaml
    DSQ_CONFIG=$PWD/bad.yaml run dsq --job-file jobs.txt
    [ "$status" -eq 2 ]
    [[ "$output" == *"dsq: error: $PWD/bad.yaml:5: YAML syntax error"* ]]
    [[ "$output" == *"key 'sbatch-options'"* ]]
    nothing_made
}

@test "unknown key: exit 2 naming file, line and key, with a suggestion; nothing written" {
    printf 'layout: block\n\nstatus_dir: runs\n' > "$USERCONF"
    run dsq --job-file jobs.txt --submit
    [ "$status" -eq 2 ]
    [[ "$output" == *"dsq: error: $USERCONF:3: unknown key 'status_dir' (did you mean 'status-dir'?)"* ]]
    nothing_made
}

@test "bad values: exit 2 naming file, line and key; nothing written" {
    local cases=(
        $'max-array-tasks: 0\n'            1 "key 'max-array-tasks'"
        $'layout: diagonal\n'              1 "key 'layout'"
        $'\nshell: bash\n'                 2 "key 'shell'"
        $'signal-lead: soon\n'             1 "key 'signal-lead'"
        $'kill-grace: -3\n'                1 "key 'kill-grace'"
        $'sbatch-options: --mem=4g\n'      1 "key 'sbatch-options'"
        $'sbatch-options:\n  - --nope=1\n' 2 "unknown option '--nope'"
        $'status-dir: [a, b]\n'            1 "key 'status-dir'"
        $'- layout\n- block\n'             1 "mapping"
    )
    for ((i = 0; i < ${#cases[@]}; i += 3)); do
        printf '%s' "${cases[i]}" > bad.yaml
        DSQ_CONFIG=$PWD/bad.yaml run dsq --job-file jobs.txt
        echo "case $i: $output"
        [ "$status" -eq 2 ]
        [[ "$output" == *"$PWD/bad.yaml:${cases[i + 1]}: "* ]]
        [[ "$output" == *"${cases[i + 2]}"* ]]
        nothing_made
    done
}

@test "--dry-run with a bad configuration runs nothing" {
    printf 'echo ran > ran.$DSQ_LINE\n' > one.txt
    printf 'layout: sideways\n' > "$USERCONF"
    run dsq --job-file one.txt --dry-run
    [ "$status" -eq 2 ]
    [[ "$output" == *"$USERCONF:1: key 'layout'"* ]]
    [ ! -e ran.1 ]
    nothing_made
}

@test "DSQ_CONFIG naming a missing file is an error" {
    DSQ_CONFIG=$PWD/missing.yaml run dsq --job-file jobs.txt
    [ "$status" -eq 2 ]
    [[ "$output" == *"DSQ_CONFIG"*"$PWD/missing.yaml"* ]]
    nothing_made
}
