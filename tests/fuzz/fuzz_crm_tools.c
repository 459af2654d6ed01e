/*
 * fuzz_crm_tools: what crm_node -n and crm_attribute -G -q print, as
 * attr_local_node() and attr_get() read it through run_argv(): a stand-in
 * tool in PATH prints the fuzzed stdout and stderr and exits with the fuzzed
 * status. Input: one byte choosing the tool, one byte the exit status (taken
 * from the codes Pacemaker's tools use), then stdout, a NUL, stderr.
 * Each input spawns the stand-in (tests/fuzz/crm-stand-in, next to this
 * harness): slow, but the pipes and exit codes are the real ones.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "attr.h"
#include "deadline.h"
#include "fuzz.h"

static char *dir;

/* Link \p name in \p bin to the stand-in next to the harness. */
static void install_stand_in(const char *bin, const char *self,
                             const char *name)
{
    g_autofree char *here = g_path_get_dirname(self);
    g_autofree char *rel = g_build_filename(here, "crm-stand-in", NULL);
    g_autofree char *target = g_canonicalize_filename(rel, NULL);
    g_autofree char *path = g_build_filename(bin, name, NULL);

    if (access(target, X_OK) != 0) {
        fprintf(stderr, "fuzz_crm_tools: no %s (make fuzz-build makes it)\n",
                target);
        abort();
    }
    FUZZ_CHECK(symlink(target, path) == 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autofree char *bin = NULL;
    g_autofree char *path = NULL;

    fuzz_log_init("fuzz_crm_tools");
    dir = fuzz_scratch_dir("fuzz_crm_tools");
    bin = g_build_filename(dir, "bin", NULL);
    FUZZ_CHECK(g_mkdir_with_parents(bin, 0755) == 0);
    install_stand_in(bin, (*argv)[0], "crm_node");
    install_stand_in(bin, (*argv)[0], "crm_attribute");
    path = g_strdup_printf("%s:/usr/bin:/bin", bin);
    setenv("PATH", path, 1);
    setenv("GOCF_FUZZ_DIR", dir, 1);
    unsetenv("OCF_RESKEY_CRM_meta_on_node");
    unsetenv("OCF_TESTER_FAIL_HAVE_BINARY");
    unsetenv("OCF_TRACE_RA");
    return 0;
}

static void put(const char *name, const uint8_t *data, size_t size)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    fuzz_write_file(path, data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* success, error, unavailable, not connected, no such, timeout-ish */
    static const int codes[] = {0, 1, 69, 102, 105, 124};
    const uint8_t *out, *err, *nul;
    size_t out_len, err_len;
    g_autofree char *rc_text = NULL;
    g_autofree char *value = NULL;
    int64_t deadline = deadline_from_timeout(10000, 0);
    int rc;

    if (size < 2) {
        return 0;
    }
    out = data + 2;
    nul = memchr(out, '\0', size - 2);
    out_len = nul != NULL ? (size_t)(nul - out) : size - 2;
    err = nul != NULL ? nul + 1 : data + size;
    err_len = (size_t)(data + size - err);
    rc_text = g_strdup_printf("%d\n", codes[data[1] % G_N_ELEMENTS(codes)]);
    put("out", out, out_len);
    put("err", err, err_len);
    put("rc", (const uint8_t *)rc_text, strlen(rc_text));

    if (data[0] % 2 == 0) {
        rc = attr_local_node(deadline, &value);
        if (rc == 0) {
            FUZZ_CHECK(attr_node_name_valid(value));
        } else {
            FUZZ_CHECK(value == NULL);
        }
    } else {
        rc = attr_get("node1", "grace-active", deadline, &value);
        if (rc == 0) {
            FUZZ_CHECK(value != NULL);
        } else {
            FUZZ_CHECK(value == NULL);
        }
    }
    FUZZ_CHECK(rc <= 0 && rc != -ETIMEDOUT);
    return 0;
}
