/*
 * fuzz_recovery: the directory names of ganesha's fs recovery backend as
 * ganesha_handoff reads them. Input: names, one a line. Each name goes
 * through recovery_record_owner(); then the valid ones are made directories
 * and recovery_read_owners() must find the same owners; the ambiguity check
 * runs on them.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "fuzz.h"
#include "recovery.h"

/* At most this many names per input: a directory per name is made. */
#define NAMES_MAX 64

static char *dir;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autofree char *top = fuzz_scratch_dir("fuzz_recovery");

    fuzz_log_init("fuzz_recovery");
    dir = g_build_filename(top, "v4recov", NULL);
    return 0;
}

static bool owners_have(GPtrArray *owners, const char *owner)
{
    for (guint i = 0; i < owners->len; i++) {
        if (strcmp(g_ptr_array_index(owners, i), owner) == 0) {
            return true;
        }
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    g_auto(GStrv) lines = g_strsplit(text, "\n", NAMES_MAX + 1);
    g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) made = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);

    FUZZ_CHECK(g_mkdir(dir, 0700) == 0);
    for (guint i = 0; lines[i] != NULL && i < NAMES_MAX; i++) {
        const char *name = lines[i];
        char *owner = NULL;

        if (recovery_record_owner(name, &owner) < 0) {
            FUZZ_CHECK(owner == NULL);
            continue;
        }
        FUZZ_CHECK(owner[0] != '\0');
        FUZZ_CHECK(strlen(owner) <= RECOVERY_OWNER_MAX);
        FUZZ_CHECK(g_utf8_validate(owner, -1, NULL));
        FUZZ_CHECK(strstr(name, owner) != NULL);
        for (const char *p = owner; *p != '\0'; p++) {
            FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
        }
        /* only names a directory can have reach the directory reader */
        if (strchr(name, '/') == NULL && strlen(name) <= 255) {
            g_autofree char *path = g_build_filename(dir, name, NULL);

            if (g_mkdir(path, 0700) == 0) {
                g_ptr_array_add(made, g_steal_pointer(&path));
                if (!owners_have(want, owner)) {
                    g_ptr_array_add(want, g_strdup(owner));
                }
            }
        }
        g_free(owner);
    }
    FUZZ_CHECK(recovery_read_owners(dir, got) == 0);
    FUZZ_CHECK(got->len == want->len);
    for (guint i = 0; i < got->len; i++) {
        const char *owner = g_ptr_array_index(got, i);

        FUZZ_CHECK(owners_have(want, owner));
        (void)recovery_owner_ambiguous(owner, got);
    }
    for (guint i = 0; i < made->len; i++) {
        FUZZ_CHECK(g_rmdir(g_ptr_array_index(made, i)) == 0);
    }
    FUZZ_CHECK(g_rmdir(dir) == 0);
    return 0;
}
