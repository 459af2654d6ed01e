/*
 * peerhint: the watchers' messages and the takeover record (peerhint.h).
 */
#include "config.h"

#include "peerhint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "attr.h"
#include "state.h"

#define PEERHINT_VERSION "ganesha-ocf/1"
/* a record is "<pid> <start> <boottime ms>\n": well under this */
#define PEERHINT_RECORD_MAX 128

static const char *kind_word(enum peerhint_kind kind)
{
    switch (kind) {
    case PEERHINT_HERE:
        return "here";
    case PEERHINT_DOWN:
        return "down";
    case PEERHINT_UP:
        return "up";
    }
    return NULL;
}

char *peerhint_format(enum peerhint_kind kind, const char *node,
                      size_t *ret_len)
{
    const char *word = kind_word(kind);
    char *msg;

    if (word == NULL || !attr_node_name_valid(node)) {
        return NULL;
    }
    msg = g_strdup_printf(PEERHINT_VERSION " %s %s", word, node);
    *ret_len = strlen(msg);
    return msg;
}

int peerhint_parse(const void *msg, size_t len, enum peerhint_kind *ret_kind,
                   char **ret_node)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) words = NULL;
    enum peerhint_kind kind;

    if (msg == NULL || len == 0 || len > PEERHINT_MSG_MAX ||
        memchr(msg, '\0', len) != NULL) {
        return -EINVAL;
    }
    text = g_strndup(msg, len);
    words = g_strsplit(text, " ", 4);
    if (g_strv_length(words) < 1 ||
        !g_str_has_prefix(words[0], "ganesha-ocf/")) {
        return -EINVAL;
    }
    if (strcmp(words[0], PEERHINT_VERSION) != 0) {
        return -EPROTO;
    }
    if (g_strv_length(words) != 3) {
        return -EINVAL;
    }
    if (strcmp(words[1], "here") == 0) {
        kind = PEERHINT_HERE;
    } else if (strcmp(words[1], "down") == 0) {
        kind = PEERHINT_DOWN;
    } else if (strcmp(words[1], "up") == 0) {
        kind = PEERHINT_UP;
    } else {
        return -EINVAL;
    }
    if (!attr_node_name_valid(words[2])) {
        return -EINVAL;
    }
    *ret_kind = kind;
    *ret_node = g_strdup(words[2]);
    return 0;
}

static int64_t boottime_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0) {
        return -1;
    }
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *peerhint_takeover_path(const char *node)
{
    if (!attr_node_name_valid(node)) {
        return NULL;
    }
    return g_strdup_printf("%s/ganesha-ocf-takeover-%s", state_dir(), node);
}

int peerhint_takeover_record(const char *node, const struct daemon_id *ganesha)
{
    g_autofree char *path = peerhint_takeover_path(node);
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    int64_t now = boottime_ms();

    if (path == NULL || ganesha == NULL || ganesha->pid <= 0) {
        return -EINVAL;
    }
    if (now < 0) {
        return -errno;
    }
    text = g_strdup_printf("%ld %" PRIu64 " %" PRId64 "\n", (long)ganesha->pid,
                           ganesha->start, now);
    if (!g_file_set_contents(path, text, -1, &err)) {
        return -EIO;
    }
    return 0;
}

int peerhint_takeover_parse(const char *text, size_t len,
                            struct daemon_id *ret_ganesha, int64_t *ret_at_ms)
{
    g_autofree char *copy = NULL;
    long pid;
    uint64_t start;
    int64_t at;
    int used = 0;

    if (text == NULL || len == 0 || len > PEERHINT_RECORD_MAX ||
        memchr(text, '\0', len) != NULL) {
        return -EINVAL;
    }
    copy = g_strndup(text, len);
    if (sscanf(copy, "%ld %" SCNu64 " %" SCNd64 "\n%n", &pid, &start, &at,
               &used) != 3 ||
        (size_t)used != len || pid <= 0 || pid > INT32_MAX || at < 0) {
        return -EINVAL;
    }
    *ret_ganesha = (struct daemon_id){.pid = (pid_t)pid, .start = start};
    *ret_at_ms = at;
    return 0;
}

/*
 * A small regular file, never a hang: a FIFO, a device or a link at the
 * path is refused (-EINVAL), as lib/state reads its files.
 */
static int read_small(const char *path, char **ret_text, gsize *ret_len)
{
    char buf[PEERHINT_RECORD_MAX + 1];
    struct stat st;
    ssize_t n;
    int fd;

    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return errno == ELOOP ? -EINVAL : -errno;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        st.st_size > PEERHINT_RECORD_MAX) {
        close(fd);
        return -EINVAL;
    }
    n = read(fd, buf, sizeof(buf));
    close(fd);
    if (n < 0 || n > PEERHINT_RECORD_MAX) {
        return -EINVAL;
    }
    *ret_text = g_strndup(buf, (gsize)n);
    *ret_len = (gsize)n;
    return 0;
}

int peerhint_takeover_take(const char *node, int64_t *ret_age_ms)
{
    g_autofree char *path = peerhint_takeover_path(node);
    g_autofree char *text = NULL;
    gsize len = 0;
    struct daemon_id made;
    int64_t at;
    int64_t now = boottime_ms();
    int r;

    if (path == NULL) {
        return -EINVAL;
    }
    r = read_small(path, &text, &len);
    if (r == -ENOENT) {
        return 0;
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        return -errno;
    }
    if (r < 0) {
        return 0; /* not a small regular file: not ours, gone now */
    }
    r = peerhint_takeover_parse(text, len, &made, &at);
    if (r < 0 || now < at ||
        now - at >= (int64_t)PEERHINT_TAKEOVER_VALID_S * 1000 ||
        daemon_id_same(&made) != 1 ||
        daemon_pid_is(made.pid, DAEMON_NAME) != 1) {
        return 0;
    }
    *ret_age_ms = now - at;
    return 1;
}
