/*
 * ocf: the OCF runtime every agent's main() hands over to: action dispatch,
 * the OCF_* environment, the parameter table (defaults, validation,
 * meta-data), exit codes at the edge and the one exit-reason line.
 */
#include "config.h"

#include "ocf.h"

#include "deadline.h"
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_REASON_PREFIX_DEFAULT "ocf-exit-reason:"
/* Longest exit reason written; Pacemaker shows it in one status line. */
#define EXIT_REASON_MAX 512
/*
 * Longest part of an untrusted value quoted back in a message: short, so the
 * parameter and its value lead even a truncated status line.
 */
#define QUOTE_MAX 40
#define TIMEOUT_DEFAULT_MS 20000
/* Longer than any sane operation timeout (one day); beyond is garbage. */
#define TIMEOUT_MAX_MS (24LL * 3600 * 1000)
/* Time kept back from the operation timeout to report a failure. */
#define MARGIN_MIN_MS 1000
#define MARGIN_MAX_MS 5000

/* Built-in actions, handled here whatever the table says. */
#define ACTION_META_DATA "meta-data"
#define ACTION_VALIDATE_ALL "validate-all"

/*
 * An untrusted value made printable for a message: at most QUOTE_MAX bytes,
 * C-escaped (control, non-ASCII and quote characters), in double quotes.
 */
static char *quote_value(const char *value)
{
    g_autofree char *cut = NULL;
    g_autofree char *escaped = NULL;
    size_t len;

    if (value == NULL) {
        return g_strdup("(unset)");
    }
    len = strnlen(value, QUOTE_MAX + 1);
    cut = g_strndup(value, len > QUOTE_MAX ? QUOTE_MAX : len);
    escaped = g_strescape(cut, NULL);
    return g_strdup_printf("\"%s\"%s", escaped, len > QUOTE_MAX ? "..." : "");
}

bool ocf_is_true(const char *value)
{
    return value != NULL &&
           (g_ascii_strcasecmp(value, "yes") == 0 ||
            g_ascii_strcasecmp(value, "true") == 0 || strcmp(value, "1") == 0 ||
            g_ascii_strcasecmp(value, "on") == 0);
}

static bool is_false(const char *value)
{
    return g_ascii_strcasecmp(value, "no") == 0 ||
           g_ascii_strcasecmp(value, "false") == 0 || strcmp(value, "0") == 0 ||
           g_ascii_strcasecmp(value, "off") == 0;
}

/* Strict base-10 int64: no blanks, no trailing text, no overflow. */
static int parse_int64(const char *value, int64_t *ret_n)
{
    gint64 n;

    if (value == NULL || !g_ascii_string_to_signed(value, 10, G_MININT64,
                                                   G_MAXINT64, &n, NULL)) {
        return -EINVAL;
    }
    *ret_n = n;
    return 0;
}

int ocf_param_check(const struct ocf_param *param, const char *value,
                    char **ret_reason)
{
    g_autofree char *quoted = NULL;
    g_autofree char *why = NULL;
    int64_t n;

    if (value == NULL) {
        if (param->required) {
            *ret_reason = g_strdup_printf("required parameter %s is not set",
                                          param->name);
            return -EINVAL;
        }
        return 0;
    }
    quoted = quote_value(value);
    switch (param->type) {
    case OCF_TYPE_INTEGER:
        if (parse_int64(value, &n) < 0) {
            *ret_reason = g_strdup_printf("parameter %s=%s is not an integer",
                                          param->name, quoted);
            return -EINVAL;
        }
        if (param->min < param->max && (n < param->min || n > param->max)) {
            *ret_reason = g_strdup_printf(
                "parameter %s=%s is out of range [%" G_GINT64_FORMAT
                ", %" G_GINT64_FORMAT "]",
                param->name, quoted, param->min, param->max);
            return -EINVAL;
        }
        break;
    case OCF_TYPE_BOOLEAN:
        if (!ocf_is_true(value) && !is_false(value)) {
            *ret_reason = g_strdup_printf(
                "parameter %s=%s is not a boolean (yes/no, true/false, 1/0, "
                "on/off)",
                param->name, quoted);
            return -EINVAL;
        }
        break;
    case OCF_TYPE_STRING:
        break;
    }
    if (param->check != NULL && param->check(value, &why) < 0) {
        *ret_reason =
            g_strdup_printf("parameter %s=%s is invalid: %s", param->name,
                            quoted, why != NULL ? why : "rejected");
        return -EINVAL;
    }
    return 0;
}

