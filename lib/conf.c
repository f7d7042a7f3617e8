/* lib/conf.c: not written yet. */
#include "config.h"
