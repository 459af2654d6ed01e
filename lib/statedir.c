/*
 * statedir: switch the NFS state directory to a symlink into shared storage
 * and back, as a state machine over what lies at state_dir and its backup
 * name: each round looks (lstat, readlink), then takes one atomic step in the
 * parent directory, so a killed run leaves a state the next round knows.
 */
#include "config.h"

#include "statedir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "deadline.h"
#include "log.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* Rounds of look-and-step before giving up on a state that keeps moving. */
#define STATEDIR_ROUNDS 8

/* The longest path handled (room left for the suffixes). */
#define STATEDIR_PATH_MAX (PATH_MAX - 32)

/* Recheck interval of statedir_storage_wait() between mount-table events. */
#define STATEDIR_RECHECK_MS 250

static void set_reason(char **ret_reason, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void set_reason(char **ret_reason, const char *fmt, ...)
{
    va_list ap;

    if (ret_reason == NULL) {
        return;
    }
    g_free(*ret_reason);
    va_start(ap, fmt);
    *ret_reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

/*
 * A clean path: absolute (or relative, as asked), no empty, "." or ".."
 * component, no trailing '/', not "/" itself, bounded.
 */
static bool path_clean(const char *path, bool absolute)
{
    const char *p;
    size_t len;

    if (path == NULL) {
        return false;
    }
    len = strlen(path);
    if (len == 0 || len > STATEDIR_PATH_MAX || (path[0] == '/') != absolute ||
        strcmp(path, "/") == 0) {
        return false;
    }
    p = absolute ? path + 1 : path;
    for (;;) {
        const char *end = strchrnul(p, '/');
        size_t n = (size_t)(end - p);

        if (n == 0 || (n == 1 && p[0] == '.') ||
            (n == 2 && p[0] == '.' && p[1] == '.')) {
            return false;
        }
        if (*end == '\0') {
            return true;
        }
        p = end + 1;
    }
}

/* Whether \p path is a clean absolute path strictly below \p mnt. */
static bool path_below(const char *path, const char *mnt)
{
    size_t n = strlen(mnt);

    return path_clean(path, true) && strncmp(path, mnt, n) == 0 &&
           path[n] == '/';
}

/* ---- what lies at a name in the parent directory ----------------------- */

enum entry_kind {
    ENTRY_MISSING,
    ENTRY_DIR,     /* a real directory */
    ENTRY_OURS,    /* a symlink below mnt */
    ENTRY_FOREIGN, /* any other symlink */
    ENTRY_OTHER,   /* a file, a FIFO, ... */
};

struct entry {
    enum entry_kind kind;
    char text[PATH_MAX]; /* the link's text, for a symlink */
};

static const char *entry_kind_name(enum entry_kind kind)
{
    switch (kind) {
    case ENTRY_MISSING:
        return "missing";
    case ENTRY_DIR:
        return "a directory";
    case ENTRY_OURS:
        return "a link into the shared storage";
    case ENTRY_FOREIGN:
        return "a link outside the shared storage";
    default:
        return "neither a directory nor a symlink";
    }
}

/* The parent directory of state_dir and the three names used in it. */
struct sd {
    int dfd;
    const char *path; /* state_dir, for messages */
    const char *mnt;
    char *name;   /* basename of state_dir */
    char *backup; /* name + STATEDIR_BACKUP_SUFFIX */
    char *fresh;  /* name + STATEDIR_NEW_SUFFIX */
    bool no_exchange;
};

static int sd_open(struct sd *sd, const char *state_dir, const char *mnt,
                   char **ret_reason)
{
    g_autofree char *parent = g_path_get_dirname(state_dir);

    sd->path = state_dir;
    sd->mnt = mnt;
    sd->no_exchange = false;
    sd->dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sd->dfd < 0) {
        int r = -errno;

        set_reason(ret_reason, "cannot open %s (the parent of %s): %s", parent,
                   state_dir, g_strerror(-r));
        return r;
    }
    sd->name = g_path_get_basename(state_dir);
    sd->backup = g_strconcat(sd->name, STATEDIR_BACKUP_SUFFIX, NULL);
    sd->fresh = g_strconcat(sd->name, STATEDIR_NEW_SUFFIX, NULL);
    return 0;
}

static void sd_close(struct sd *sd)
{
    if (sd->dfd >= 0) {
        close(sd->dfd);
        sd->dfd = -1;
    }
    g_clear_pointer(&sd->name, g_free);
    g_clear_pointer(&sd->backup, g_free);
    g_clear_pointer(&sd->fresh, g_free);
}

/* Make the renames durable (a crash of the node, not only of the agent). */
static void sd_sync(const struct sd *sd)
{
    if (fsync(sd->dfd) < 0) {
        log_debug("fsync of the parent of %s failed: %s, ignoring", sd->path,
                  g_strerror(errno));
    }
}

static int sd_look(const struct sd *sd, const char *name, struct entry *e,
                   char **ret_reason)
{
    struct stat st;
    ssize_t n;

    if (fstatat(sd->dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        int r = -errno;

        if (r == -ENOENT) {
            e->kind = ENTRY_MISSING;
            return 0;
        }
        set_reason(ret_reason, "cannot check %s next to %s: %s", name, sd->path,
                   g_strerror(-r));
        return r;
    }
    if (S_ISDIR(st.st_mode)) {
        e->kind = ENTRY_DIR;
        return 0;
    }
    if (!S_ISLNK(st.st_mode)) {
        e->kind = ENTRY_OTHER;
        return 0;
    }
    n = readlinkat(sd->dfd, name, e->text, sizeof(e->text) - 1);
    if (n < 0) {
        int r = -errno;

        set_reason(ret_reason, "cannot read the link %s next to %s: %s", name,
                   sd->path, g_strerror(-r));
        return r;
    }
    e->text[n] = '\0';
    e->kind = path_below(e->text, sd->mnt) ? ENTRY_OURS : ENTRY_FOREIGN;
    return 0;
}

/* ---- the steps: one system call each ------------------------------------ */

static int step_symlink(const struct sd *sd, const char *text, const char *name,
                        char **ret_reason)
{
    if (symlinkat(text, sd->dfd, name) < 0) {
        int r = -errno;

        set_reason(ret_reason, "cannot create the link %s -> %s next to %s: %s",
                   name, text, sd->path, g_strerror(-r));
        return r;
    }
    log_debug("created link %s -> %s", name, text);
    return 0;
}

static int step_unlink(const struct sd *sd, const char *name, int flags,
                       char **ret_reason)
{
    if (unlinkat(sd->dfd, name, flags) < 0) {
        int r = -errno;

        set_reason(ret_reason, "cannot remove %s next to %s: %s", name,
                   sd->path, g_strerror(-r));
        return r;
    }
    log_debug("removed %s", name);
    return 0;
}

static int step_mkdir(const struct sd *sd, const char *name, char **ret_reason)
{
    if (mkdirat(sd->dfd, name, 0755) < 0) {
        int r = -errno;

        set_reason(ret_reason, "cannot create the directory %s next to %s: %s",
                   name, sd->path, g_strerror(-r));
        return r;
    }
    log_debug("created directory %s", name);
    return 0;
}

/* rename that never replaces: RENAME_NOREPLACE, else check then rename. */
static int step_rename_noreplace(const struct sd *sd, const char *from,
                                 const char *to, char **ret_reason)
{
    int r = 0;

    if (renameat2(sd->dfd, from, sd->dfd, to, RENAME_NOREPLACE) < 0) {
        r = -errno;
        if (r == -EINVAL || r == -ENOSYS) {
            struct stat st;

            /* No RENAME_NOREPLACE here; only this agent renames these. */
            if (fstatat(sd->dfd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                r = -EEXIST;
            } else {
                r = renameat(sd->dfd, from, sd->dfd, to) < 0 ? -errno : 0;
            }
        }
    }
    if (r < 0) {
        set_reason(ret_reason, "cannot rename %s to %s next to %s: %s", from,
                   to, sd->path, g_strerror(-r));
        return r;
    }
    log_debug("renamed %s to %s", from, to);
    return 0;
}

/* rename that replaces \p to (a link by a link). */
static int step_rename(const struct sd *sd, const char *from, const char *to,
                       char **ret_reason)
{
    if (renameat(sd->dfd, from, sd->dfd, to) < 0) {
        int r = -errno;

        set_reason(ret_reason, "cannot rename %s to %s next to %s: %s", from,
                   to, sd->path, g_strerror(-r));
        return r;
    }
    log_debug("renamed %s over %s", from, to);
    return 0;
}

/*
 * Swap two names in one step. A file system without RENAME_EXCHANGE: sets
 * sd->no_exchange and returns 0 with nothing done; the caller's next round
 * takes the path without it.
 */
static int step_exchange(struct sd *sd, const char *a, const char *b,
                         char **ret_reason)
{
    if (renameat2(sd->dfd, a, sd->dfd, b, RENAME_EXCHANGE) < 0) {
        int r = -errno;

        if (r == -EINVAL || r == -ENOSYS) {
            log_notice("no RENAME_EXCHANGE next to %s (%s): switching "
                       "without it, %s is briefly missing",
                       sd->path, g_strerror(-r), sd->path);
            sd->no_exchange = true;
            return 0;
        }
        set_reason(ret_reason, "cannot exchange %s and %s next to %s: %s", a, b,
                   sd->path, g_strerror(-r));
        return r;
    }
    log_debug("exchanged %s and %s", a, b);
    return 0;
}

/* Our link at <state_dir>.new is what a killed retarget leaves. */
static void sd_drop_fresh(const struct sd *sd)
{
    struct entry e;

    if (sd_look(sd, sd->fresh, &e, NULL) == 0 && e.kind == ENTRY_OURS &&
        unlinkat(sd->dfd, sd->fresh, 0) < 0) {
        log_warn("cannot remove the leftover link %s next to %s: %s, "
                 "ignoring",
                 sd->fresh, sd->path, g_strerror(errno));
    }
}

/* ---- the storage --------------------------------------------------------- */

/* Whether the directory at \p fd is the root of a mount. */
static int fd_is_mount_root(int fd, const char *path, bool *ret_root)
{
    struct statx sx;
    struct stat st;
    struct stat up;

    if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0 &&
        (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0) {
        *ret_root = (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
        return 0;
    }
    /* Before Linux 5.8: another device than the parent's is a mount. */
    if (fstat(fd, &st) < 0 || fstatat(fd, "..", &up, 0) < 0) {
        return -errno;
    }
    if (st.st_dev != up.st_dev) {
        *ret_root = true;
        return 0;
    }
    /* Same device (a bind mount?): ask the mount table. */
    {
        g_autofree char *real = realpath(path, NULL);
        g_autofree char *table = NULL;
        g_auto(GStrv) lines = NULL;

        if (real == NULL ||
            !g_file_get_contents("/proc/self/mountinfo", &table, NULL, NULL)) {
            *ret_root = false;
            return 0;
        }
        lines = g_strsplit(table, "\n", -1);
        for (char **l = lines; *l != NULL; l++) {
            g_auto(GStrv) fields = g_strsplit(*l, " ", 6);
            g_autofree char *point = NULL;

            if (g_strv_length(fields) < 6) {
                continue;
            }
            /* mountinfo escapes space, tab, newline and '\' as \ooo */
            point = g_strcompress(fields[4]);
            if (strcmp(point, real) == 0) {
                *ret_root = true;
                return 0;
            }
        }
    }
    *ret_root = false;
    return 0;
}

int statedir_mount_check(const char *mnt, char **ret_reason)
{
    bool root = false;
    int fd;
    int r;

    if (!path_clean(mnt, true)) {
        set_reason(ret_reason, "the shared storage's mount point is not a "
                               "clean absolute path");
        return -EINVAL;
    }
    fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        r = -errno;
        set_reason(ret_reason, "ha_vol_mnt %s %s: %s", mnt,
                   r == -ENOENT ? "is missing" : "cannot be opened",
                   g_strerror(-r));
        return r;
    }
    r = fd_is_mount_root(fd, mnt, &root);
    close(fd);
    if (r < 0) {
        set_reason(ret_reason, "cannot tell whether %s is a mount point: %s",
                   mnt, g_strerror(-r));
        return r;
    }
    if (!root) {
        set_reason(ret_reason,
                   "ha_vol_mnt %s is not a mount point: the shared storage "
                   "is not mounted there",
                   mnt);
        return -ENOMEDIUM;
    }
    return 0;
}

int statedir_target_check(const char *mnt, const char *rel, char **ret_reason)
{
    g_auto(GStrv) parts = NULL;
    g_autofree char *walked = NULL;
    int fd;
    int r = 0;

    if (!path_clean(mnt, true) || !path_clean(rel, false)) {
        set_reason(ret_reason, "the shared storage's paths are not clean");
        return -EINVAL;
    }
    fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        r = -errno;
        set_reason(ret_reason, "ha_vol_mnt %s %s: %s", mnt,
                   r == -ENOENT ? "is missing" : "cannot be opened",
                   g_strerror(-r));
        return r;
    }
    walked = g_strdup(mnt);
    parts = g_strsplit(rel, "/", -1);
    for (char **p = parts; *p != NULL; p++) {
        int next;
        char *longer = g_strconcat(walked, "/", *p, NULL);

        g_free(walked);
        walked = longer;
        next = openat(fd, *p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            struct stat st;

            r = -errno;
            if ((r == -ENOTDIR || r == -ELOOP) &&
                fstatat(fd, *p, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                r = S_ISLNK(st.st_mode) ? -ELOOP : -ENOTDIR;
            }
            break;
        }
        close(fd);
        fd = next;
    }
    close(fd);
    switch (r) {
    case 0:
        break;
    case -ENOENT:
        set_reason(ret_reason, "%s is missing on the shared storage", walked);
        break;
    case -ELOOP:
        set_reason(ret_reason,
                   "%s is a symlink: links on the shared storage are not "
                   "followed",
                   walked);
        break;
    case -ENOTDIR:
        set_reason(ret_reason, "%s is not a directory", walked);
        break;
    default:
        set_reason(ret_reason, "cannot open %s: %s", walked, g_strerror(-r));
        break;
    }
    return r;
}

bool statedir_storage_transient(int r)
{
    return r == -ENOMEDIUM || r == -ENOENT || r == -ENOTCONN || r == -ESTALE;
}

int statedir_storage_wait(const char *mnt, const char *rel, int64_t deadline,
                          char **ret_reason)
{
    g_autofree char *reason = NULL;
    int64_t start = deadline_now();
    bool logged = false;
    int fd;
    int r;

    /* A change of the mount table makes this readable with POLLPRI. */
    fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    for (;;) {
        g_clear_pointer(&reason, g_free);
        r = statedir_mount_check(mnt, &reason);
        if (r == 0) {
            r = statedir_target_check(mnt, rel, &reason);
        }
        if (r == 0 || !statedir_storage_transient(r) ||
            deadline_passed(deadline)) {
            break;
        }
        if (!logged) {
            log_notice("%s; waiting for it", reason);
            logged = true;
        }
        if (fd >= 0) {
            struct pollfd pfd = {.fd = fd, .events = POLLPRI};
            int64_t ms = MIN(deadline_left_ms(deadline), STATEDIR_RECHECK_MS);

            (void)poll(&pfd, 1, (int)ms);
        } else {
            deadline_sleep(STATEDIR_RECHECK_MS, deadline);
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    if (r < 0) {
        if (logged) {
            set_reason(ret_reason, "%s (waited %.1f s)", reason,
                       (double)(deadline_now() - start) / 1e6);
        } else if (ret_reason != NULL) {
            g_free(*ret_reason);
            *ret_reason = g_steal_pointer(&reason);
        }
        return r;
    }
    if (logged) {
        log_notice("the shared storage at %s is ready after %.1f s", mnt,
                   (double)(deadline_now() - start) / 1e6);
    }
    return 0;
}

/* ---- switch, restore, check -------------------------------------------- */

static int check_paths(const char *state_dir, const char *mnt, const char *rel,
                       char **ret_reason)
{
    size_t n;

    if (!path_clean(state_dir, true) || !path_clean(mnt, true) ||
        (rel != NULL && !path_clean(rel, false))) {
        set_reason(ret_reason, "the state directory or the shared storage's "
                               "path is not a clean path");
        return -EINVAL;
    }
    n = strlen(mnt);
    if (strncmp(state_dir, mnt, n) == 0 &&
        (state_dir[n] == '\0' || state_dir[n] == '/')) {
        set_reason(ret_reason, "%s lies in the shared storage %s", state_dir,
                   mnt);
        return -EINVAL;
    }
    n = strlen(state_dir);
    if (strncmp(mnt, state_dir, n) == 0 && mnt[n] == '/') {
        set_reason(ret_reason, "the shared storage %s lies in %s", mnt,
                   state_dir);
        return -EINVAL;
    }
    return 0;
}

/* One round of the switch: 1 when done, 0 to look again, or -errno. */
static int switch_round(struct sd *sd, const char *target, char **ret_reason)
{
    struct entry cur;
    struct entry bak;
    int r;

    r = sd_look(sd, sd->name, &cur, ret_reason);
    if (r < 0) {
        return r;
    }
    switch (cur.kind) {
    case ENTRY_MISSING:
        r = step_symlink(sd, target, sd->name, ret_reason);
        return r < 0 ? r : 1;
    case ENTRY_OURS:
        if (strcmp(cur.text, target) == 0) {
            return 1;
        }
        /* Ours, to another target: no backup needed, replace it. */
        sd_drop_fresh(sd);
        r = step_symlink(sd, target, sd->fresh, ret_reason);
        if (r == 0) {
            r = step_rename(sd, sd->fresh, sd->name, ret_reason);
        }
        return r < 0 ? r : 1;
    case ENTRY_DIR:
    case ENTRY_FOREIGN:
        break;
    default:
        set_reason(ret_reason,
                   "%s is neither a directory nor a symlink: not replaced",
                   sd->path);
        return -EEXIST;
    }

    /* A directory or a foreign link: it becomes the backup. */
    r = sd_look(sd, sd->backup, &bak, ret_reason);
    if (r < 0) {
        return r;
    }
    switch (bak.kind) {
    case ENTRY_MISSING:
        if (sd->no_exchange) {
            /* state_dir is missing until the next round links it */
            return step_rename_noreplace(sd, sd->name, sd->backup, ret_reason);
        }
        /* The link is built at the backup name, then swapped in. */
        return step_symlink(sd, target, sd->backup, ret_reason);
    case ENTRY_OURS:
        /* Built by a killed run, or left by a killed restore. */
        if (sd->no_exchange || strcmp(bak.text, target) != 0) {
            return step_unlink(sd, sd->backup, 0, ret_reason);
        }
        r = step_exchange(sd, sd->backup, sd->name, ret_reason);
        return r < 0 || sd->no_exchange ? r : 1;
    default:
        set_reason(ret_reason,
                   "%s is %s and %s%s is %s already: refusing to replace or "
                   "nest a backup; move one of them away",
                   sd->path, entry_kind_name(cur.kind), sd->path,
                   STATEDIR_BACKUP_SUFFIX, entry_kind_name(bak.kind));
        return -EEXIST;
    }
}

int statedir_switch(const char *state_dir, const char *mnt, const char *rel,
                    char **ret_reason)
{
    g_autofree char *target = NULL;
    struct sd sd = {.dfd = -1};
    int r;

    r = check_paths(state_dir, mnt, rel, ret_reason);
    if (r < 0) {
        return r;
    }
    r = statedir_target_check(mnt, rel, ret_reason);
    if (r < 0) {
        return r;
    }
    target = g_strconcat(mnt, "/", rel, NULL);
    r = sd_open(&sd, state_dir, mnt, ret_reason);
    if (r < 0) {
        return r;
    }
    for (int i = 0; i < STATEDIR_ROUNDS; i++) {
        r = switch_round(&sd, target, ret_reason);
        if (r != 0) {
            break;
        }
    }
    if (r == 0) {
        set_reason(ret_reason, "%s keeps changing while it is switched",
                   state_dir);
        r = -EAGAIN;
    }
    if (r > 0) {
        sd_drop_fresh(&sd);
        sd_sync(&sd);
        r = 0;
    }
    sd_close(&sd);
    return r;
}

/* One round of the restore: 1 when done, 0 to look again, or -errno. */
static int restore_round(struct sd *sd, char **ret_reason)
{
    struct entry cur;
    struct entry bak;
    int r;

    r = sd_look(sd, sd->name, &cur, ret_reason);
    if (r == 0) {
        r = sd_look(sd, sd->backup, &bak, ret_reason);
    }
    if (r < 0) {
        return r;
    }
    switch (cur.kind) {
    case ENTRY_MISSING:
        switch (bak.kind) {
        case ENTRY_DIR:
        case ENTRY_FOREIGN:
            r = step_rename_noreplace(sd, sd->backup, sd->name, ret_reason);
            return r < 0 ? r : 1;
        case ENTRY_OURS:
            return step_unlink(sd, sd->backup, 0, ret_reason);
        default:
            r = step_mkdir(sd, sd->name, ret_reason);
            return r < 0 ? r : 1;
        }
    case ENTRY_OURS:
        break;
    default:
        /* Not ours (restored already, or an administrator's): left alone;
         * our link at the backup name is what a killed run leaves. */
        if (bak.kind == ENTRY_OURS) {
            return step_unlink(sd, sd->backup, 0, ret_reason);
        }
        return 1;
    }

    /* state_dir is our link: the backup (or an empty directory) replaces it */
    switch (bak.kind) {
    case ENTRY_DIR:
    case ENTRY_FOREIGN:
        if (sd->no_exchange) {
            /* state_dir is missing until the next round renames it back */
            return step_unlink(sd, sd->name, 0, ret_reason);
        }
        return step_exchange(sd, sd->backup, sd->name, ret_reason);
    case ENTRY_MISSING:
        /* No backup: an empty one, swapped in the same way. */
        return step_mkdir(sd, sd->backup, ret_reason);
    case ENTRY_OURS:
        return step_unlink(sd, sd->backup, 0, ret_reason);
    default:
        set_reason(ret_reason,
                   "%s%s is neither a directory nor a symlink: cannot "
                   "restore %s from it",
                   sd->path, STATEDIR_BACKUP_SUFFIX, sd->path);
        return -ENOTDIR;
    }
}

int statedir_restore(const char *state_dir, const char *mnt, char **ret_reason)
{
    struct sd sd = {.dfd = -1};
    int r;

    r = check_paths(state_dir, mnt, NULL, ret_reason);
    if (r < 0) {
        return r;
    }
    r = sd_open(&sd, state_dir, mnt, ret_reason);
    if (r == -ENOENT) {
        /* no parent directory: nothing of ours can be there */
        if (ret_reason != NULL) {
            g_clear_pointer(ret_reason, g_free);
        }
        return 0;
    }
    if (r < 0) {
        return r;
    }
    sd_drop_fresh(&sd);
    for (int i = 0; i < STATEDIR_ROUNDS; i++) {
        r = restore_round(&sd, ret_reason);
        if (r != 0) {
            break;
        }
    }
    if (r == 0) {
        set_reason(ret_reason, "%s keeps changing while it is restored",
                   state_dir);
        r = -EAGAIN;
    }
    if (r > 0) {
        sd_sync(&sd);
        r = 0;
    }
    sd_close(&sd);
    return r;
}

int statedir_check(const char *state_dir, const char *mnt, const char *rel)
{
    char text[PATH_MAX];
    struct stat st;
    ssize_t n;
    size_t m;

    if (check_paths(state_dir, mnt, rel, NULL) < 0) {
        return -EINVAL;
    }
    if (lstat(state_dir, &st) < 0) {
        return -errno;
    }
    if (!S_ISLNK(st.st_mode)) {
        return -ENOLINK;
    }
    n = readlink(state_dir, text, sizeof(text) - 1);
    if (n < 0) {
        return -errno;
    }
    text[n] = '\0';
    m = strlen(mnt);
    return strncmp(text, mnt, m) == 0 && text[m] == '/' &&
                   strcmp(text + m + 1, rel) == 0
               ? 0
               : -EXDEV;
}
