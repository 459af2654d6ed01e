/*
 * result: an OCF exit code with its reason, set where a failure is
 * understood and handed up unchanged to the one place that writes the exit
 * reason (ocf_finish()).
 */
#include "config.h"

#include "result.h"

#include <stdarg.h>

void result_set(struct result *res, int exit_status, const char *fmt, ...)
{
    va_list ap;

    if (res == NULL) {
        return;
    }
    g_free(res->reason);
    va_start(ap, fmt);
    res->reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    res->exit_status = exit_status;
}

void result_prefix(struct result *res, const char *fmt, ...)
{
    g_autofree char *context = NULL;
    va_list ap;

    if (res == NULL || res->exit_status == OCF_SUCCESS) {
        return;
    }
    va_start(ap, fmt);
    context = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (res->reason == NULL) {
        res->reason = g_steal_pointer(&context);
    } else {
        char *joined = g_strdup_printf("%s: %s", context, res->reason);

        g_free(res->reason);
        res->reason = joined;
    }
}

void result_clear(struct result *res)
{
    if (res == NULL) {
        return;
    }
    g_clear_pointer(&res->reason, g_free);
    res->exit_status = OCF_SUCCESS;
}

bool result_ok(const struct result *res)
{
    return res == NULL || res->exit_status == OCF_SUCCESS;
}
