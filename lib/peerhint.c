/*
 * peerhint: the watchers' messages and the takeover record (peerhint.h).
 */
#include "config.h"

#include "peerhint.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "attr.h"
#include "state.h"

#define PEERHINT_VERSION "ganesha-ocf/1"
/* the takeover record: a state file (lib/state), its one group */
#define RECORD_GROUP "takeover"

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

char *peerhint_takeover_key(const char *node)
{
    if (!attr_node_name_valid(node)) {
        return NULL;
    }
    return g_strdup_printf("ganesha-ocf-takeover-%s", node);
}

int peerhint_takeover_record(const char *node, const struct daemon_id *ganesha)
{
    g_autofree char *key = peerhint_takeover_key(node);
    g_autoptr(GKeyFile) kf = NULL;
    int64_t now = boottime_ms();

    if (key == NULL || ganesha == NULL || ganesha->pid <= 0) {
        return -EINVAL;
    }
    if (now < 0) {
        return -errno;
    }
    kf = g_key_file_new();
    g_key_file_set_int64(kf, RECORD_GROUP, "pid", ganesha->pid);
    g_key_file_set_uint64(kf, RECORD_GROUP, "start", ganesha->start);
    g_key_file_set_int64(kf, RECORD_GROUP, "at_ms", now);
    return state_write(key, kf);
}

int peerhint_takeover_parse(GKeyFile *kf, struct daemon_id *ret_ganesha,
                            int64_t *ret_at_ms)
{
    g_autoptr(GError) err = NULL;
    int64_t pid;
    uint64_t start = 0;
    int64_t at = 0;

    pid = g_key_file_get_int64(kf, RECORD_GROUP, "pid", &err);
    if (err == NULL) {
        start = g_key_file_get_uint64(kf, RECORD_GROUP, "start", &err);
    }
    if (err == NULL) {
        at = g_key_file_get_int64(kf, RECORD_GROUP, "at_ms", &err);
    }
    if (err != NULL || pid <= 0 || pid > INT32_MAX || at < 0) {
        return -EINVAL;
    }
    *ret_ganesha = (struct daemon_id){.pid = (pid_t)pid, .start = start};
    *ret_at_ms = at;
    return 0;
}

int peerhint_takeover_take(const char *node, int64_t *ret_age_ms)
{
    g_autofree char *key = peerhint_takeover_key(node);
    g_autoptr(GKeyFile) kf = NULL;
    struct daemon_id made;
    int64_t at;
    int64_t now = boottime_ms();
    int removed;
    int r;

    if (key == NULL) {
        return -EINVAL;
    }
    /* never a hang: a FIFO or a link there is refused, as for any state */
    r = state_read(key, &kf, NULL);
    if (r == -ENOENT) {
        return 0;
    }
    removed = state_remove(key);
    if (removed < 0) {
        return removed;
    }
    if (r < 0) {
        return 0; /* unreadable: not ours, gone now */
    }
    if (peerhint_takeover_parse(kf, &made, &at) < 0 || now < at ||
        now - at >= (int64_t)PEERHINT_TAKEOVER_VALID_S * 1000 ||
        daemon_id_same(&made) != 1 ||
        daemon_pid_is(made.pid, DAEMON_NAME) != 1) {
        return 0;
    }
    *ret_age_ms = now - at;
    return 1;
}
