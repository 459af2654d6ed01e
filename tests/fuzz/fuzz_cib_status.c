/*
 * fuzz_cib_status: what attr_snapshot() reads from cibadmin (the flat answer
 * to ATTR_SNAPSHOT_XPATH: node_states without children, each followed by
 * its nvpairs; or a whole status section) as attr_snapshot_parse() reads it,
 * then looked up as ganesha_mon and ganesha_grace do.
 */
#include "config.h"

#include <string.h>

#include "attr.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_log_init("fuzz_cib_status");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *xml = g_strndup((const char *)data, size);
    GPtrArray *nodes = NULL;

    if (attr_snapshot_parse(xml, &nodes) < 0) {
        FUZZ_CHECK(nodes == NULL);
        return 0;
    }
    FUZZ_CHECK(nodes != NULL);
    /* a node only for a node_state element, each spelled out in the input */
    {
        guint tags = 0;

        for (const char *p = xml; (p = strstr(p, "<node_state")) != NULL; p++) {
            tags++;
        }
        FUZZ_CHECK(nodes->len <= tags);
    }
    for (guint i = 0; i < nodes->len; i++) {
        const struct attr_node *n = g_ptr_array_index(nodes, i);
        const struct attr_node *found;
        GHashTableIter iter;
        gpointer key, value;

        FUZZ_CHECK(n->name != NULL && n->name[0] != '\0');
        FUZZ_CHECK(n->attrs != NULL);
        found = attr_snapshot_node(nodes, n->name);
        FUZZ_CHECK(found != NULL && strcmp(found->name, n->name) == 0);
        (void)attr_node_value(n, "grace-active");
        (void)attr_node_value(n, "ganesha-active");
        g_hash_table_iter_init(&iter, n->attrs);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
            FUZZ_CHECK(attr_node_value(n, key) == value);
        }
    }
    (void)attr_snapshot_node(nodes, "node1");
    g_ptr_array_unref(nodes);
    return 0;
}
