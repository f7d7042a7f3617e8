#!/usr/bin/env bats
# 0065-limits: every numeric setting has one range, which the command line
# and the configuration both enforce (lib/limit.c): each takes its maximum,
# and refuses the maximum + 1 and hexadecimal, naming the range.
load helper
setup() {
    setup_dsq
    printf 'echo one\necho two\n' > jobs.txt
}

# The whole-number options of dsq and of autopsy's reruns.
COUNTS=(max-jobs parallel lines-per-task tasks max-array-tasks)
COUNT_MAX=100000000

@test "command line: every numeric option takes its maximum" {
    for o in "${COUNTS[@]}"; do
        run dsq --job-file jobs.txt --stdout "--$o" "$COUNT_MAX"
        [ "$status" -eq 0 ] || { echo "--$o $COUNT_MAX -> $status: $output"; return 1; }
    done
    run dsq --job-file jobs.txt --stdout --max-jobs "$COUNT_MAX"
    [[ "$output" == *"#SBATCH --array=0-1%$COUNT_MAX"* ]]
    rm -rf ./*/
    run dsq --job-file jobs.txt --kill-grace 86400
    [ "$status" -eq 0 ]
    jq -e '.kill_grace == 86400' "$(only_run_dir .)/manifest.json"
}

@test "command line: the maximum + 1 and hex are usage errors naming the range" {
    for v in $((COUNT_MAX + 1)) 0x10; do
        for o in "${COUNTS[@]}"; do
            run dsq --job-file jobs.txt --stdout "--$o" "$v"
            [ "$status" -eq 2 ] || { echo "--$o $v -> $status"; return 1; }
            [[ "$output" == *"--$o '$v': must be a positive integer from 1 to $COUNT_MAX"* ]] ||
                { echo "--$o $v: $output"; return 1; }
        done
    done
    for v in 86401 86400.5 0x10 1e3 ' 5' -1; do
        run dsq --job-file jobs.txt --stdout --kill-grace "$v"
        [ "$status" -eq 2 ] || { echo "--kill-grace '$v' -> $status"; return 1; }
        [[ "$output" == *"--kill-grace '$v': must be a number of seconds from 0 to 86400"* ]] ||
            { echo "--kill-grace '$v': $output"; return 1; }
    done
    for m in ./*/manifest.json; do [ ! -e "$m" ]; done
}

@test "autopsy's planning options have the same limits" {
    for o in parallel lines-per-task tasks max-jobs max-array-tasks; do
        run dsq autopsy --dry-run "--$o" $((COUNT_MAX + 1))
        [ "$status" -eq 2 ] || { echo "--$o -> $status"; return 1; }
        [[ "$output" == *"--$o '$((COUNT_MAX + 1))': must be a positive integer from 1 to $COUNT_MAX"* ]]
        run dsq autopsy --dry-run "--$o" 0x10
        [ "$status" -eq 2 ]
    done
}

@test "configuration: kill-grace, max-array-tasks and signal-lead take their maximum" {
    printf 'kill-grace: 86400\nmax-array-tasks: %s\nsignal-lead: 65535\n' "$COUNT_MAX" > conf.yaml
    DSQ_CONFIG=$PWD/conf.yaml run dsq --job-file jobs.txt --batch-file b.sh
    [ "$status" -eq 0 ]
    grep -qx '#SBATCH --signal=B:USR1@65535' b.sh
    jq -e '.kill_grace == 86400' "$(only_run_dir .)/manifest.json"
}

@test "configuration: the maximum + 1 and hex are errors naming file, line, key and range" {
    local cases=(
        "kill-grace: 86401"             "key 'kill-grace': expected a number of seconds, found '86401' (allowed: 0 to 86400)"
        "kill-grace: 0x10"              "key 'kill-grace': expected a number of seconds, found '0x10' (allowed: 0 to 86400)"
        "kill-grace: 1e3"               "found '1e3' (allowed: 0 to 86400)"
        "max-array-tasks: $((COUNT_MAX + 1))" "key 'max-array-tasks': expected a positive integer, found '$((COUNT_MAX + 1))' (allowed: 1 to $COUNT_MAX)"
        "max-array-tasks: 0x10"         "found '0x10' (allowed: 1 to $COUNT_MAX)"
        "signal-lead: 65536"            "key 'signal-lead': expected a whole number of seconds, found '65536' (allowed: 0 to 65535)"
        "signal-lead: 0x10"             "found '0x10' (allowed: 0 to 65535)"
    )
    for ((i = 0; i < ${#cases[@]}; i += 2)); do
        printf 'layout: block\n%s\n' "${cases[i]}" > bad.yaml
        DSQ_CONFIG=$PWD/bad.yaml run dsq --job-file jobs.txt
        [ "$status" -eq 2 ] || { echo "${cases[i]} -> $status"; return 1; }
        [[ "$output" == *"$PWD/bad.yaml:2: key '${cases[i]%%:*}': "* ]] &&
            [[ "$output" == *"${cases[i + 1]}"* ]] || { echo "${cases[i]}: $output"; return 1; }
    done
    for m in ./*/manifest.json; do [ ! -e "$m" ]; done
}

@test "the command line and the configuration accept the same kill-grace" {
    # 3601 was refused by the configuration and accepted on the command line.
    printf 'kill-grace: 3601\n' > conf.yaml
    DSQ_CONFIG=$PWD/conf.yaml run dsq --job-file jobs.txt
    [ "$status" -eq 0 ]
    jq -e '.kill_grace == 3601' "$(only_run_dir .)/manifest.json"
    rm -rf ./*/
    run dsq --job-file jobs.txt --kill-grace 3601
    [ "$status" -eq 0 ]
    jq -e '.kill_grace == 3601' "$(only_run_dir .)/manifest.json"
}
