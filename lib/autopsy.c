/* autopsy: the lines to run again, as a new job file (see autopsy.h).  From
 * report's merged view of a dsq run, or from dSQ's job_<id>_status.tsv read
 * against its job file with dSQ's own numbering (0-based physical lines), so
 * a dSQ user can switch to dsq in the middle of a project. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "autopsy.h"
#include "buf.h"
#include "fs.h"
#include "parse.h"

/* --- states ------------------------------------------------------------ */

static void
append_state_names(struct dsq_buf *b)
{
    for (int st = 0; st < DSQ_ST__COUNT; st++)
        dsq_buf_printf(b, "%s%s", st ? ", " : "", dsq_state_name((enum dsq_state)st));
}

int
dsq_autopsy_parse_states(const char *s, unsigned *mask, struct dsq_error *err)
{
    unsigned m = 0;
    const char *p = s;

    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char name[64];
        enum dsq_state st;

        if (n == 0)
            return dsq_errprintf(err, DSQ_ERR_INPUT, "empty state name in '%s'", s);
        if (n >= sizeof name)
            n = sizeof name - 1; /* too long to be a state: reported as unknown */
        memcpy(name, p, n);
        name[n] = '\0';
        if (!strcmp(name, "all")) {
            m |= (1u << DSQ_ST__COUNT) - 1;
        } else if (dsq_state_parse(name, &st) == 0) {
            m |= 1u << st;
        } else {
            struct dsq_buf b = {0};
            append_state_names(&b);
            dsq_errprintf(err, DSQ_ERR_INPUT, "unknown state '%s' (states: %s, or all)", name,
                          b.data ? b.data : "");
            dsq_buf_free(&b);
            return -1;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    *mask = m;
    return 0;
}

/* --- output ------------------------------------------------------------ */

int
dsq_autopsy_write(const struct dsq_report *r, unsigned mask, FILE *out, size_t *count)
{
    size_t n = 0;

    for (size_t i = 0; i < r->nlines; i++) {
        if (!(mask & (1u << r->lines[i].state)))
            continue;
        /* The job file's own bytes, never repaired: the new job file must run
         * exactly what the old one did. */
        if (fwrite(dsq_jobfile_cmd(r->jf, i), 1, r->jf->cmds[i].len, out) != r->jf->cmds[i].len ||
            putc('\n', out) == EOF)
            return -1;
        n++;
    }
    if (count)
        *count = n;
    return fflush(out) == EOF ? -1 : 0;
}

int
dsq_autopsy_select(const struct dsq_report *r, unsigned mask, size_t **lines, size_t *n)
{
    size_t k = 0, *v = NULL;

    *lines = NULL;
    *n = 0;
    for (size_t i = 0; i < r->nlines; i++)
        k += (mask & (1u << r->lines[i].state)) != 0;
    if (k == 0)
        return 0;
    v = malloc(k * sizeof *v);
    if (!v)
        return -1;
    k = 0;
    for (size_t i = 0; i < r->nlines; i++)
        if (mask & (1u << r->lines[i].state))
            v[k++] = r->lines[i].line;
    *lines = v;
    *n = k;
    return 0;
}

char *
dsq_autopsy_summary(const size_t counts[DSQ_ST__COUNT])
{
    static const enum dsq_state others[] = {DSQ_ST_SIGNALED, DSQ_ST_INTERRUPTED, DSQ_ST_LOST,
                                            DSQ_ST_PENDING, DSQ_ST_RUNNING};
    struct dsq_buf b = {0};

    if (dsq_buf_printf(&b, "%zu succeeded, %zu failed, %zu didn't run", counts[DSQ_ST_OK],
                       counts[DSQ_ST_FAILED], counts[DSQ_ST_NOT_RUN]) < 0)
        goto fail;
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        if (counts[others[i]] &&
            dsq_buf_printf(&b, ", %zu %s", counts[others[i]], dsq_state_name(others[i])) < 0)
            goto fail;
    }
    return b.data;
fail:
    dsq_buf_free(&b);
    return NULL;
}

/* --- dSQ import -------------------------------------------------------- */

/* One physical line of dSQ's job file.  row_exit is meaningful when
 * have_row. */
