/* cmd-report: `dsq report [RUN]`: what happened to every line of a run, as a
 * summary for people, one JSON object, or one TSV row per line.  The merging
 * is lib/report.c, the numbers lib/report-stats.c, the formats
 * lib/report-print.c; this file parses options, picks the format, and words
 * what names the command line: the advice and the command to run again. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/buf.h"
#include "lib/fs.h"
#include "lib/report-html.h"
#include "lib/report-print.h"
#include "lib/report.h"
#include "lib/rundir.h"
#include "lib/sys.h"
#include "lib/text.h"

enum {
    OPT_STATUS_DIR = 1,
    OPT_JSON,
    OPT_LINES,
    OPT_TSV,
    OPT_CHECK,
    OPT_WATCH,
    OPT_HISTORY,
    OPT_HTML,
    OPT_HELP,
};

static const struct cmd_opt report_opts[] = {
    {"status-dir", 0, CMD_OPT_REQUIRED, OPT_STATUS_DIR},
    {"json", 0, CMD_OPT_NONE, OPT_JSON},
    {"lines", 0, CMD_OPT_NONE, OPT_LINES},
    {"tsv", 0, CMD_OPT_NONE, OPT_TSV},
    {"check", 0, CMD_OPT_NONE, OPT_CHECK},
    {"watch", 0, CMD_OPT_NONE, OPT_WATCH},
    {"history", 0, CMD_OPT_NONE, OPT_HISTORY},
    {"html", 0, CMD_OPT_REQUIRED, OPT_HTML},
    {"help", 'h', CMD_OPT_NONE, OPT_HELP},
    {NULL, 0, 0, 0},
};

#define WATCH_INTERVAL 5

static const char report_usage[] =
    "Usage: dsq report [RUN] [--status-dir DIR] [--json [--lines] | --tsv] [--check]\n"
    "                  [--watch] [--history] [--html FILE]\n"
    "\n"
    "What happened to every line of a run: the records of every attempt merged (the\n"
    "latest attempt of a line wins) with the queue state from Slurm: slurmctld while\n"
    "it knows the job, then the accounting database (slurmdbd), if the cluster keeps\n"
    "one; else report says once that Slurm no longer knows the job.  RUN is a run\n"
    "directory, a Slurm job id, or nothing for the most recent run under the status\n"
    "directory.  Attempts: 1 is the run as planned, 2, 3, ... its reruns (dsq\n"
    "autopsy --submit); a line a rerun does not include keeps its earlier state, and\n"
    "one it includes waits only on that rerun's array tasks.\n"
    "\n"
    "Line states: ok (exit 0), failed (exit status not 0), signaled (killed by a\n"
    "signal dsq did not send), interrupted (stopped because its array task was\n"
    "stopped: time limit, scancel, preemption), lost (started, no end record and no\n"
    "runner left), pending and running (the job is still queued or running),\n"
    "not_run (never started, and the job is over).  Without Slurm to ask (a --dry-run,\n"
    "or Slurm unreachable), a started line is running while its process is alive on\n"
    "this host, and lines not yet started are pending while any line runs.\n"
    "\n"
    "Options:\n"
    "  --status-dir DIR  where to look for RUN (default: the configuration's\n"
    "                    status-dir, else the current directory)\n"
    "  --json            one JSON object: run, run_dir, jobfile, job_ids, total, over,\n"
    "                    states (a count for every state), elapsed {min, median, p95,\n"
    "                    max}, cpu_seconds, cpu_efficiency, maxrss_kb, slowest,\n"
    "                    failures (by cause), advice, resources {mem, time, cpus};\n"
    "                    null where a value is unknown\n"
    "  --lines           with --json: add \"lines\", one object per command line in\n"
    "                    job-file order: line, state, exit, signal, host, start, end,\n"
    "                    elapsed, attempts, command (made valid UTF-8: other bytes\n"
    "                    become U+FFFD), task, cpu_seconds, maxrss_kb, reason,\n"
    "                    slurm_state, cause\n"
    "  --tsv             a header row, then one row per command line: line, state,\n"
    "                    exit, signal, host, start, end, elapsed, attempts, command,\n"
    "                    cause.\n"
    "                    Unknown values are empty; times are epoch seconds.  In the\n"
    "                    command (and host) a backslash is written \\\\, a tab \\t, a\n"
    "                    newline \\n and a carriage return \\r; all other bytes are\n"
    "                    the job file's own\n"
    "  --history         every attempt of every line, not only the latest: in the\n"
    "                    summary a \"history\" section, with --json --lines a\n"
    "                    \"history\" list per line: attempt, restart, state, exit,\n"
    "                    signal, host, start, end, elapsed\n"
    "  --html FILE       write the report as one self-contained HTML page to FILE\n"
    "                    (- for stdout) instead of the summary: the states, a\n"
    "                    timeline of every line per host (aggregated above 5000\n"
    "                    lines), histograms of wall time and peak memory, the\n"
    "                    failures and the advice.  It loads and runs nothing; open\n"
    "                    it in any browser.  FILE is replaced atomically; with\n"
    "                    --watch it is rewritten at every refresh\n"
    "  --check           exit 1 unless every line is ok\n"
    "  --watch           a progress line (bar, lines per state, rate, ETA) every 5\n"
    "                    seconds until the job is over, then the summary; on a\n"
    "                    terminal the screen is redrawn, else one line each time\n"
    "  -h, --help        print this help\n"
    "\n"
    "Causes of the lines that did not end ok: exit, signal, out_of_memory,\n"
    "time_limit, cancelled, node_failure, preempted, dsq_error (dsq could not run\n"
    "it), unknown; only what the records (and the kernel's OOM count) or Slurm prove.\n"
    "\n"
    "Next time: the --mem, -t and -c each line asked for, against the max and p95\n"
    "used, and what to ask for: peak memory x 1.2, the longest line x 1.5 (a minute\n"
    "more at least), the p95 of CPUs kept busy, rounded up to values people write;\n"
    "lines out of memory or at the time limit: twice what they asked.\n"
    "\n"
    "Wall time statistics cover finished lines (ok, failed, signaled, interrupted).\n"
    "CPU efficiency is CPU time / (wall time x CPUs per line).  The advice suggests a\n"
    "--lines-per-task that makes array tasks of about 10 minutes when the planned ones\n"
    "take under 5.\n"
    "\n"
    "Exit status: 0 success; 1 with --check, some line is not ok; 2 usage or input\n"
    "error; 3 system error.\n";

/* The advice names the options that would apply it. */
static int
report_advice(const struct dsq_report_advice *a, const char *median, const char *about,
              struct dsq_buf *out)
{
    if (a->tasks == 1)
        return dsq_buf_printf(out,
                              "median successful line takes %s: --tasks 1 runs all %zu lines in "
                              "one array task of about %s",
                              median, a->lines_per_task, about);
    return dsq_buf_printf(out,
                          "median successful line takes %s: --lines-per-task %zu gives array "
                          "tasks of about %s (%zu tasks)",
                          median, a->lines_per_task, about, a->tasks);
}

