/* slurm: the scheduler seam (see slurm.h).  This build does not yet ask
 * libslurm anything: callers get "cannot ask" and fall back (MaxArraySize
 * 1001, states from records alone).  The libslurm queries come with the
 * cluster work, behind this same interface. */
#include "config.h"

#include <stdlib.h>

#include "slurm.h"

int
dsq_slurm_array_limits(size_t *max_array_size, size_t *max_tasks, struct dsq_error *err)
{
    (void)max_array_size;
    (void)max_tasks;
    return dsq_errprintf(err, DSQ_ERR_SYSTEM, "Slurm is not queried by this build of dsq");
}

int
dsq_slurm_job_tasks(const char *job_id, struct dsq_slurm_task **tasks, size_t *n,
                    struct dsq_error *err)
{
    (void)job_id;
    *tasks = NULL;
    *n = 0;
    return dsq_errprintf(err, DSQ_ERR_SYSTEM, "Slurm is not queried by this build of dsq");
}
