/*
 * fuzz_ocf_env: the OCF environment as ocf_main() resolves it for an
 * action: OCF_RESKEY_CRM_meta_timeout/interval, OCF_CHECK_LEVEL,
 * OCF_RESOURCE_INSTANCE and the instance parameters with the checks of
 * lib/params.c (attribute names, the ack prefix, paths), integers with
 * bounds and booleans. Input: one byte choosing the action, then lines
 * "NAME=VALUE"; a NAME without the OCF_ prefix gets OCF_RESKEY_ (only OCF_
 * variables are set: HA_LOGFILE and the like would create files).
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "ocf.h"
#include "params.h"

/* Lines read per input. */
#define VARS_MAX 32

static int touch_params(struct ocf_ctx *ctx)
{
    FUZZ_CHECK(ctx->timeout_ms > 0);
    FUZZ_CHECK(ctx->interval_ms >= 0);
    FUZZ_CHECK(ctx->check_level >= 0);
    FUZZ_CHECK(ctx->instance != NULL && ctx->instance[0] != '\0');
    (void)ocf_param(ctx, "grace_active");
    (void)ocf_param(ctx, "grace_ack");
    (void)ocf_param(ctx, "state_dir");
    FUZZ_CHECK(ocf_param_int(ctx, "grace_delay") >= 0);
    FUZZ_CHECK(ocf_param_int(ctx, "grace_delay") <= 600);
    (void)ocf_param_bool(ctx, "release_on_stop");
    (void)ocf_params_valid(ctx);
    return OCF_SUCCESS;
}

static const struct ocf_param fuzz_params[] = {
    {.name = "grace_active",
     .type = OCF_TYPE_STRING,
     .default_value = "grace-active",
     .shortdesc = "an attribute name",
     .check = params_check_attr_name},
    {.name = "grace_ack",
     .type = OCF_TYPE_STRING,
     .default_value = "grace-ack",
     .shortdesc = "an attribute prefix",
     .check = params_check_ack_prefix},
    {.name = "state_dir",
     .type = OCF_TYPE_STRING,
     .default_value = "/var/lib/nfs/ganesha",
     .shortdesc = "a path",
     .check = params_check_path},
    {.name = "grace_delay",
     .type = OCF_TYPE_INTEGER,
     .default_value = "5",
     .shortdesc = "an integer with bounds",
     .min = 0,
     .max = 600},
    {.name = "release_on_stop",
     .type = OCF_TYPE_BOOLEAN,
     .default_value = "true",
     .shortdesc = "a boolean"},
    {.name = "required_one",
     .type = OCF_TYPE_STRING,
     .required = false,
     .shortdesc = "no default"},
    {.name = NULL},
};

static const struct ocf_action fuzz_actions[] = {
    {.name = "start", .handler = touch_params, .timeout_s = 20},
    {.name = "stop", .handler = touch_params, .timeout_s = 20},
    {.name = "monitor", .handler = touch_params, .timeout_s = 20},
    {.name = "notify", .handler = touch_params, .timeout_s = 20},
    {.name = "validate-all", .timeout_s = 20},
    {.name = NULL},
};

static const struct ocf_agent fuzz_agent = {
    .name = "fuzz_ocf_env",
    .version = "1.0.0",
    .shortdesc = "fuzzing harness",
    .longdesc = "fuzzing harness",
    .params = fuzz_params,
    .actions = fuzz_actions,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* ocf_main() sets up logging from these on every call */
    fuzz_log_init("fuzz_ocf_env");
    return 0;
}

/* Unset every OCF_ variable the last input set. */
static void clear_ocf_env(void)
{
    g_auto(GStrv) env = g_get_environ();

    for (char **e = env; *e != NULL; e++) {
        if (g_str_has_prefix(*e, "OCF_")) {
            g_autofree char *name = g_strndup(*e, strcspn(*e, "="));

            unsetenv(name);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const actions[] = {"start",  "stop",         "monitor",
                                          "notify", "validate-all", "bogus"};
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    char *argv[3] = {(char *)"fuzz_ocf_env", NULL, NULL};
    int rc;

    if (size < 1) {
        return 0;
    }
    argv[1] = (char *)actions[data[0] % G_N_ELEMENTS(actions)];
    text = g_strndup((const char *)data + 1, size - 1);
    lines = g_strsplit(text, "\n", VARS_MAX + 1);
    clear_ocf_env();
    for (guint i = 0; lines[i] != NULL && i < VARS_MAX; i++) {
        char *eq = strchr(lines[i], '=');
        g_autofree char *name = NULL;

        if (eq == NULL || eq == lines[i]) {
            continue;
        }
        *eq = '\0';
        name = g_str_has_prefix(lines[i], "OCF_")
                   ? g_strdup(lines[i])
                   : g_strconcat("OCF_RESKEY_", lines[i], NULL);
        setenv(name, eq + 1, 1);
    }
    rc = ocf_main(&fuzz_agent, 2, argv);
    FUZZ_CHECK(rc >= OCF_SUCCESS && rc <= OCF_NOT_RUNNING);
    return 0;
}