/* A command to paste: the path quoted when it needs to be. */
static int
report_rerun(const char *run_dir, struct dsq_buf *out)
{
    const char *dir = run_dir ? run_dir : "RUN";

    if (dsq_buf_puts(out, "dsq autopsy ") < 0 || dsq_buf_shell_word(out, dir, strlen(dir)) < 0)
        return -1;
    return dsq_buf_puts(out, " > rerun.txt");
}

/* --mem's value as people write it: "1G", "512M". */
static void
mem_value(uint64_t mib, char *buf, size_t n)
{
    if (mib >= 1024 && mib % 1024 == 0)
        snprintf(buf, n, "%" PRIu64 "G", mib / 1024);
    else
        snprintf(buf, n, "%" PRIu64 "M", mib);
}

/* -t's value: "MM:SS" under an hour, "H:MM:SS", "D-HH:MM:SS". */
static void
time_value(long s, char *buf, size_t n)
{
    long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;

    if (d)
        snprintf(buf, n, "%ld-%02ld:%02ld:%02ld", d, h, m, sec);
    else if (h)
        snprintf(buf, n, "%ld:%02ld:%02ld", h, m, sec);
    else
        snprintf(buf, n, "%02ld:%02ld", m, sec);
}

/* ": FLAG V would do" when less than asked, "leaves headroom" when more,
 * "about right" when the same; ": FLAG V covers it" when nothing was
 * asked. */
