/* statedir: placeholder until implemented. */
#include "statedir.h"
