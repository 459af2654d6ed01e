/*
 * attr: transient (reboot-lifetime) node attributes through crm_attribute,
 * the local node's cluster name, and a snapshot of every node's state and
 * transient attributes from one cibadmin query (node states without their
 * operation history), parsed with GMarkup.
 */
#include "config.h"

#include "attr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "run.h"

/* Pacemaker's exit codes (crm/common/results.h, enum crm_exit_e). */
#define ATTR_CRM_EX_NOSUCH 105        /* CRM_EX_NOSUCH: no such attribute */
#define ATTR_CRM_EX_NOT_CONNECTED 102 /* CRM_EX_NOT_CONNECTED */
#define ATTR_CRM_EX_UNAVAILABLE 69    /* CRM_EX_UNAVAILABLE */

static bool name_chars_valid(const char *name, size_t max)
{
    size_t len;
    size_t i;

    if (name == NULL) {
        return false;
    }
    len = strlen(name);
    if (len == 0 || len > max) {
        return false;
    }
    for (i = 0; i < len; i++) {
        char c = name[i];

        if (!g_ascii_isalnum(c) && c != '.' && c != '_' && c != '-') {
            return false;
        }
    }
    return true;
}

bool attr_node_name_valid(const char *name)
{
    return name_chars_valid(name, ATTR_NODE_NAME_MAX) &&
           g_ascii_isalnum(name[0]);
}

bool attr_name_valid(const char *name)
{
    return name_chars_valid(name, ATTR_NAME_MAX) && g_ascii_isalpha(name[0]);
}

/* What the last failure of this module said, for attr_strerror(). */
static int last_error;
static char *last_why;

