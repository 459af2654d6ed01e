/*
 * state: small key files under HA_RSCTMP. Written to a temporary file in the
 * same directory and renamed over the old one, so a reader sees the old or
 * the new content, never half of it; read with O_NOFOLLOW | O_NONBLOCK.
 * Writers serialise on an OFD lock per key, which also makes any temporary
 * they find a stale one.
 */
#include "config.h"

#include "state.h"

#include "deadline.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#define STATE_DIR_DEFAULT "/run/resource-agents"
#define STATE_KEY_MAX 200
/* A state file is a few lines; anything bigger is not ours. */
#define STATE_FILE_MAX (64 * 1024)
/* Suffix of the lock file ".<key>.lock" (never a temporary: those have 6). */
#define STATE_LOCK_SUFFIX ".lock"
/* Length of mkstemp's random part in ".<key>.XXXXXX". */
#define STATE_TMP_RANDOM 6
/* Poll period of a taken lock, and the bound of a write's own locking. */
#define STATE_LOCK_POLL_MS 10
#define STATE_LOCK_WAIT_MS 5000

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

static const char *file_type_name(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFDIR:
        return "a directory";
    case S_IFIFO:
        return "a FIFO";
    case S_IFSOCK:
        return "a socket";
    case S_IFCHR:
    case S_IFBLK:
        return "a device";
    case S_IFLNK:
        return "a symbolic link";
    default:
        return "not a regular file";
    }
}

