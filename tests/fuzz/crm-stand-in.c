/*
 * crm-stand-in: what fuzz_crm_tools installs as crm_node and crm_attribute:
 * prints $GOCF_FUZZ_DIR/out on stdout and $GOCF_FUZZ_DIR/err on stderr, then
 * exits with the number in $GOCF_FUZZ_DIR/rc. One exec per input instead of
 * a shell and two cats. Built without instrumentation.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void copy(const char *dir, const char *name, int to)
{
    char path[PATH_MAX];
    char buf[65536];
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        if (write(to, buf, (size_t)n) != n) {
            break;
        }
    }
    close(fd);
}

int main(void)
{
    const char *dir = getenv("GOCF_FUZZ_DIR");
    char path[PATH_MAX];
    FILE *f;
    int rc = 1;

    if (dir == NULL) {
        return 127;
    }
    copy(dir, "out", STDOUT_FILENO);
    copy(dir, "err", STDERR_FILENO);
    snprintf(path, sizeof(path), "%s/rc", dir);
    f = fopen(path, "r");
    if (f != NULL) {
        if (fscanf(f, "%d", &rc) != 1) {
            rc = 1;
        }
        fclose(f);
    }
    return rc;
}
