/* grace: placeholder until implemented. */
#include "grace.h"