int state_load(const char *key, GKeyFile **ret_kf, int64_t *ret_age_s,
               struct result *res)
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
        result_set(res, OCF_ERR_GENERIC, "invalid state file key");
        return -EINVAL;
    }
    path = state_path(key);
    /* O_NONBLOCK: a FIFO planted there must not hang the action */
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        rc = -errno;
        if (rc == -ELOOP) {
            log_err("state file %s is a symbolic link, not reading it", path);
            result_set(res, OCF_ERR_GENERIC,
                       "state file %s is a symbolic link (remove it)", path);
        } else if (rc != -ENOENT) {
            result_set(res, OCF_ERR_GENERIC, "cannot open state file %s: %s",
                       path, g_strerror(-rc));
        }
        return rc;
    }
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        result_set(res, OCF_ERR_GENERIC, "cannot stat state file %s: %s", path,
                   g_strerror(-rc));
        goto out_close_fd;
    }
    if (!S_ISREG(st.st_mode)) {
        log_err("state file %s is %s", path, file_type_name(st.st_mode));
        result_set(res, OCF_ERR_GENERIC,
                   "state file %s is %s, not a regular file (remove it)", path,
                   file_type_name(st.st_mode));
        rc = -EINVAL;
        goto out_close_fd;
    }
    if (st.st_size > STATE_FILE_MAX) {
        log_err("state file %s is too large (%lld bytes)", path,
                (long long)st.st_size);
        result_set(res, OCF_ERR_GENERIC,
                   "state file %s is too large (%lld bytes; remove it)", path,
                   (long long)st.st_size);
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
            result_set(res, OCF_ERR_GENERIC, "cannot read state file %s: %s",
                       path, g_strerror(-rc));
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
        result_set(res, OCF_ERR_GENERIC,
                   "state file %s is unparsable (%s; remove it)", path,
                   error->message);
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

int state_read(const char *key, GKeyFile **ret_kf, int64_t *ret_age_s)
{
    return state_load(key, ret_kf, ret_age_s, NULL);
}

/* ---- the lock ------------------------------------------------------------ */

/* key -> descriptor of its locked lock file, for this process */
static GHashTable *held_locks;
/* the process held_locks belongs to: a forked child holds nothing */
static pid_t held_pid;

static void unlock_all(void);

static char *lock_path(const char *key)
{
    g_autofree char *name = g_strconcat(".", key, STATE_LOCK_SUFFIX, NULL);

    return g_build_filename(state_dir(), name, NULL);
}

static int make_state_dir(void)
{
    const char *dir = state_dir();
    int rc;

    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        /* the parent may be missing too (a fresh HA_RSCTMP) */
        if (errno != ENOENT || g_mkdir_with_parents(dir, 0700) < 0) {
            rc = -errno;
            log_err("cannot create state directory %s: %s", dir, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

/*
 * One attempt: 0 with *ret_fd locked, -EAGAIN if another holds it, or an
 * error. The lock file is removed by its holder at unlock, so a lock taken
 * on a file no longer at the path is worthless: the caller tries again.
 */
/* Whether this process holds the lock of \p key. */
static bool lock_held(const char *key)
{
    if (held_locks != NULL && held_pid != getpid()) {
        /* inherited over fork(): the parent's, not ours (fds stay open) */
        g_hash_table_steal_all(held_locks);
        held_pid = getpid();
    }
    return held_locks != NULL && g_hash_table_contains(held_locks, key);
}

static int lock_try(const char *path, int *ret_fd)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    struct stat fst, pst;
    int fd;
    int rc;

    fd = open(path,
              O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
              0600);
    if (fd < 0) {
        return -errno;
    }
    if (fstat(fd, &fst) < 0) {
        rc = -errno;
        goto out_close_fd;
    }
    if (!S_ISREG(fst.st_mode)) {
        rc = -EINVAL;
        goto out_close_fd;
    }
    if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
        rc = (errno == EACCES || errno == EAGAIN) ? -EAGAIN : -errno;
        goto out_close_fd;
    }
    if (stat(path, &pst) < 0 || pst.st_dev != fst.st_dev ||
        pst.st_ino != fst.st_ino) {
        rc = -EAGAIN; /* its holder removed it meanwhile */
        goto out_close_fd;
    }
    *ret_fd = fd;
    return 0;

out_close_fd:
    close(fd);
    return rc;
}

int state_lock(const char *key, int64_t deadline, struct result *res)
{
    g_autofree char *path = NULL;
    int fd = -1;
    int rc;

    if (!state_key_valid(key)) {
        result_set(res, OCF_ERR_GENERIC, "invalid state file key");
        return -EINVAL;
    }
    if (lock_held(key)) {
        return 0;
    }
    rc = make_state_dir();
    if (rc < 0) {
        result_set(res, OCF_ERR_GENERIC, "cannot create state directory %s: %s",
                   state_dir(), g_strerror(-rc));
        return rc;
    }
    path = lock_path(key);
    for (;;) {
        rc = lock_try(path, &fd);
        if (rc != -EAGAIN) {
            break;
        }
        if (deadline_passed(deadline)) {
            rc = -ETIMEDOUT;
            break;
        }
        deadline_sleep(STATE_LOCK_POLL_MS, deadline);
    }
    if (rc == -ETIMEDOUT) {
        log_err("state file %s stays locked by another action", key);
        result_set(res, OCF_ERR_GENERIC,
                   "state file %s stays locked by another action", key);
        return rc;
    }
    if (rc < 0) {
        log_err("cannot lock %s: %s", path,
                rc == -EINVAL ? "not a regular file" : g_strerror(-rc));
        result_set(res, OCF_ERR_GENERIC, "cannot lock %s: %s", path,
                   rc == -EINVAL ? "not a regular file (remove it)"
                                 : g_strerror(-rc));
        return rc;
    }
    if (held_locks == NULL) {
        held_locks =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        held_pid = getpid();
        /* an action that returns leaves no lock file behind */
        atexit(unlock_all);
    }
    g_hash_table_insert(held_locks, g_strdup(key), GINT_TO_POINTER(fd));
    return 0;
}

void state_unlock(const char *key)
{
    g_autofree char *path = NULL;
    gpointer value;

    if (key == NULL || !lock_held(key) ||
        !g_hash_table_lookup_extended(held_locks, key, NULL, &value)) {
        return;
    }
    /* removed while still held: a waiter finds it gone and starts over */
    path = lock_path(key);
    (void)unlink(path);
    close(GPOINTER_TO_INT(value));
    g_hash_table_remove(held_locks, key);
}

static void unlock_all(void)
{
    g_autoptr(GList) keys = NULL;

    if (held_locks == NULL || held_pid != getpid()) {
        return;
    }
    keys = g_hash_table_get_keys(held_locks);
    for (GList *k = keys; k != NULL; k = k->next) {
        g_autofree char *key = g_strdup(k->data);

        state_unlock(key);
    }
}

/*
 * Remove the temporaries ".<key>.XXXXXX" in the state directory: called with
 * the key's lock held, so their writer is gone (killed between link and
 * rename).
 */
static void remove_stale_temporaries(const char *key)
{
    g_autofree char *prefix = g_strconcat(".", key, ".", NULL);
    size_t plen = strlen(prefix);
    DIR *d = opendir(state_dir());
    struct dirent *e;

    if (d == NULL) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, plen) != 0 ||
            strlen(e->d_name) != plen + STATE_TMP_RANDOM) {
            continue;
        }
        if (unlinkat(dirfd(d), e->d_name, 0) == 0) {
            log_info("removed the stale temporary %s/%s", state_dir(),
                     e->d_name);
        }
    }
    closedir(d);
}

