/* lib/sbatch.c: not written yet. */
#include "config.h"
