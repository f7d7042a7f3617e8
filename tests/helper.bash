# Shared setup for the bats tests: each test runs in its own temporary
# directory with the built dsq first on PATH (under valgrind when configured).

setup_dsq() {
    : "${DSQ_BUILDDIR:?run the tests through make check}"
    export DSQ_DATADIR="${DSQ_DATADIR:-$DSQ_SRCDIR/share}"
    # No user or site configuration leaks into a test.
    export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg"
    unset DSQ_CONFIG SLURM_ARRAY_TASK_ID SLURM_ARRAY_JOB_ID SLURM_JOB_ID SLURM_RESTART_COUNT
    mkdir -p "$BATS_TEST_TMPDIR/bin"
    if [ -n "${DSQ_VALGRIND:-}" ]; then
        # Each name execs valgrind on a link of that name, so that dsq sees
        # the argv[0] it was entered by (dsq-autopsy is dsq autopsy).
        mkdir -p "$BATS_TEST_TMPDIR/real"
        for name in dsq dsq-autopsy; do
            ln -sf "$DSQ_BUILDDIR/dsq" "$BATS_TEST_TMPDIR/real/$name"
            printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$DSQ_VALGRIND" "$BATS_TEST_TMPDIR/real/$name" \
                > "$BATS_TEST_TMPDIR/bin/$name"
            chmod +x "$BATS_TEST_TMPDIR/bin/$name"
        done
    else
        ln -sf "$DSQ_BUILDDIR/dsq" "$BATS_TEST_TMPDIR/bin/dsq"
        ln -sf "$DSQ_BUILDDIR/dsq" "$BATS_TEST_TMPDIR/bin/dsq-autopsy"
    fi
    PATH="$BATS_TEST_TMPDIR/bin:$PATH"
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