static void set_why(int r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void set_why(int r, const char *fmt, ...)
{
    va_list ap;

    g_free(last_why);
    va_start(ap, fmt);
    last_why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    last_error = r;
}

const char *attr_strerror(int r)
{
    if (r < 0 && r == last_error && last_why != NULL) {
        return last_why;
    }
    return g_strerror(-r);
}

/*
 * Run a Pacemaker tool and map how it ended: 0 (exit 0, *result kept),
 * -ENXIO (exit 105), -ENOTCONN (cluster unreachable), -ETIMEDOUT, -ENOENT,
 * -EMSGSIZE (more output than RUN_OUTPUT_MAX), -EIO (logged with the tool's
 * first stderr line).
 */
static int run_tool(const char *const *argv, int64_t deadline,
                    struct run_result *result)
{
    g_autofree char *why = NULL;
    int rc;

    rc = run_argv(argv, deadline, result);
    if (rc == -ENOENT) {
        log_err("%s is not installed", argv[0]);
        set_why(rc, "%s is not installed", argv[0]);
        return rc;
    }
    if (rc == -ETIMEDOUT) {
        log_warn("%s did not finish before the deadline", argv[0]);
        set_why(rc, "%s did not finish before the deadline", argv[0]);
        return rc;
    }
    if (rc == -EMSGSIZE) {
        /* a cut answer would read as fewer nodes or fail as bad XML */
        log_err("%s wrote more than %d KiB: refused, not cut", argv[0],
                RUN_OUTPUT_MAX / 1024);
        set_why(rc,
                "%s wrote more than %d KiB, the most an agent reads: its "
                "answer was refused, not cut",
                argv[0], RUN_OUTPUT_MAX / 1024);
        return rc;
    }
    if (rc < 0) {
        log_err("cannot run %s: %s", argv[0], strerror(-rc));
        set_why(rc, "cannot run %s: %s", argv[0], strerror(-rc));
        return rc;
    }
    switch (result->exit_status) {
    case 0:
        return 0;
    case ATTR_CRM_EX_NOSUCH:
        rc = -ENXIO;
        break;
    case ATTR_CRM_EX_NOT_CONNECTED:
    case ATTR_CRM_EX_UNAVAILABLE:
        why = run_first_line(result->err);
        log_debug("%s: cluster unreachable (exit %d): %s", argv[0],
                  result->exit_status, why);
        rc = -ENOTCONN;
        set_why(rc, "%s: cluster unreachable (exit %d)%s%s", argv[0],
                result->exit_status, why[0] != '\0' ? ": " : "", why);
        break;
    default:
        why = run_first_line(result->err);
        rc = -EIO;
        if (result->term_signal != 0) {
            log_err("%s was killed by signal %d", argv[0], result->term_signal);
            set_why(rc, "%s was killed by signal %d", argv[0],
                    result->term_signal);
        } else {
            log_err("%s failed (exit %d): %s", argv[0], result->exit_status,
                    why);
            /* the tool's own words, not "Input/output error" */
            set_why(rc, "%s failed (exit %d)%s%s", argv[0], result->exit_status,
                    why[0] != '\0' ? ": " : "", why);
        }
        break;
    }
    run_result_clear(result);
    return rc;
}

int attr_local_node(int64_t deadline, char **ret_node)
{
    static const char *const argv[] = {"crm_node", "-n", NULL};
    struct run_result result = {0};
    const char *env = getenv("OCF_RESKEY_CRM_meta_on_node");
    char *name;
    int rc;

    if (env != NULL && env[0] != '\0') {
        if (!attr_node_name_valid(env)) {
            g_autofree char *cut = g_strndup(env, 48);
            g_autofree char *shown = g_strescape(cut, NULL);

            log_err("OCF_RESKEY_CRM_meta_on_node is not a valid node name");
            set_why(-EPROTO,
                    "OCF_RESKEY_CRM_meta_on_node=\"%s\" is not a valid node "
                    "name",
                    shown);
            return -EPROTO;
        }
        *ret_node = g_strdup(env);
        return 0;
    }
    rc = run_tool(argv, deadline, &result);
    if (rc == -ENXIO) {
        log_err("crm_node -n does not know the local node");
        set_why(-EIO, "crm_node -n does not know the local node");
        return -EIO;
    }
    if (rc < 0) {
        return rc;
    }
    name = g_strchomp(g_strdup(result.out));
    if (!attr_node_name_valid(name)) {
        g_autofree char *cut = g_strndup(name, 48);
        g_autofree char *shown = g_strescape(cut, NULL);
        g_autofree char *err = run_first_line(result.err);

        /* a local oddity, not a misconfiguration: never 6 */
        log_err("crm_node -n gave no valid node name");
        set_why(-EPROTO, "crm_node -n answered \"%s\"%s, not a node name%s%s",
                shown, strlen(name) > 48 ? "..." : "",
                err[0] != '\0' ? ": " : "", err);
        run_result_clear(&result);
        g_free(name);
        return -EPROTO;
    }
    run_result_clear(&result);
    *ret_node = name;
    return 0;
}

int attr_local_node_why(int64_t deadline, char **ret_node, char **ret_reason)
{
    int r = attr_local_node(deadline, ret_node);

    if (r < 0) {
        *ret_reason = g_strdup_printf(
            "cannot determine the local node name: %s", attr_strerror(r));
    }
    return r;
}

/* crm_attribute's -l for transient and for permanent attributes */
#define LIFE_REBOOT "reboot"
#define LIFE_FOREVER "forever"

/*
 * crm_attribute -N node -n name -l life <action...>: every call names the
 * node and the lifetime, so a transient call never touches the permanent
 * <nodes> attribute of the same name, nor the other way round.
 */
static int crm_attribute_life(const char *node, const char *name,
                              const char *life, const char *const *action,
                              int64_t deadline, struct run_result *result)
{
    const char *argv[12] = {
        "crm_attribute", "-N", node, "-n", name, "-l", life, NULL};
    size_t n = 7;

    while (*action != NULL && n < G_N_ELEMENTS(argv) - 1) {
        argv[n++] = *action++;
    }
    argv[n] = NULL;
    return run_tool(argv, deadline, result);
}

static int crm_attribute(const char *node, const char *name,
                         const char *const *action, int64_t deadline,
                         struct run_result *result)
{
    return crm_attribute_life(node, name, LIFE_REBOOT, action, deadline,
                              result);
}

static int check_names(const char *node, const char *name)
{
    if (!attr_node_name_valid(node)) {
        log_err("invalid node name for an attribute: refusing to use it");
        return -EINVAL;
    }
    if (!attr_name_valid(name)) {
        log_err("invalid attribute name: refusing to use it");
        return -EINVAL;
    }
    return 0;
}

static int attr_set_life(const char *node, const char *name, const char *value,
                         const char *life, int64_t deadline)
{
    struct run_result result = {0};
    int rc;

    rc = check_names(node, name);
    if (rc < 0) {
        return rc;
    }
    if (value == NULL || strchr(value, '\n') != NULL) {
        log_err("invalid value for attribute %s", name);
        return -EINVAL;
    }
    {
        const char *const action[] = {"-v", value, NULL};

        rc = crm_attribute_life(node, name, life, action, deadline, &result);
    }
    if (rc == -ENXIO) {
        log_err("cannot set %s on %s: no such node in the cluster", name, node);
        return -EIO;
    }
    if (rc < 0) {
        return rc;
    }
    run_result_clear(&result);
    log_debug("set %s=%s (%s) on %s", name, value, life, node);
    return 0;
}

int attr_set(const char *node, const char *name, const char *value,
             int64_t deadline)
{
    return attr_set_life(node, name, value, LIFE_REBOOT, deadline);
}

int attr_set_permanent(const char *node, const char *name, const char *value,
                       int64_t deadline)
{
    return attr_set_life(node, name, value, LIFE_FOREVER, deadline);
}

int attr_get(const char *node, const char *name, int64_t deadline,
             char **ret_value)
{
    static const char *const get_action[] = {"-G", "-q", NULL};
    struct run_result result = {0};
    char *value;
    size_t len;
    int rc;

    rc = check_names(node, name);
    if (rc < 0) {
        return rc;
    }
    rc = crm_attribute(node, name, get_action, deadline, &result);
    if (rc < 0) {
        return rc;
    }
    /* -q prints the bare value and one newline. */
    value = g_steal_pointer(&result.out);
    len = strlen(value);
    if (len > 0 && value[len - 1] == '\n') {
        value[len - 1] = '\0';
    }
    run_result_clear(&result);
    *ret_value = value;
    return 0;
}

int attr_attrd_get(const char *node, const char *name, int64_t deadline,
                   char **ret_value)
{
    const char *argv[] = {"attrd_updater", "-Q", "-N", node, "-n", name, NULL};
    struct run_result result = {0};
    const char *v;
    const char *end;
    int rc;

    rc = check_names(node, name);
    if (rc < 0) {
        return rc;
    }
    rc = run_tool(argv, deadline, &result);
    if (rc < 0) {
        run_result_clear(&result);
        return rc;
    }
    /* name="<name>" host="<node>" value="<value>" */
    v = result.out != NULL ? strstr(result.out, " value=\"") : NULL;
    end = v != NULL ? strchr(v + 8, '"') : NULL;
    if (end == NULL) {
        run_result_clear(&result);
        return -EBADMSG;
    }
    *ret_value = g_strndup(v + 8, (gsize)(end - (v + 8)));
    run_result_clear(&result);
    return 0;
}

static int attr_delete_life(const char *node, const char *name,
                            const char *life, int64_t deadline)
{
    static const char *const delete_action[] = {"-D", NULL};
    struct run_result result = {0};
    int rc;

    rc = check_names(node, name);
    if (rc < 0) {
        return rc;
    }
    rc = crm_attribute_life(node, name, life, delete_action, deadline, &result);
    if (rc == -ENXIO) {
        return 0; /* absent is what we wanted */
    }
    if (rc < 0) {
        return rc;
    }
    run_result_clear(&result);
    log_debug("deleted %s (%s) on %s", name, life, node);
    return 0;
}

int attr_delete(const char *node, const char *name, int64_t deadline)
{
    return attr_delete_life(node, name, LIFE_REBOOT, deadline);
}

int attr_delete_permanent(const char *node, const char *name, int64_t deadline)
{
    return attr_delete_life(node, name, LIFE_FOREVER, deadline);
}

char *attr_nack_name(const char *grace_ack, const char *node)
{
    return g_strdup_printf("no-%s-%s", grace_ack, node);
}

char *attr_prefix_regex(const char *prefix)
{
    GString *re = g_string_new("^");

    /* names are [A-Za-z0-9._-] (check_names): only '.' is special in an ERE */
    for (const char *c = prefix; *c != '\0'; c++) {
        if (*c == '.') {
            g_string_append(re, "[.]");
        } else {
            g_string_append_c(re, *c);
        }
    }
    return g_string_free(re, FALSE);
}

int attr_delete_prefix(const char *node, const char *prefix, int64_t deadline)
{
    struct run_result result = {0};
    g_autofree char *re = NULL;
    int rc;

    rc = check_names(node, prefix);
    if (rc < 0) {
        return rc;
    }
    re = attr_prefix_regex(prefix);
    {
        const char *argv[] = {
            "crm_attribute", "-N", node, "-l", "reboot", "-D", "-P", re, NULL};

        rc = run_tool(argv, deadline, &result);
    }
    if (rc == -ENXIO) {
        return 0; /* nothing matched */
    }
    if (rc < 0) {
        return rc;
    }
    run_result_clear(&result);
    log_debug("deleted every %s* on %s", prefix, node);
    return 0;
}

/* ---- snapshot ------------------------------------------------------------ */

static void attr_node_free(gpointer data)
{
    struct attr_node *node = data;

    if (node == NULL) {
        return;
    }
    g_free(node->name);
    if (node->attrs != NULL) {
        g_hash_table_unref(node->attrs);
    }
    g_free(node);
}

/*
 * Pacemaker 2.1.5 writes in_ccm="true" and crmd="online"; later versions
 * write the time the node joined instead. Either form means "in".
 */
static bool state_is(const char *value, const char *word)
{
    const char *p;

    if (value == NULL || value[0] == '\0') {
        return false;
    }
    if (strcmp(value, word) == 0) {
        return true;
    }
    for (p = value; *p != '\0'; p++) {
        if (!g_ascii_isdigit(*p)) {
            return false;
        }
    }
    return strcmp(value, "0") != 0;
}

struct snapshot_parse {
    GPtrArray *nodes;
    struct attr_node *current; /* node_state being read, or NULL */
    struct attr_node *last;    /* last node_state of a flat answer, or NULL */
};

static bool in_transient_set(GMarkupParseContext *context)
{
    const GSList *stack = g_markup_parse_context_get_element_stack(context);

    /* nvpair < instance_attributes < transient_attributes < node_state */
    return stack != NULL && stack->next != NULL && stack->next->next != NULL &&
           stack->next->next->next != NULL &&
           strcmp(stack->next->data, "instance_attributes") == 0 &&
           strcmp(stack->next->next->data, "transient_attributes") == 0 &&
           strcmp(stack->next->next->next->data, "node_state") == 0;
}

/*
 * A match of ATTR_SNAPSHOT_XPATH's flat answer: a child of <xpath-query>.
 * Its nvpairs follow their node_state (XPath results come in document
 * order, and a node's nvpairs are inside its node_state).
 */
static bool in_flat_answer(GMarkupParseContext *context)
{
    const GSList *stack = g_markup_parse_context_get_element_stack(context);

    return stack != NULL && stack->next != NULL &&
           strcmp(stack->next->data, "xpath-query") == 0;
}

static const char *attr_value(const char **names, const char **values,
                              const char *wanted)
{
    size_t i;

    for (i = 0; names[i] != NULL; i++) {
        if (strcmp(names[i], wanted) == 0) {
            return values[i];
        }
    }
    return NULL;
}

static void snapshot_start(GMarkupParseContext *context, const char *element,
                           const char **names, const char **values,
                           gpointer user_data, GError **error)
{
    struct snapshot_parse *parse = user_data;

    if (strcmp(element, "node_state") == 0) {
        const char *uname = attr_value(names, values, "uname");
        const char *join = attr_value(names, values, "join");
        bool flat = in_flat_answer(context);
        struct attr_node *node;

        parse->current = NULL;
        if (flat) {
            parse->last = NULL;
        }
        if (uname == NULL || uname[0] == '\0') {
            return; /* a node Pacemaker has not named yet */
        }
        node = g_new0(struct attr_node, 1);
        node->name = g_strdup(uname);
        node->online = state_is(attr_value(names, values, "crmd"), "online") &&
                       state_is(attr_value(names, values, "in_ccm"), "true") &&
                       (join == NULL || strcmp(join, "member") == 0);
        node->attrs =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_ptr_array_add(parse->nodes, node);
        parse->current = node;
        if (flat) {
            parse->last = node;
        }
        return;
    }
    if (strcmp(element, "nvpair") == 0) {
        struct attr_node *owner = NULL;
        const char *name = attr_value(names, values, "name");
        const char *value = attr_value(names, values, "value");

        if (parse->current != NULL && in_transient_set(context)) {
            owner = parse->current;
        } else if (parse->last != NULL && in_flat_answer(context)) {
            owner = parse->last;
        }
        if (owner != NULL && name != NULL && value != NULL) {
            g_hash_table_replace(owner->attrs, g_strdup(name), g_strdup(value));
        }
        return;
    }
}

static void snapshot_end(GMarkupParseContext *context, const char *element,
                         gpointer user_data, GError **error)
{
    struct snapshot_parse *parse = user_data;

    if (strcmp(element, "node_state") == 0) {
        parse->current = NULL;
    }
}

int attr_snapshot_parse(const char *xml, GPtrArray **ret_nodes)
{
    static const GMarkupParser parser = {
        .start_element = snapshot_start,
        .end_element = snapshot_end,
    };
    struct snapshot_parse parse = {0};
    GMarkupParseContext *context;
    g_autoptr(GError) error = NULL;
    int rc = 0;

    if (xml == NULL) {
        return -EINVAL;
    }
    parse.nodes = g_ptr_array_new_with_free_func(attr_node_free);
    context = g_markup_parse_context_new(&parser, 0, &parse, NULL);
    if (!g_markup_parse_context_parse(context, xml, -1, &error) ||
        !g_markup_parse_context_end_parse(context, &error)) {
        log_err("cannot parse the CIB status: %s", error->message);
        rc = -EBADMSG;
    }
    g_markup_parse_context_free(context);
    if (rc < 0) {
        g_ptr_array_unref(parse.nodes);
        return rc;
    }
    *ret_nodes = parse.nodes;
    return 0;
}

int attr_snapshot(int64_t deadline, GPtrArray **ret_nodes)
{
    /*
     * Not /cib/status: that holds every node's operation history too,
     * which grows with nodes x resources and passes RUN_OUTPUT_MAX between
     * 16 and 32 nodes (2.3 MB at 32 in test_attr's status). The node_states
     * without children and the transient nvpairs are all the callers read:
     * about 350 bytes a node (doc/benchmarks.md).
     */
    static const char *const argv[] = {
        "cibadmin", "--query",           "--local", "--no-children",
        "--xpath",  ATTR_SNAPSHOT_XPATH, NULL};
    struct run_result result = {0};
    int rc;

    rc = run_tool(argv, deadline, &result);
    if (rc == -ENXIO) {
        /* No node_state yet: no node has any state. */
        *ret_nodes = g_ptr_array_new_with_free_func(attr_node_free);
        return 0;
    }
    if (rc < 0) {
        return rc;
    }
    rc = attr_snapshot_parse(result.out, ret_nodes);
    run_result_clear(&result);
    return rc;
}

const char *attr_node_value(const struct attr_node *n, const char *name)
{
    if (n == NULL || n->attrs == NULL || name == NULL) {
        return NULL;
    }
    return g_hash_table_lookup(n->attrs, name);
}

const struct attr_node *attr_snapshot_node(GPtrArray *nodes, const char *node)
{
    guint i;

    if (nodes == NULL || node == NULL) {
        return NULL;
    }
    for (i = 0; i < nodes->len; i++) {
        const struct attr_node *candidate = g_ptr_array_index(nodes, i);

        if (strcmp(candidate->name, node) == 0) {
            return candidate;
        }
    }
    return NULL;
}