int ocf_rc_from_errno(int rc)
{
    switch (rc) {
    case 0:
        return OCF_SUCCESS;
    case -ENOENT:
    case -ENOEXEC:
        return OCF_ERR_INSTALLED;
    case -EACCES:
    case -EPERM:
        return OCF_ERR_PERM;
    default:
        /* -EINVAL too: only parameter validation may answer 6 */
        return OCF_ERR_GENERIC;
    }
}

static bool table_has_identity(const struct ocf_agent *agent)
{
    for (const struct ocf_param *p = agent->params; p && p->name; p++) {
        if (p->identity) {
            return true;
        }
    }
    return false;
}

bool ocf_params_valid(const struct ocf_ctx *ctx)
{
    bool only_identity = table_has_identity(ctx->agent);

    for (const struct ocf_param *p = ctx->agent->params; p && p->name; p++) {
        g_autofree char *var = g_strconcat("OCF_RESKEY_", p->name, NULL);
        g_autofree char *why = NULL;
        const char *value = getenv(var);

        if (only_identity && !p->identity) {
            continue;
        }
        if (value != NULL && value[0] != '\0' &&
            ocf_param_check(p, value, &why) < 0) {
            log_warn("%s", why);
            return false;
        }
    }
    return true;
}

void ocf_param_override(struct ocf_ctx *ctx, const char *name,
                        const char *value)
{
    for (const struct ocf_param *p = ctx->agent->params; p && p->name; p++) {
        if (strcmp(p->name, name) == 0) {
            /* the table's name: the key outlives this call */
            g_hash_table_replace(ctx->params, (gpointer)p->name,
                                 g_strdup(value));
            return;
        }
    }
    log_err("no parameter %s to override", name);
}

int ocf_finish(struct result *res)
{
    int rc;

    if (res == NULL) {
        return OCF_SUCCESS;
    }
    rc = res->exit_status;
    if (rc != OCF_SUCCESS && rc != OCF_NOT_RUNNING) {
        ocf_exit_reason("%s",
                        res->reason != NULL ? res->reason : "unknown failure");
    } else if (res->reason != NULL) {
        log_info("%s", res->reason);
    }
    result_clear(res);
    return rc;
}

int ocf_report(int r, const char *reason)
{
    struct result res = RESULT_INIT;

    if (r >= 0) {
        return OCF_SUCCESS;
    }
    result_set(&res, ocf_rc_from_errno(r), "%s",
               reason != NULL ? reason : g_strerror(-r));
    return ocf_finish(&res);
}

void ocf_exit_reason(const char *fmt, ...)
{
    g_autofree char *text = NULL;
    g_autofree char *valid = NULL;
    g_autofree char *line = NULL;
    const char *prefix = getenv("OCF_EXIT_REASON_PREFIX");
    va_list ap;
    size_t len;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    /* one line of valid UTF-8 (it ends up in the CIB's XML) */
    valid = g_utf8_make_valid(text, -1);
    for (char *p = valid; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = ' ';
        }
    }
    len = strlen(valid);
    if (len > EXIT_REASON_MAX) {
        /* cut on a character boundary */
        const char *end = g_utf8_find_prev_char(valid, valid + EXIT_REASON_MAX);

        valid[end != NULL ? (size_t)(end - valid) : EXIT_REASON_MAX] = '\0';
    }
    if (prefix == NULL || *prefix == '\0' || strchr(prefix, '\n') != NULL) {
        prefix = EXIT_REASON_PREFIX_DEFAULT;
    }

    log_msg(LOG_ERR, LOG_TAG_NO_STDERR, "%s", valid);
    line = g_strdup_printf("%s%s\n", prefix, valid);
    fflush(stderr);
    len = strlen(line);
    for (const char *p = line; len > 0;) {
        ssize_t n = write(STDERR_FILENO, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        p += n;
        len -= (size_t)n;
    }
}

const char *ocf_param(const struct ocf_ctx *ctx, const char *name)
{
    if (ctx == NULL || ctx->params == NULL || name == NULL) {
        return NULL;
    }
    return g_hash_table_lookup(ctx->params, name);
}

