/* conf: dsq's configuration, YAML in four layers (later wins): built-in
 * defaults < $sysconfdir/dsq/config.yaml < $XDG_CONFIG_HOME/dsq/config.yaml
 * (default ~/.config) < $DSQ_CONFIG < the command line (cmd/ applies that).
 * Format: dsq-config(5).  (Named conf, not config: config.h is autoconf's.) */
#ifndef DSQ_CONF_H
#define DSQ_CONF_H

#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "plan.h"

struct dsq_conf {
    char *status_dir;               /* owned; "status-dir", default "." */
    struct dsq_strv sbatch_options; /* "sbatch-options": default sbatch options
                                       (each a token, e.g. "--partition=day") */
    size_t max_array_tasks;         /* "max-array-tasks", default 1000 */
    enum dsq_layout layout;         /* "layout", default stripe */
    char *shell;                    /* owned; "shell", default "/bin/sh" */
    unsigned signal_lead;           /* "signal-lead" seconds, default 60 */
    char *batch_template;           /* owned or NULL; "batch-template": path */
    double kill_grace;              /* "kill-grace" seconds, default 10 */
    unsigned retries;               /* "retries", default 0 */
    char *retry_on;                 /* owned or NULL (any failure): "retry-on",
                                       canonical (retry.h) */
    unsigned long max_failures;     /* "max-failures", default 0: never halt */
    double task_time;               /* "task-time" seconds an array task is
                                       packed to last from measured
                                       durations, default 600 */
    struct dsq_strv files;          /* the files read (dsq_conf_load_file), in
                                       order, as named: none are to be
                                       written over */
};

/* Built-in defaults into the caller's c, which owns its strings.  Free with
 * dsq_conf_free(), which may be called more than once (and on NULL). */
int dsq_conf_init(struct dsq_conf *c, struct dsq_error *err);
void dsq_conf_free(struct dsq_conf *c);

/* Apply one YAML file over c.  A missing file is not an error when
 * optional; anything malformed is DSQ_ERR_INPUT naming file, line and key. */
int dsq_conf_load_file(struct dsq_conf *c, const char *path, int optional, struct dsq_error *err);

/* The system layer: DSQ_SYSCONFDIR comes from the Makefile ($sysconfdir). */
#define DSQ_CONF_SYSTEM_PATH DSQ_SYSCONFDIR "/dsq/config.yaml"

/* Apply the system, user and $DSQ_CONFIG layers, in order.  The user layer
 * is $XDG_CONFIG_HOME/dsq/config.yaml (a relative or empty XDG_CONFIG_HOME
 * means $HOME/.config); $DSQ_CONFIG, when set and not empty, must exist.
 * On error c is freed (dsq_conf_free(); freeing it again is harmless). */
int dsq_conf_load(struct dsq_conf *c, struct dsq_error *err);

/* As dsq_conf_load() with another system file (NULL: none), for tests. */
int dsq_conf_load_layers(struct dsq_conf *c, const char *system_path, struct dsq_error *err);

/* Parse YAML from memory (for tests and the fuzzer); name for messages and,
 * when it holds a '/', the directory a relative batch-template is read from.
 * data and name are borrowed for the call.
 * Every layer is all or nothing: on error c is unchanged.  Out of memory is
 * DSQ_ERR_SYSTEM. */
int dsq_conf_load_buffer(struct dsq_conf *c, const char *data, size_t len, const char *name,
                         struct dsq_error *err);

#endif
