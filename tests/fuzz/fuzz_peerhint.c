/*
 * fuzz_peerhint: what the watchers read from each other and from the state
 * directory: a message of their Corosync group (any bytes another member,
 * or a local process with Corosync's IPC rights, multicasts) as
 * peerhint_parse() reads it, and a takeover record's fields as
 * peerhint_takeover_parse() reads them from what state_read() loaded (the
 * file itself is fuzz_state's). A parsed message says the same when
 * formatted again; a parsed record is in range.
 */
#include "config.h"

#include <string.h>

#include "attr.h"
#include "fuzz.h"
#include "peerhint.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_log_init("fuzz_peerhint");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum peerhint_kind kind;
    g_autofree char *node = NULL;
    g_autoptr(GKeyFile) kf = NULL;
    struct daemon_id id;
    int64_t at;

    if (peerhint_parse(data, size, &kind, &node) == 0) {
        size_t len = 0;
        g_autofree char *again = peerhint_format(kind, node, &len);

        FUZZ_CHECK(attr_node_name_valid(node));
        FUZZ_CHECK(again != NULL);
        FUZZ_CHECK(len == size && memcmp(again, data, size) == 0);
    }
    /* the record, as state_read() loads it */
    kf = g_key_file_new();
    if (g_key_file_load_from_data(kf, (const char *)data, size, G_KEY_FILE_NONE,
                                  NULL) &&
        peerhint_takeover_parse(kf, &id, &at) == 0) {
        FUZZ_CHECK(id.pid > 0);
        FUZZ_CHECK(at >= 0);
    }
    return 0;
}