int64_t ocf_param_int(const struct ocf_ctx *ctx, const char *name)
{
    const char *value = ocf_param(ctx, name);
    int64_t n = 0;

    if (value != NULL && parse_int64(value, &n) < 0) {
        /* the table validated it: only a table without the type gets here */
        log_err("parameter %s is not an integer, using 0", name);
        return 0;
    }
    return n;
}

bool ocf_param_bool(const struct ocf_ctx *ctx, const char *name)
{
    return ocf_is_true(ocf_param(ctx, name));
}

/* ---- meta-data ---------------------------------------------------------- */

static const char *type_name(enum ocf_param_type type)
{
    switch (type) {
    case OCF_TYPE_INTEGER:
        return "integer";
    case OCF_TYPE_BOOLEAN:
        return "boolean";
    case OCF_TYPE_STRING:
    default:
        return "string";
    }
}

static void append_escaped(GString *s, const char *text)
{
    g_autofree char *esc = g_markup_escape_text(text != NULL ? text : "", -1);

    g_string_append(s, esc);
}

static void append_desc(GString *s, const char *indent, const char *longdesc,
                        const char *shortdesc)
{
    g_string_append_printf(s, "%s<longdesc lang=\"en\">\n", indent);
    append_escaped(s, longdesc != NULL ? longdesc : shortdesc);
    g_string_append_printf(s, "\n%s</longdesc>\n", indent);
    g_string_append_printf(s, "%s<shortdesc lang=\"en\">", indent);
    append_escaped(s, shortdesc);
    g_string_append(s, "</shortdesc>\n");
}

static bool table_has_action(const struct ocf_agent *agent, const char *name)
{
    for (const struct ocf_action *a = agent->actions; a && a->name; a++) {
        if (strcmp(a->name, name) == 0) {
            return true;
        }
    }
    return false;
}

static void append_action(GString *s, const char *name, unsigned timeout_s,
                          unsigned interval_s, int depth)
{
    g_string_append(s, "    <action name=\"");
    append_escaped(s, name);
    g_string_append_printf(s, "\" timeout=\"%us\"", timeout_s);
    if (interval_s > 0) {
        g_string_append_printf(s, " interval=\"%us\"", interval_s);
    }
    if (depth >= 0) {
        g_string_append_printf(s, " depth=\"%d\"", depth);
    }
    g_string_append(s, "/>\n");
}

/* Whether the agent uses what ra-api-1.dtd (resource-agents 4.x) lacks. */
static bool uses_ocf_1_1_reload(const struct ocf_agent *agent)
{
    for (const struct ocf_param *p = agent->params; p && p->name; p++) {
        if (p->reloadable) {
            return true;
        }
    }
    return table_has_action(agent, "reload-agent");
}

char *ocf_metadata(const struct ocf_agent *agent)
{
    GString *s = g_string_new(NULL);

    g_string_append(s, "<?xml version=\"1.0\"?>\n"
                       "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\"");
    if (uses_ocf_1_1_reload(agent)) {
        /*
         * ra-api-1.dtd, which ocf-tester validates against, predates OCF
         * 1.1's reloadable and reload-agent. The internal subset is read
         * first, so these declarations extend it (and the first declaration
         * of action's name wins); the OCF 1.1 schema allows both anyway.
         */
        g_string_append(s, " [\n"
                           "<!ATTLIST parameter reloadable (1|0) \"0\">\n"
                           "<!ATTLIST action name CDATA #REQUIRED>\n"
                           "]");
    }
    g_string_append(s, ">\n<resource-agent name=\"");
    append_escaped(s, agent->name);
    g_string_append(s, "\" version=\"");
    append_escaped(s, agent->version != NULL ? agent->version : "0");
    g_string_append(s, "\">\n  <version>1.1</version>\n");
    append_desc(s, "  ", agent->longdesc, agent->shortdesc);

    g_string_append(s, "  <parameters>\n");
    for (const struct ocf_param *p = agent->params; p && p->name; p++) {
        g_string_append(s, "    <parameter name=\"");
        append_escaped(s, p->name);
        g_string_append_printf(s, "\" unique=\"%d\" required=\"%d\"",
                               p->unique ? 1 : 0, p->required ? 1 : 0);
        if (p->reloadable) {
            g_string_append(s, " reloadable=\"1\"");
        }
        g_string_append(s, ">\n");
        append_desc(s, "      ", p->longdesc, p->shortdesc);
        g_string_append_printf(s, "      <content type=\"%s\"",
                               type_name(p->type));
        if (p->default_value != NULL) {
            g_string_append(s, " default=\"");
            append_escaped(s, p->default_value);
            g_string_append_c(s, '"');
        }
        g_string_append(s, "/>\n    </parameter>\n");
    }
    g_string_append(s, "  </parameters>\n  <actions>\n");
    for (const struct ocf_action *a = agent->actions; a && a->name; a++) {
        if (!a->hidden) {
            append_action(s, a->name, a->timeout_s, a->interval_s, a->depth);
        }
    }
    if (!table_has_action(agent, ACTION_META_DATA)) {
        append_action(s, ACTION_META_DATA, 5, 0, -1);
    }
    if (!table_has_action(agent, ACTION_VALIDATE_ALL)) {
        append_action(s, ACTION_VALIDATE_ALL, 20, 0, -1);
    }
    g_string_append(s, "  </actions>\n</resource-agent>\n");
    return g_string_free(s, FALSE);
}

