/*
 * state: small key files under HA_RSCTMP. Written to a temporary file in the
 * same directory and renamed over the old one, so a reader sees the old or
 * the new content, never half of it; read with O_NOFOLLOW.
 */
#include "config.h"

#include "state.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATE_DIR_DEFAULT "/run/resource-agents"
#define STATE_KEY_MAX 200
/* A state file is a few lines; anything bigger is not ours. */
#define STATE_FILE_MAX (64 * 1024)

const char *state_dir(void)
{
    const char *dir = getenv("HA_RSCTMP");

    /* only an absolute path: a relative one would depend on the cwd */
    if (dir == NULL || dir[0] != '/' || strlen(dir) >= PATH_MAX / 2) {
        return STATE_DIR_DEFAULT;
    }
    return dir;
}

gboolean state_key_valid(const char *key)
{
    size_t len;

    if (key == NULL || key[0] == '.' || key[0] == '\0') {
        return FALSE;
    }
    len = strlen(key);
    if (len > STATE_KEY_MAX) {
        return FALSE;
    }
    for (size_t i = 0; i < len; i++) {
        char c = key[i];

        if (!g_ascii_isalnum(c) && c != '.' && c != '_' && c != ':' &&
            c != '-') {
            return FALSE;
        }
    }
    return TRUE;
}

/* design.md: instance names are sanitised, ':' allowed. */
char *state_key_for(const char *agent, const char *instance)
{
    g_autofree char *key = g_strdup_printf("%s-%s", agent, instance);

    for (char *p = key; *p != '\0'; p++) {
        if (!g_ascii_isalnum(*p) && strchr("._:-", *p) == NULL) {
            *p = '_';
        }
    }
    if (strlen(key) > 180) {
        /* keep it unique but within STATE_KEY_MAX */
        guint hash = g_str_hash(key);

        key[170] = '\0';
        return g_strdup_printf("%s-%08x", key, hash);
    }
    return g_steal_pointer(&key);
}

static char *state_path(const char *key)
{
    return g_build_filename(state_dir(), key, NULL);
}

int state_read(const char *key, GKeyFile **ret_kf, int64_t *ret_age_s)
{
    g_autofree char *path = NULL;
    g_autofree char *data = NULL;
    g_autoptr(GKeyFile) kf = NULL;
    g_autoptr(GError) error = NULL;
    struct stat st;
    size_t len = 0;
    int64_t age;
    int fd;
    int rc;

    if (!state_key_valid(key) || ret_kf == NULL) {
        return -EINVAL;
    }
    path = state_path(key);
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        rc = -errno;
        if (rc == -ELOOP) {
            log_err("state file %s is a symbolic link, not reading it", path);
        }
        return rc;
    }
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto out_close_fd;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > STATE_FILE_MAX) {
        log_err("state file %s is not a small regular file", path);
        rc = -EINVAL;
        goto out_close_fd;
    }
    data = g_malloc((size_t)st.st_size + 1);
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, data + len, (size_t)st.st_size - len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = -errno;
            goto out_close_fd;
        }
        if (n == 0) {
            break; /* shrank meanwhile: parse what we have */
        }
        len += (size_t)n;
    }
    data[len] = '\0';

    kf = g_key_file_new();
    if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &error)) {
        log_err("state file %s is unparsable: %s", path, error->message);
        rc = -EINVAL;
        goto out_close_fd;
    }
    age = (int64_t)time(NULL) - (int64_t)st.st_mtime;
    if (ret_age_s != NULL) {
        *ret_age_s = age < 0 ? 0 : age;
    }
    *ret_kf = g_steal_pointer(&kf);
    rc = 0;

out_close_fd:
    close(fd);
    return rc;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int state_write(const char *key, GKeyFile *kf)
{
    g_autofree char *path = NULL;
    g_autofree char *tmp = NULL;
    g_autofree char *data = NULL;
    const char *dir = state_dir();
    gsize len = 0;
    int fd;
    int rc;

    if (!state_key_valid(key) || kf == NULL) {
        return -EINVAL;
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        /* the parent may be missing too (a fresh HA_RSCTMP) */
        if (errno != ENOENT || g_mkdir_with_parents(dir, 0700) < 0) {
            rc = -errno;
            log_err("cannot create state directory %s: %s", dir, strerror(-rc));
            return rc;
        }
    }
    data = g_key_file_to_data(kf, &len, NULL);
    path = state_path(key);
    /* a leading '.' can never be a valid key: no clash with a state file */
    tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, key);
    fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = -errno;
        log_err("cannot create a temporary file in %s: %s", dir, strerror(-rc));
        return rc;
    }
    rc = write_all(fd, data, len);
    if (rc == 0 && fsync(fd) < 0) {
        rc = -errno;
    }
    if (close(fd) < 0 && rc == 0) {
        rc = -errno;
    }
    if (rc == 0 && rename(tmp, path) < 0) {
        rc = -errno;
    }
    if (rc < 0) {
        log_err("cannot write state file %s: %s", path, strerror(-rc));
        goto out_unlink_tmp;
    }
    return 0;

out_unlink_tmp:
    unlink(tmp);
    return rc;
}

int state_remove(const char *key)
{
    g_autofree char *path = NULL;

    if (!state_key_valid(key)) {
        return -EINVAL;
    }
    path = state_path(key);
    if (unlink(path) < 0 && errno != ENOENT) {
        int rc = -errno;

        log_err("cannot remove state file %s: %s", path, strerror(-rc));
        return rc;
    }
    return 0;
}

gboolean state_exists(const char *key)
{
    g_autofree char *path = NULL;
    struct stat st;

    if (!state_key_valid(key)) {
        return FALSE;
    }
    path = state_path(key);
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}
