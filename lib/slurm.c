/* lib/slurm.c: not written yet. */
#include "config.h"
