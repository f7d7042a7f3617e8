# Shared setup for the bats tests: each test runs in its own temporary
# directory with the built dsq first on PATH (under valgrind when configured).

setup_dsq() {
    : "${DSQ_BUILDDIR:?run the tests through make check}"
    export DSQ_DATADIR="${DSQ_DATADIR:-$DSQ_SRCDIR/share}"
    # No user or site configuration leaks into a test.
    export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg"
    unset DSQ_CONFIG SLURM_ARRAY_TASK_ID SLURM_ARRAY_JOB_ID SLURM_JOB_ID SLURM_RESTART_COUNT
    if [ -n "${DSQ_VALGRIND:-}" ]; then
        mkdir -p "$BATS_TEST_TMPDIR/bin"
        printf '#!/bin/sh\nexec %s "%s/dsq" "$@"\n' "$DSQ_VALGRIND" "$DSQ_BUILDDIR" \
            > "$BATS_TEST_TMPDIR/bin/dsq"
        chmod +x "$BATS_TEST_TMPDIR/bin/dsq"
        ln -sf dsq "$BATS_TEST_TMPDIR/bin/dsq-autopsy"
        PATH="$BATS_TEST_TMPDIR/bin:$PATH"
    else
        mkdir -p "$BATS_TEST_TMPDIR/bin"
        ln -sf "$DSQ_BUILDDIR/dsq" "$BATS_TEST_TMPDIR/bin/dsq"
        ln -sf "$DSQ_BUILDDIR/dsq" "$BATS_TEST_TMPDIR/bin/dsq-autopsy"
        PATH="$BATS_TEST_TMPDIR/bin:$PATH"
    fi
    export PATH
    WORK="$BATS_TEST_TMPDIR/work"
    mkdir -p "$WORK"
    cd "$WORK" || return 1
}

# The only run directory under DIR (default .): fails unless exactly one.
only_run_dir() {
    local dir="${1:-.}" found=() m
    for m in "$dir"/*/manifest.json; do
        [ -e "$m" ] && found+=("${m%/manifest.json}")
    done
    [ "${#found[@]}" -eq 1 ] || { echo "expected one run dir in $dir, found ${#found[@]}" >&2; return 1; }
    printf '%s\n' "${found[0]}"
}

# JSON in tests is read with jq (installed by .ci/run and the README).
