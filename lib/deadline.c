/* deadline: placeholder until implemented. */
#include "deadline.h"