struct dsq_pline {
    size_t off, len; /* bytes without "\n" and without a final "\r" */
    int is_cmd;      /* dSQ would have given it an array index */
    int have_row;
    long row_exit;
};

static int
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
           (c >= 0x1c && c <= 0x1f);
}

/* dSQ's rule (dSQ.py): a line is skipped when its first character is '#' or
 * it is blank after Python's strip().  Not dsq's rule: "  # x" is a command
 * to dSQ and keeps its index. */
static int
dsq_is_command(const char *s, size_t n)
{
    if (n > 0 && s[0] == '#')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_space((unsigned char)s[i]))
            return 1;
    return 0;
}

/* s[0..n) stripped of leading and trailing white space, as Python's strip(). */
static void
strip(const char **s, size_t *n)
{
    while (*n > 0 && is_space((unsigned char)(*s)[0]))
        (*s)++, (*n)--;
    while (*n > 0 && is_space((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* Split data into physical lines (a last line without "\n" counts). */
static int
split_jobfile(const char *data, size_t len, struct dsq_pline **lines, size_t *n)
{
    struct dsq_pline *v = NULL;
    size_t cap = 0, count = 0, pos = 0;

    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - (data + pos)) : len - pos;

        {
            struct dsq_pline *nv = dsq_grow(v, &cap, count + 1, sizeof *nv, 256);
            if (!nv) {
                free(v);
                return -1;
            }
            v = nv;
        }
        v[count].off = pos;
        v[count].len = l > 0 && data[pos + l - 1] == '\r' ? l - 1 : l;
        v[count].is_cmd = dsq_is_command(data + pos, l);
        v[count].have_row = 0;
        v[count].row_exit = 0;
        count++;
        pos += l + (nl ? 1 : 0);
    }
    *lines = v;
    *n = count;
    return 0;
}

/* A signed decimal integer, the whole of s[0..n). */
static int
parse_long(const char *s, size_t n, long *out)
{
    char buf[32];
    char *end;
    long v;

    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!((buf[0] >= '0' && buf[0] <= '9') || (buf[0] == '-' && buf[1] >= '0' && buf[1] <= '9')))
        return -1;
    errno = 0;
    v = strtol(buf, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* The dSQ status file being read against its job file. */
struct tsvread {
    const char *jobfile, *tsv;
    const char *jdata;
    struct dsq_pline *lines;
    size_t nlines;
    size_t mismatches, first_mismatch;
};

/* Row rowno of the status file, row[0..n) without its newline: its index
 * and exit status onto that line; malformed rows and rows naming no
 * command line are warned about and skipped. */
static void
take_row(struct tsvread *t, size_t rowno, const char *row, size_t n)
{
    const char *tab[6];
    const char *p = row, *cmd, *j;
    size_t ntabs = 0, cmdlen, jl;
    unsigned long idx;
    long ex;
    char ibuf[32];

    while (ntabs < 6) {
        const char *c = memchr(p, '\t', (size_t)(row + n - p));
        if (!c)
            break;
        tab[ntabs++] = c;
        p = c + 1;
    }
    if (ntabs < 6) {
        dsq_warn("%s:%zu: malformed row (%zu fields, dSQ writes 7: index, exit, host, "
                 "start, end, elapsed, command); skipped",
                 t->tsv, rowno, ntabs + 1);
        return;
    }
    if ((size_t)(tab[0] - row) >= sizeof ibuf) {
        dsq_warn("%s:%zu: malformed row (index is not a number); skipped", t->tsv, rowno);
        return;
    }
    memcpy(ibuf, row, (size_t)(tab[0] - row));
    ibuf[tab[0] - row] = '\0';
    if (dsq_parse_ulong(ibuf, 0, ULONG_MAX, &idx) < 0) {
        dsq_warn("%s:%zu: malformed row (index '%s' is not a number); skipped", t->tsv, rowno,
                 ibuf);
        return;
    }
    if (parse_long(tab[0] + 1, (size_t)(tab[1] - tab[0] - 1), &ex) < 0) {
        dsq_warn("%s:%zu: malformed row (exit status '%.*s' is not a number); skipped", t->tsv,
                 rowno, (int)(tab[1] - tab[0] - 1 > 20 ? 20 : tab[1] - tab[0] - 1), tab[0] + 1);
        return;
    }
    if (idx >= t->nlines) {
        dsq_warn("%s:%zu: index %lu is not a line of %s (dSQ indexes are 0-based physical "
                 "lines: 0 to %zu here); ignored",
                 t->tsv, rowno, idx, t->jobfile, t->nlines ? t->nlines - 1 : 0);
        return;
    }
    if (!t->lines[idx].is_cmd) {
        dsq_warn("%s:%zu: index %lu is a comment or blank line of %s (line %lu); ignored", t->tsv,
                 rowno, idx, t->jobfile, idx + 1);
        return;
    }
    t->lines[idx].have_row = 1;
    t->lines[idx].row_exit = ex;

    /* dSQ records the stripped line; a different command means the status
     * file belongs to another job file (or it was edited). */
    cmd = tab[5] + 1;
    cmdlen = (size_t)(row + n - cmd);
    j = t->jdata + t->lines[idx].off;
    jl = t->lines[idx].len;
    strip(&j, &jl);
    strip(&cmd, &cmdlen);
    if ((jl != cmdlen || memcmp(j, cmd, jl)) && !t->mismatches++)
        t->first_mismatch = rowno;
}

/* Each command line's state from its last row; those not ok to out. */
static int
put_lines(const struct tsvread *t, FILE *out, size_t counts[DSQ_ST__COUNT], struct dsq_error *err)
{
    for (size_t i = 0; i < t->nlines; i++) {
        const struct dsq_pline *l = &t->lines[i];
        enum dsq_state st;

        if (!l->is_cmd)
            continue;
        if (!l->have_row)
            st = DSQ_ST_NOT_RUN;
        else if (l->row_exit == 0)
            st = DSQ_ST_OK;
        else if (l->row_exit < 0)
            st = DSQ_ST_SIGNALED; /* dSQ writes -N for a line killed by signal N */
        else
            st = DSQ_ST_FAILED;
        counts[st]++;
        if (st == DSQ_ST_OK)
            continue;
        if (fwrite(t->jdata + l->off, 1, l->len, out) != l->len || putc('\n', out) == EOF)
            return dsq_errno(err, DSQ_ERR_SYSTEM, errno, "cannot write the lines to run again");
    }
    if (fflush(out) == EOF)
        return dsq_errno(err, DSQ_ERR_SYSTEM, errno, "cannot write the lines to run again");
    return 0;
}

int
dsq_autopsy_dsq_tsv(const char *jobfile, const char *tsv, FILE *out, size_t counts[DSQ_ST__COUNT],
                    struct dsq_error *err)
{
    struct tsvread t = {.jobfile = jobfile, .tsv = tsv};
    char *jdata = NULL, *tdata = NULL;
    size_t jlen, tlen, pos = 0, rowno = 0;
    int rc = -1;

    for (int st = 0; st < DSQ_ST__COUNT; st++)
        counts[st] = 0;
    if (dsq_read_file(jobfile, &jdata, &jlen, err) < 0 ||
        dsq_read_file(tsv, &tdata, &tlen, err) < 0)
        goto out;
    if (split_jobfile(jdata, jlen, &t.lines, &t.nlines) < 0) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", jobfile);
        goto out;
    }
    t.jdata = jdata;
    /* Rows are in completion order; a requeued index appears again and its
     * last row is the one that counts. */
    while (pos < tlen) {
        const char *row = tdata + pos;
        const char *nl = memchr(row, '\n', tlen - pos);
        size_t n = nl ? (size_t)(nl - row) : tlen - pos;

        pos += n + (nl ? 1 : 0);
        rowno++;
        if (n > 0 && row[n - 1] == '\r')
            n--;
        if (n > 0)
            take_row(&t, rowno, row, n);
    }
    if (t.mismatches)
        dsq_warn("%s:%zu: the command of %zu row%s differs from %s (first at this row); is "
                 "this the job file of that run?",
                 tsv, t.first_mismatch, t.mismatches, t.mismatches == 1 ? "" : "s", jobfile);
    rc = put_lines(&t, out, counts, err);
out:
    free(t.lines);
    free(jdata);
    free(tdata);
    return rc;
}