static int
suggest_words(struct dsq_buf *out, const char *flag, const char *value, int cmp, int asked)
{
    if (!asked)
        return dsq_buf_printf(out, ": %s %s covers it", flag, value);
    if (cmp < 0)
        return dsq_buf_printf(out, ": %s %s would do", flag, value);
    if (cmp > 0)
        return dsq_buf_printf(out, ": %s %s leaves headroom", flag, value);
    return dsq_buf_puts(out, ": about right");
}

static int
words_mem(const struct dsq_report_mem *m, struct dsq_buf *out)
{
    char a[32], b[32], c[32];
    int rc = 0;

    if (m->max_kb > 0) {
        dsq_report_kb_format(m->max_kb, a, sizeof a);
        dsq_report_kb_format(m->p95_kb, b, sizeof b);
        mem_value(m->asked_mib, c, sizeof c);
        rc = m->asked_mib ? dsq_buf_printf(out, "asked --mem %s per line; ", c)
                          : dsq_buf_puts(out, "no --mem asked; ");
        if (rc == 0)
            rc = dsq_buf_printf(out, "used at most %s (p95 %s)", a, b);
        mem_value(m->suggest_mib, c, sizeof c);
        if (rc == 0 && m->suggest_mib)
            rc = suggest_words(out, "--mem", c,
                               m->suggest_mib < m->asked_mib   ? -1
                               : m->suggest_mib > m->asked_mib ? 1
                                                               : 0,
                               m->asked_mib > 0);
    }
    if (rc == 0 && m->oom) {
        mem_value(m->oom_at_mib, a, sizeof a);
        mem_value(m->oom_suggest_mib, b, sizeof b);
        rc = dsq_buf_printf(out, "%s%zu line%s ran out of memory%s%s: rerun %s with --mem %s",
                            m->max_kb > 0 ? "; " : "", m->oom, m->oom == 1 ? "" : "s",
                            m->oom_at_mib ? " at " : "", m->oom_at_mib ? a : "",
                            m->oom == 1 ? "it" : "them", b);
    }
    return rc;
}

static int
words_time(const struct dsq_report_time *t, struct dsq_buf *out)
{
    char a[32], b[32], c[32];
    int rc = 0;

    if (t->max > 0) {
        dsq_duration_format(t->max, a, sizeof a);
        dsq_duration_format(t->p95, b, sizeof b);
        time_value(t->asked_s, c, sizeof c);
        rc = t->asked_s > 0 ? dsq_buf_printf(out, "asked -t %s per line; ", c)
                            : dsq_buf_puts(out, "no -t asked; ");
        if (rc == 0)
            rc = dsq_buf_printf(out, "the longest took %s (p95 %s)", a, b);
        time_value(t->suggest_s, c, sizeof c);
        if (rc == 0 && t->suggest_s)
            rc = suggest_words(out, "-t", c,
                               t->suggest_s < t->asked_s   ? -1
                               : t->suggest_s > t->asked_s ? 1
                                                           : 0,
                               t->asked_s > 0);
    }
    if (rc == 0 && t->limited) {
        time_value(t->limited_suggest_s, b, sizeof b);
        rc = dsq_buf_printf(
            out, "%s%zu line%s reached the time limit: rerun %s with %s%s", t->max > 0 ? "; " : "",
            t->limited, t->limited == 1 ? "" : "s", t->limited == 1 ? "it" : "them",
            t->limited_suggest_s ? "-t " : "a longer -t", t->limited_suggest_s ? b : "");
    }
    return rc;
}