/* ---- dispatch ----------------------------------------------------------- */

static void print_usage(const struct ocf_agent *agent, FILE *out)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();

    for (const struct ocf_action *a = agent->actions; a && a->name; a++) {
        bool seen = a->hidden;

        for (guint i = 0; i < names->len; i++) {
            seen = seen || strcmp(names->pdata[i], a->name) == 0;
        }
        if (!seen) {
            g_ptr_array_add(names, (gpointer)a->name);
        }
    }
    if (!table_has_action(agent, ACTION_META_DATA)) {
        g_ptr_array_add(names, (gpointer)ACTION_META_DATA);
    }
    if (!table_has_action(agent, ACTION_VALIDATE_ALL)) {
        g_ptr_array_add(names, (gpointer)ACTION_VALIDATE_ALL);
    }
    g_ptr_array_add(names, (gpointer) "usage");
    g_ptr_array_add(names, NULL);
    {
        g_autofree char *list = g_strjoinv("|", (char **)names->pdata);

        fprintf(out, "usage: %s {%s}\n\n%s\n", agent->name, list,
                agent->shortdesc != NULL ? agent->shortdesc : "");
    }
    fflush(out);
}

/* Non-negative integer from the environment; garbage gives the default. */
static int64_t env_int(const char *name, int64_t dflt, int64_t max)
{
    const char *value = getenv(name);
    int64_t n;

    if (value == NULL || *value == '\0') {
        return dflt;
    }
    if (parse_int64(value, &n) < 0 || n < 0 || n > max) {
        g_autofree char *quoted = quote_value(value);

        log_warn("%s=%s is not a usable number, using %" G_GINT64_FORMAT, name,
                 quoted, dflt);
        return dflt;
    }
    return n;
}

static void resolve_env(struct ocf_ctx *ctx)
{
    const char *level_var = "OCF_CHECK_LEVEL";
    int64_t margin;

    ctx->timeout_ms = env_int("OCF_RESKEY_CRM_meta_timeout", TIMEOUT_DEFAULT_MS,
                              TIMEOUT_MAX_MS);
    if (ctx->timeout_ms == 0) {
        ctx->timeout_ms = TIMEOUT_DEFAULT_MS;
    }
    ctx->interval_ms =
        env_int("OCF_RESKEY_CRM_meta_interval", 0, TIMEOUT_MAX_MS * 365);
    ctx->probe = strcmp(ctx->action, "monitor") == 0 && ctx->interval_ms == 0;

    if (getenv(level_var) == NULL || *getenv(level_var) == '\0') {
        level_var = "OCF_RESKEY_OCF_CHECK_LEVEL";
    }
    ctx->check_level = (int)env_int(level_var, 0, 1000);

    margin = CLAMP(ctx->timeout_ms / 10, MARGIN_MIN_MS, MARGIN_MAX_MS);
    ctx->deadline = deadline_from_timeout(ctx->timeout_ms, margin);
}

/*
 * Fill ctx->params from OCF_RESKEY_* and the defaults, checking each value.
 * An empty value counts as unset. With \p lenient (stop) a bad value is
 * replaced by its default and only logged; otherwise the first bad value
 * is the exit reason and the result OCF_ERR_CONFIGURED.
 */
