/* run: placeholder until implemented. */
#include "run.h"
