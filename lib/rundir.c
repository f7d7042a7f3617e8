/* lib/rundir.c: not written yet. */
#include "config.h"