/* Take the key's lock for one call unless the caller holds it: 1 if taken. */
static int lock_for_call(const char *key, bool *ret_taken)
{
    int rc;

    *ret_taken = false;
    if (lock_held(key)) {
        return 0;
    }
    rc = state_lock(key, deadline_in(STATE_LOCK_WAIT_MS, DEADLINE_NEVER), NULL);
    if (rc == 0) {
        *ret_taken = true;
    }
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

/* "<dir>/.<key>.XXXXXX" with a random XXXXXX, as mkstemp names them. */
static char *random_temporary(const char *dir, const char *key)
{
    static const char chars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char suffix[STATE_TMP_RANDOM + 1];

    for (int i = 0; i < STATE_TMP_RANDOM; i++) {
        suffix[i] = chars[g_random_int_range(0, (gint32)sizeof(chars) - 1)];
    }
    suffix[STATE_TMP_RANDOM] = '\0';
    return g_strdup_printf("%s/.%s.%s", dir, key, suffix);
}

/*
 * A file with \p data under the temporary name *ret_tmp: written unnamed
 * (O_TMPFILE) and linked only when complete, so a kill while writing
 * leaves nothing; mkstemp where the file system lacks O_TMPFILE.
 */
static int write_temporary(const char *key, const char *data, size_t len,
                           char **ret_tmp)
{
    const char *dir = state_dir();
    g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, key);
    bool named = false;
    int fd;
    int rc;

    fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
        fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
        named = true;
    }
    if (fd < 0) {
        rc = -errno;
        log_err("cannot create a temporary file in %s: %s", dir, strerror(-rc));
        return rc;
    }
    rc = write_all(fd, data, len);
    if (rc == 0 && fsync(fd) < 0) {
        rc = -errno;
    }
    while (rc == 0 && !named) {
        g_autofree char *fdpath = g_strdup_printf("/proc/self/fd/%d", fd);

        /* a fresh random name each try: linkat does not overwrite */
        g_free(tmp);
        tmp = random_temporary(dir, key);
        if (linkat(AT_FDCWD, fdpath, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
            named = true;
        } else if (errno != EEXIST) {
            rc = -errno;
        }
    }
    if (close(fd) < 0 && rc == 0) {
        rc = -errno;
    }
    if (rc < 0) {
        if (named) {
            unlink(tmp);
        }
        return rc;
    }
    *ret_tmp = g_steal_pointer(&tmp);
    return 0;
}

int state_write(const char *key, GKeyFile *kf)
{
    g_autofree char *path = NULL;
    g_autofree char *tmp = NULL;
    g_autofree char *data = NULL;
    bool locked = false;
    gsize len = 0;
    int rc;

    if (!state_key_valid(key) || kf == NULL) {
        return -EINVAL;
    }
    rc = make_state_dir();
    if (rc < 0) {
        return rc;
    }
    path = state_path(key);
    rc = lock_for_call(key, &locked);
    if (rc < 0) {
        log_err("cannot write state file %s: %s", path, strerror(-rc));
        return rc;
    }
    remove_stale_temporaries(key);
    data = g_key_file_to_data(kf, &len, NULL);
    rc = write_temporary(key, data, len, &tmp);
    if (rc == 0 && rename(tmp, path) < 0) {
        rc = -errno;
        unlink(tmp);
    }
    if (rc < 0) {
        log_err("cannot write state file %s: %s", path, strerror(-rc));
    }
    if (locked) {
        state_unlock(key);
    }
    return rc;
}

int state_remove(const char *key)
{
    g_autofree char *path = NULL;
    bool locked = false;
    int rc = 0;

    if (!state_key_valid(key)) {
        return -EINVAL;
    }
    path = state_path(key);
    if (!g_file_test(state_dir(), G_FILE_TEST_IS_DIR)) {
        return 0; /* no directory: no file, nothing to lock */
    }
    /* best effort: a remove must not fail because a lock is taken */
    (void)lock_for_call(key, &locked);
    remove_stale_temporaries(key);
    if (unlink(path) < 0 && errno != ENOENT) {
        rc = -errno;
        if (rc == -EISDIR || rc == -EPERM) {
            /* a directory planted there */
            rc = rmdir(path) < 0 ? -errno : 0;
        }
        if (rc < 0) {
            log_err("cannot remove state file %s: %s", path, strerror(-rc));
        }
    }
    if (locked) {
        state_unlock(key);
    }
    return rc;
}

int state_mark_started(const char *key, char **ret_reason)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    int r;

    g_key_file_set_boolean(kf, "state", "started", TRUE);
    r = state_write(key, kf);
    if (r < 0) {
        *ret_reason =
            g_strdup_printf("cannot write the state file: %s", g_strerror(-r));
    }
    return r;
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
