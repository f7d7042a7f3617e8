/* lib/autopsy.c: not written yet. */
#include "config.h"
