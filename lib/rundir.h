/* rundir: the run directory, one per planned run, and the only module that
 * knows the names of the files in it:
 *   <status-dir>/<run-id>/manifest.json  what was planned (manifest.h)
 *   <status-dir>/<run-id>/jobfile        the copy the runner reads
 *   <status-dir>/<run-id>/<script>.sh    the batch script of each attempt
 *   <status-dir>/<run-id>/status/        the records (record.h), one file per
 *                                        attempt, array task and restart
 *   <status-dir>/<run-id>/attempts/N.lines  the lines rerun by attempt N
 *   <status-dir>/<run-id>/rerun.lock     held by the one rerun under way
 *   <status-dir>/<run-id>/tmp/           scripts for lines too long for exec
 *   <status-dir>/<run-id>/claims/aN/     --layout dynamic: attempt N's claims
 *                                        (claim.h)
 * It makes one, finds one from a RUN argument (path, Slurm job id, or
 * nothing), and builds every path inside one. */
#ifndef DSQ_RUNDIR_H
#define DSQ_RUNDIR_H

#include <stddef.h>

#include "error.h"
#include "record.h"

/* The fixed files and directories of a run directory. */
enum dsq_rundir_file {
    DSQ_RD_MANIFEST, /* manifest.json */
    DSQ_RD_JOBFILE,  /* jobfile: the job file as planned */
    DSQ_RD_STATUS,   /* status/: the status records */
    DSQ_RD_ATTEMPTS, /* attempts/: the line lists of reruns */
    DSQ_RD_TMP,      /* tmp/: scripts of lines too long for one exec argument */
    DSQ_RD_LOCK,     /* rerun.lock: flock()ed by the rerun under way */
    DSQ_RD_CLAIMS,   /* claims/: the claims of dynamic attempts (claim.h) */
    DSQ_RD_HALT,     /* halt/: the failure markers of --max-failures (halt.h) */
};

/* f's name inside the run directory ("manifest.json"), for messages.
 * Borrowed static string. */
const char *dsq_rundir_name(enum dsq_rundir_file f);

/* "<run_dir>/<f's name>".  Owned (free()), NULL when out of memory. */
char *dsq_rundir_path(const char *run_dir, enum dsq_rundir_file f);

/* "<run_dir>/<name>" for a name relative to the run directory, as the
 * manifest holds them (an attempt's script, a rerun's lines file).  Owned
 * (free()), NULL when out of memory. */
char *dsq_rundir_join(const char *run_dir, const char *name);

/* The name, relative to the run directory, of attempt N's lines file:
 * "attempts/<N>.lines".  Owned (free()), NULL when out of memory. */
char *dsq_rundir_lines_name(unsigned attempt);

/* The file name in the run directory of attempt N's batch script.  first
 * (borrowed) is the batch file's path for attempt 1, whose script takes its
 * base name; for a rerun it is attempt 1's script name (NULL: "dsq.sh"),
 * and the rerun's is "<name>.a<N>.sh" beside it.  Owned (free()), NULL when
 * out of memory. */
char *dsq_rundir_script_name(const char *first, unsigned attempt);

/* "<run_dir>/claims/a<attempt>": the directory holding attempt N's claims
 * (claim.h).  Owned (free()), NULL when out of memory. */
char *dsq_rundir_claims_dir(const char *run_dir, unsigned attempt);

/* "<run_dir>/status/a<attempt>.t<task>.r<restart>.jsonl": the status file
 * one array task writes (restart: SLURM_RESTART_COUNT).  Owned (free()),
 * NULL when out of memory. */
char *dsq_rundir_record_path(const char *run_dir, unsigned attempt, size_t task, unsigned restart);

/* "<run_dir>/tmp/line-<task>-<line>.sh": where a line too long for one exec
 * argument is written for the shell to read.  Owned (free()), NULL when out
 * of memory. */
char *dsq_rundir_line_script(const char *run_dir, size_t task, size_t line);

/* "<run_dir>/halt/<attempt>" and, with k > 0, "<run_dir>/halt/<attempt>/<k>":
 * an attempt's failure markers, marker k taken by its k-th failed line
 * (halt.h).  Owned (free()), NULL when out of memory. */
char *dsq_rundir_halt_path(const char *run_dir, unsigned attempt, unsigned long k);

/* Every record of every status file of run_dir (dsq_record_read_file() on
 * each, files in strcmp order, so in the same order everywhere).  No status
 * directory yet is no records, not an error.  fn returning -1 stops the
 * read (returned as -1). */
int dsq_rundir_read_records(const char *run_dir, dsq_record_fn fn, void *arg,
                            struct dsq_error *err);

/* The longest job name a run directory's name holds: a file name's 255
 * bytes less "-<YYYYmmdd-HHMMSS>-<n>" (n up to 9999). */
#define DSQ_RUNDIR_JOB_NAME_MAX 234

/* Whether name (a file name in a run directory, as a batch script's would
 * be) is one of the run directory's own fixed names above: 1 or 0. */
int dsq_rundir_reserved(const char *name);

/* A new run directory is chosen before it is made, so that what names it
 * (the batch script) can be rendered and checked first and nothing is made
 * until all of it is known to be good. */
struct dsq_rundir_new {
    char *run_dir; /* owned: absolute, <status_dir>/<name>-<YYYYmmdd-HHMMSS>-<n> */
    char *run_id;  /* owned: its base name */
    /* private */
    char *base;      /* the status directory, absolute */
    char *name;      /* the job name */
    char stamp[32];  /* the time in the name, fixed when chosen */
    unsigned n;      /* the number in the name */
    char *made_from; /* the outermost status directory that make created */
    int made;        /* the run directory exists */
};

/* Choose a new run directory under status_dir for a job named name (one
 * file name: attempt.h checks job names): the first <n> not taken.
 * Nothing is made.  The status directory need not exist, but it, or the
 * nearest of its parents that does, must be a directory this process may
 * write: else DSQ_ERR_INPUT naming it.  nr is the caller's; free what it
 * holds with dsq_rundir_new_free(), also on error. */
int dsq_rundir_choose(const char *status_dir, const char *name, struct dsq_rundir_new *nr,
                      struct dsq_error *err);

/* Make the chosen run directory: the status directory (with its parents)
 * and the run directory with status/ inside.  Should its name have been
 * taken since it was chosen, the next free <n>: nr->run_dir and nr->run_id
 * change.  On error nothing made stays; a status directory that cannot be
 * made or written is DSQ_ERR_INPUT. */
int dsq_rundir_make(struct dsq_rundir_new *nr, struct dsq_error *err);

/* Undo dsq_rundir_make(): remove the run directory and whatever status
 * directories it created (each only while empty: another run may have come
 * into one meanwhile).  Nothing when it was not made. */
void dsq_rundir_unmake(struct dsq_rundir_new *nr);

/* Free what nr holds (nothing on disk is touched); nr may be NULL. */
void dsq_rundir_new_free(struct dsq_rundir_new *nr);

/* Resolve RUN: an existing directory holding manifest.json; else a Slurm job
 * id (digits) matched against the job ids of every attempt of the manifests
 * under status_dir; else, when run is NULL, the most recently created run
 * under status_dir.  *run_dir owned (free()), absolute.
 * Not found is DSQ_ERR_INPUT saying what was looked at. */
int dsq_rundir_find(const char *status_dir, const char *run, char **run_dir, struct dsq_error *err);

#endif
