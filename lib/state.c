/* state: placeholder until implemented. */
#include "state.h"