static int
words_cpus(const struct dsq_report_cpus *c, struct dsq_buf *out)
{
    unsigned asked = c->asked ? c->asked : 1;
    char v[16];
    int rc;

    rc = c->asked ? dsq_buf_printf(out, "asked -c %u per line; ", c->asked)
                  : dsq_buf_puts(out, "one CPU per line (no -c); ");
    if (rc == 0)
        rc = dsq_buf_printf(out, "lines kept at most %.1f CPUs busy (p95 %.1f)", c->max, c->p95);
    snprintf(v, sizeof v, "%u", c->suggest);
    if (rc == 0 && c->suggest)
        rc = c->suggest < asked   ? dsq_buf_printf(out, ": -c %s would do", v)
             : c->suggest > asked ? dsq_buf_printf(out, ": -c %s would use them", v)
                                  : dsq_buf_puts(out, ": about right");
    return rc;
}

/* Resources name the options that ask for them. */
static int
report_resources(const struct dsq_report_resources *res, enum dsq_report_resource what,
                 struct dsq_buf *out)
{
    switch (what) {
    case DSQ_RES_MEM:
        return words_mem(&res->mem, out);
    case DSQ_RES_TIME:
        return words_time(&res->time, out);
    case DSQ_RES_CPUS:
        return words_cpus(&res->cpus, out);
    }
    return 0;
}

const struct dsq_report_words cmd_report_words = {report_advice, report_rerun, report_resources};

static void
quiet_warning(const char *msg, void *arg)
{
    (void)msg;
    (void)arg;
}

/* One report.  With watch, a progress line (after clearing a TTY screen)
 * while the job runs, and the whole summary once it is over; a run over
 * from the first look is just printed, the screen kept (first: no progress
 * was drawn yet). */
/* The page of r written to html: stdout for "-", else replaced atomically
 * (a browser or a mail never sees half a page).  Loads r's history, which
 * the page draws.  0, or an exit status. */
static int
write_html(struct dsq_report *r, const char *html)
{
    struct dsq_error err = {0};
    struct dsq_buf b = {0};
    int rc = DSQ_EXIT_OK;

    if (!r->history && dsq_report_load_history(r, &err) < 0)
        return cmd_fail(&err);
    if (dsq_report_html(r, &cmd_report_words, dsq_time_real(), &b) < 0) {
        fprintf(stderr, "dsq: error: cannot make the HTML report: out of memory\n");
        rc = DSQ_EXIT_SYSTEM;
    } else if (strcmp(html, "-") == 0) {
        if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) == EOF) {
            fprintf(stderr, "dsq: error: cannot write the report: %s\n", strerror(errno));
            rc = DSQ_EXIT_SYSTEM;
        }
    } else if (dsq_write_file_atomic(html, b.data, b.len, 0666, &err) < 0) {
        rc = cmd_fail(&err);
    }
    dsq_buf_free(&b);
    return rc;
}

static int
print_once(const char *run_dir, int json, int lines, int tsv, int check, int watch, int history,
           const char *html, int first)
{
    struct dsq_error err = {0};
    struct dsq_report *r = dsq_report_load(run_dir, &err);
    int rc;

    if (!r)
        return cmd_fail(&err);
    if (history && dsq_report_load_history(r, &err) < 0) {
        dsq_report_destroy(r);
        return cmd_fail(&err);
    }
    if (html && !watch) {
        rc = write_html(r, html);
        goto done;
    }
    if (watch && isatty(STDOUT_FILENO) && !(first && r->over))
        fputs("\033[H\033[2J", stdout);
    if (json)
        rc = dsq_report_print_json(r, &cmd_report_words, lines, stdout);
    else if (tsv)
        rc = dsq_report_print_tsv(r, stdout);
    else if (watch && !r->over)
        rc = dsq_report_print_progress(r, dsq_time_real(), stdout);
    else
        rc = dsq_report_print_text(r, &cmd_report_words, stdout);
    if (rc < 0 || fflush(stdout) == EOF) {
        fprintf(stderr, "dsq: error: cannot write the report: %s\n", strerror(errno));
        dsq_report_destroy(r);
        return DSQ_EXIT_SYSTEM;
    }
    /* --watch --html: the page beside the progress, after it (the history
     * the page loads is not the summary's). */
    rc = html ? write_html(r, html) : DSQ_EXIT_OK;
done:
    if (rc == DSQ_EXIT_OK)
        rc = check && r->counts[DSQ_ST_OK] != r->nlines ? DSQ_EXIT_NOTOK : DSQ_EXIT_OK;
    if (r->over)
        rc |= 0x100; /* tell --watch to stop */
    dsq_report_destroy(r);
    return rc;
}

