/*
 * fuzz.h: what every libFuzzer harness of tests/fuzz shares: logging into
 * /dev/null (the library logs what it refuses, and a fuzzer refuses much),
 * a private scratch directory, and a check that aborts with a message.
 */
#ifndef GOCF_FUZZ_H
#define GOCF_FUZZ_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib.h>

#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test failed: a crash libFuzzer records. */
#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

/*
 * Log as an agent does, but into /dev/null: the messages are formatted (and
 * so fuzzed too) without filling the terminal.
 */
static inline void fuzz_log_init(const char *name)
{
    setenv("HA_LOGFACILITY", "none", 1);
    setenv("HA_LOGFILE", "/dev/null", 1);
    unsetenv("HA_debug");
    unsetenv("HA_DEBUGLOG");
    log_init(name, NULL);
}

/* A scratch directory under $TMPDIR for this process, removed by nobody:
 * the runner (tests/fuzz/run-fuzzers.sh) points TMPDIR at its own. */
static inline char *fuzz_scratch_dir(const char *name)
{
    g_autofree char *tmpl = g_strdup_printf("%s-XXXXXX", name);
    char *dir = g_dir_make_tmp(tmpl, NULL);

    if (dir == NULL) {
        fprintf(stderr, "%s: cannot create a scratch directory\n", name);
        abort();
    }
    return dir;
}

/* Replace \p path's content with \p data (no fsync: scratch files). */
static inline void fuzz_write_file(const char *path, const uint8_t *data,
                                   size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t done = 0;

    while (fd >= 0 && done < size) {
        ssize_t n = write(fd, data + done, size - done);

        if (n <= 0) {
            break;
        }
        done += (size_t)n;
    }
    if (fd < 0 || done < size || close(fd) < 0) {
        fprintf(stderr, "cannot write %s\n", path);
        abort();
    }
}

#endif
