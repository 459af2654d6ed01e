/*
 * fuzz_state: a state file under HA_RSCTMP as state_read() loads it, then
 * read the way ganesha_mon and ganesha_grace read theirs (the stop_uname
 * record through the notify parser); what loads must write back and load
 * again.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "notify.h"
#include "state.h"

#define KEY "ganesha_grace-prestop-nfs-grace_0"
#define KEY_AGAIN "fuzz-again"
#define GROUP "state"

static char *path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autofree char *dir = fuzz_scratch_dir("fuzz_state");

    fuzz_log_init("fuzz_state");
    setenv("HA_RSCTMP", dir, 1);
    path = g_build_filename(dir, KEY, NULL);
    return 0;
}

/* Every field an agent reads from its state file. */
static void read_like_agents(GKeyFile *kf)
{
    static const char *const booleans[] = {"started", "alive", "released"};
    static const char *const ints[] = {"asserted", "unanswered", "rechecked",
                                       "grace_active_seen",
                                       "grace_active_missing"};
    g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) names = NULL;
    g_autofree char *list = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(booleans); i++) {
        (void)g_key_file_get_boolean(kf, GROUP, booleans[i], NULL);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(ints); i++) {
        (void)g_key_file_get_int64(kf, GROUP, ints[i], NULL);
    }
    list = g_key_file_get_string(kf, GROUP, "stop_uname", NULL);
    names = notify_node_names(list, "node1", 1024, failures);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GKeyFile) kf = NULL;
    g_autoptr(GKeyFile) again = NULL;
    int64_t age = -1;
    int rc;

    fuzz_write_file(path, data, size);
    rc = state_read(KEY, &kf, &age);
    if (rc < 0) {
        FUZZ_CHECK(kf == NULL);
        return 0;
    }
    FUZZ_CHECK(kf != NULL && age >= 0);
    read_like_agents(kf);
    /* what an agent read, changed and wrote back, it reads again */
    FUZZ_CHECK(state_write(KEY_AGAIN, kf) == 0);
    FUZZ_CHECK(state_read(KEY_AGAIN, &again, NULL) == 0);
    FUZZ_CHECK(state_remove(KEY_AGAIN) == 0);
    return 0;
}
