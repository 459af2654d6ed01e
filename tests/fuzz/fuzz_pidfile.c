/*
 * fuzz_pidfile: the pid file as daemon_ganesha_find() reads it (nobody holds
 * its lock here, so the first line decides): any content gives a pid that is
 * the file's first line, or a reason.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "fuzz.h"

static char *pidfile;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autofree char *dir = fuzz_scratch_dir("fuzz_pidfile");

    fuzz_log_init("fuzz_pidfile");
    pidfile = g_build_filename(dir, "ganesha.pid", NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *reason = NULL;
    pid_t pid = 0;
    int pidfd = -1;
    int rc;

    fuzz_write_file(pidfile, data, size);
    rc = daemon_ganesha_find(pidfile, &pid, &pidfd, &reason);
    if (rc == 0) {
        g_autofree char *first = g_strdup_printf("%ld", (long)pid);
        size_t len = strlen(first);

        /* only the first line counts, and it is exactly the pid */
        FUZZ_CHECK(pid > 0);
        FUZZ_CHECK(reason == NULL);
        FUZZ_CHECK(size >= len && memcmp(data, first, len) == 0 &&
                   (size == len || data[len] == '\n'));
        if (pidfd >= 0) {
            close(pidfd);
        }
    } else {
        FUZZ_CHECK(rc < 0);
        FUZZ_CHECK(reason != NULL && g_utf8_validate(reason, -1, NULL));
        FUZZ_CHECK(pidfd == -1);
    }
    return 0;
}
