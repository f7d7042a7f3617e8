/* cmd/cmd-plan.c: not written yet. */
#include "config.h"