static int resolve_params(struct ocf_ctx *ctx, bool lenient)
{
    for (const struct ocf_param *p = ctx->agent->params; p && p->name; p++) {
        g_autofree char *var = g_strconcat("OCF_RESKEY_", p->name, NULL);
        g_autofree char *reason = NULL;
        const char *value = getenv(var);

        if (value == NULL || *value == '\0') {
            value = p->default_value;
        }
        if (ocf_param_check(p, value, &reason) < 0) {
            if (!lenient) {
                ocf_exit_reason("%s", reason);
                return OCF_ERR_CONFIGURED;
            }
            log_warn("%s; using the default for %s", reason, ctx->action);
            value = p->default_value;
        }
        if (value != NULL) {
            g_hash_table_replace(ctx->params, (gpointer)p->name,
                                 g_strdup(value));
        }
    }
    return OCF_SUCCESS;
}

static const struct ocf_action *find_action(const struct ocf_agent *agent,
                                            const char *name)
{
    for (const struct ocf_action *a = agent->actions; a && a->name; a++) {
        if (a->handler != NULL && strcmp(a->name, name) == 0) {
            return a;
        }
    }
    return NULL;
}

static int unknown_action(const struct ocf_agent *agent, const char *action)
{
    g_autofree char *quoted = NULL;

    print_usage(agent, stderr);
    if (action == NULL) {
        ocf_exit_reason("no action given");
    } else {
        quoted = quote_value(action);
        ocf_exit_reason("action %s is not implemented", quoted);
    }
    return OCF_ERR_UNIMPLEMENTED;
}

/* Everything after logging is set up; ctx->action is known and not NULL. */
static int dispatch(struct ocf_ctx *ctx)
{
    const struct ocf_agent *agent = ctx->agent;
    const struct ocf_action *action = NULL;
    bool is_validate = strcmp(ctx->action, ACTION_VALIDATE_ALL) == 0;
    bool is_stop = strcmp(ctx->action, "stop") == 0;
    int rc;

    if (!is_validate) {
        action = find_action(agent, ctx->action);
        if (action == NULL) {
            return unknown_action(agent, ctx->action);
        }
    }
    resolve_env(ctx);
    rc = resolve_params(ctx, is_stop);
    if (rc != OCF_SUCCESS) {
        return rc;
    }
    if (agent->validate != NULL && !is_stop) {
        /* validate-all at level 0 must be answerable on any node */
        rc = agent->validate(ctx, !is_validate || ctx->check_level > 0);
        if (rc != OCF_SUCCESS || is_validate) {
            return rc;
        }
    }
    if (is_validate) {
        return OCF_SUCCESS;
    }
    return action->handler(ctx);
}

int ocf_main(const struct ocf_agent *agent, int argc, char **argv)
{
    struct ocf_ctx ctx = {
        .agent = agent,
        .action = argc > 1 ? argv[1] : NULL,
        .timeout_ms = TIMEOUT_DEFAULT_MS,
        .deadline = DEADLINE_NEVER,
    };
    const char *instance = getenv("OCF_RESOURCE_INSTANCE");
    int rc;

    /* spawned tools must answer in the C locale; we parse their output */
    setenv("LC_ALL", "C", 1);

    if (ctx.action != NULL && strcmp(ctx.action, ACTION_META_DATA) == 0) {
        g_autofree char *xml = ocf_metadata(agent);

        fputs(xml, stdout);
        return fflush(stdout) == 0 ? OCF_SUCCESS : OCF_ERR_GENERIC;
    }
    if (ctx.action != NULL &&
        (strcmp(ctx.action, "usage") == 0 || strcmp(ctx.action, "help") == 0)) {
        print_usage(agent, stdout);
        return OCF_SUCCESS;
    }

    ctx.instance =
        (instance != NULL && *instance != '\0') ? instance : agent->name;
    log_init(agent->name, ctx.instance);
    ctx.deadline = deadline_from_timeout(0, MARGIN_MIN_MS);
    if (ctx.action == NULL || *ctx.action == '\0') {
        rc = unknown_action(agent, NULL);
        goto out_log_fini;
    }

    ctx.params = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    rc = dispatch(&ctx);
    if (strcmp(ctx.action, "monitor") == 0 &&
        (rc == OCF_SUCCESS || rc == OCF_NOT_RUNNING)) {
        log_debug("%s returned %d", ctx.action, rc);
    } else {
        log_info("%.64s returned %d", ctx.action, rc);
    }
    g_hash_table_destroy(ctx.params);

out_log_fini:
    log_fini();
    return rc;
}