int
cmd_report_main(int argc, char **argv)
{
    struct dsq_conf conf;
    struct dsq_error err = {0};
    const char *status_dir = NULL, *run = NULL, *arg, *html = NULL;
    char *run_dir = NULL;
    int json = 0, lines = 0, tsv = 0, check = 0, watch = 0, history = 0;
    int i = 1, id, rc;

    while ((id = cmd_opt_next(report_opts, argc, argv, &i, &arg, "report")) != CMD_OPT_END) {
        switch (id) {
        case CMD_OPT_ERROR:
            return DSQ_EXIT_USAGE;
        case CMD_OPT_UNKNOWN:
            return cmd_usage_error("report", "unknown option '%s'", argv[i]);
        case CMD_OPT_POSITIONAL:
            if (run)
                return cmd_usage_error("report", "one RUN at most ('%s' and '%s')", run, arg);
            run = arg;
            break;
        case OPT_STATUS_DIR:
            status_dir = arg;
            break;
        case OPT_JSON:
            json = 1;
            break;
        case OPT_LINES:
            lines = 1;
            break;
        case OPT_TSV:
            tsv = 1;
            break;
        case OPT_CHECK:
            check = 1;
            break;
        case OPT_WATCH:
            watch = 1;
            break;
        case OPT_HISTORY:
            history = 1;
            break;
        case OPT_HTML:
            if (!arg[0])
                return cmd_usage_error("report", "--html needs a file name (- for stdout)");
            html = arg;
            break;
        case OPT_HELP:
            fputs(report_usage, stdout);
            return DSQ_EXIT_OK;
        }
    }
    if (json && tsv)
        return cmd_usage_error("report", "--json and --tsv are two formats; choose one");
    if (lines && !json)
        return cmd_usage_error("report", "--lines goes with --json (--tsv always has one row "
                                         "per line)");
    if (history && (tsv || (json && !lines)))
        return cmd_usage_error("report", "--history goes with the summary or --json --lines");
    if (html && (json || tsv))
        return cmd_usage_error("report", "--html is a format of its own; it does not go with "
                                         "--json or --tsv");
    if (html && watch && strcmp(html, "-") == 0)
        return cmd_usage_error("report", "--watch rewrites the --html file; give it a file, "
                                         "not -");
    if (watch && (json || tsv))
        return cmd_usage_error("report", "--watch redraws the summary; it does not go with "
                                         "--json or --tsv");

    if ((rc = cmd_load_conf(&conf)) != 0) {
        dsq_conf_free(&conf);
        return rc;
    }
    if (dsq_rundir_find(status_dir ? status_dir : conf.status_dir, run, &run_dir, &err) < 0) {
        rc = cmd_fail(&err);
        goto out;
    }
    for (int round = 0;; round++) {
        rc = print_once(run_dir, json, lines, tsv, check, watch, history, html, round == 0);
        if (!watch || rc & 0x100 || (rc & 0xff) >= DSQ_EXIT_USAGE)
            break;
        if (round == 0)
            dsq_warn_set(quiet_warning, NULL); /* said once is enough */
        sleep(WATCH_INTERVAL);
    }
    rc &= 0xff;
out:
    free(run_dir);
    dsq_conf_free(&conf);
    return rc;
}
