/*
 * nsm: NSM reboot notifications from a VIP (see nsm.h).
 */
#include "config.h"

#include "nsm.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "log.h"

/* First retransmission, and the longest interval between two. */
#define NSM_RETRY_FIRST_MS 500
#define NSM_RETRY_MAX_MS 4000
/* Longest verifier an RPC reply may carry (RFC 5531's opaque auth). */
#define NSM_VERF_MAX 400
/* Names listed in the log line of clients not notified. */
#define NSM_MISSED_SHOWN 10

bool nsm_name_valid(const char *name)
{
    size_t n = 0;

    if (name == NULL || name[0] == '\0' || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0) {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (++n > NSM_NAME_MAX || *p <= 0x20 || *p >= 0x7f || *p == '/') {
            return false;
        }
    }
    return true;
}

/* Whether dir/name is a regular file (statd's records are). */
static bool nsm_is_file(int dfd, const struct dirent *de)
{
    struct stat st;

    if (de->d_type == DT_REG) {
        return true;
    }
    if (de->d_type != DT_UNKNOWN) {
        return false;
    }
    return fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISREG(st.st_mode);
}

/* The directory rel under parent (AT_FDCWD: rel as is), or NULL and *err. */
static DIR *nsm_opendir(int parent, const char *rel, int *err)
{
    int fd = openat(parent, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d;

    if (fd < 0) {
        *err = -errno;
        return NULL;
    }
    d = fdopendir(fd);
    if (d == NULL) {
        *err = -errno;
        close(fd);
    }
    return d;
}

/* Add the records of one list directory. */
static int nsm_read_list(int parent, const char *rel, GPtrArray *names,
                         GHashTable *seen)
{
    struct dirent *de;
    int r = 0;
    DIR *d = nsm_opendir(parent, rel, &r);

    if (d == NULL) {
        return r;
    }
    while ((de = readdir(d)) != NULL) {
        char *copy;

        if (!nsm_name_valid(de->d_name) ||
            g_hash_table_contains(seen, de->d_name) ||
            !nsm_is_file(dirfd(d), de)) {
            continue;
        }
        if (names->len >= NSM_MAX_CLIENTS) {
            r = -E2BIG;
            break;
        }
        copy = g_strdup(de->d_name);
        g_ptr_array_add(names, copy);
        g_hash_table_add(seen, copy);
    }
    closedir(d);
    return r;
}

/* Add <node>/sm and <node>/NSM_HANDBACK_DIR under dfd ("." for its own);
 * *lists counts those read. 0, or -E2BIG. */
static int nsm_read_node(int dfd, const char *node, GPtrArray *names,
                         GHashTable *seen, int *lists)
{
    static const char *const kinds[] = {"sm", NSM_HANDBACK_DIR};

    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
        g_autofree char *rel = g_build_filename(node, kinds[i], NULL);
        int r = nsm_read_list(dfd, rel, names, seen);

        if (r == -E2BIG) {
            return r;
        }
        *lists += r == 0;
    }
    return 0;
}

int nsm_read_monitored(const char *statd_dir, GPtrArray *names)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    int lists = 0, r = 0;
    struct dirent *de;
    DIR *d = nsm_opendir(AT_FDCWD, statd_dir, &r);

    if (d == NULL) {
        return r;
    }
    for (guint i = 0; i < names->len; i++) {
        g_hash_table_add(seen, g_ptr_array_index(names, i));
    }
    r = nsm_read_node(dirfd(d), ".", names, seen, &lists);
    /* every other node's list, linked in as <statd_dir>/<node> */
    while (r == 0 && (de = readdir(d)) != NULL) {
        if (!nsm_name_valid(de->d_name) || strcmp(de->d_name, "sm") == 0 ||
            strcmp(de->d_name, "sm.bak") == 0 ||
            strcmp(de->d_name, NSM_HANDBACK_DIR) == 0 ||
            (de->d_type != DT_DIR && de->d_type != DT_LNK &&
             de->d_type != DT_UNKNOWN)) {
            continue;
        }
        r = nsm_read_node(dirfd(d), de->d_name, names, seen, &lists);
    }
    closedir(d);
    return r < 0 ? r : lists;
}

int nsm_handback(const char *statd_dir, const char *node)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    g_autofree char *dir = NULL;
    int r, count = 0;

    if (!nsm_name_valid(node)) {
        return -EINVAL;
    }
    dir = g_build_filename(statd_dir, "sm", NULL);
    r = nsm_read_list(AT_FDCWD, dir, names, seen);
    g_clear_pointer(&dir, g_free);
    if (r < 0 && r != -ENOENT) {
        return r;
    }
    if (names->len == 0) {
        return 0;
    }
    dir = g_build_filename(statd_dir, node, NSM_HANDBACK_DIR, NULL);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        return -errno;
    }
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path =
            g_build_filename(dir, g_ptr_array_index(names, i), NULL);
        int f = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

        if (f < 0) {
            r = -errno;
            continue;
        }
        close(f);
        count++;
    }
    return count > 0 ? count : r;
}

void nsm_handback_done(const char *statd_dir, GPtrArray *names)
{
    g_autofree char *dir = g_build_filename(statd_dir, NSM_HANDBACK_DIR, NULL);

    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *path = NULL;

        if (!nsm_name_valid(name)) {
            continue;
        }
        path = g_build_filename(dir, name, NULL);
        (void)unlink(path);
    }
}

int32_t nsm_state_now(void)
{
    struct timespec ts;
    uint64_t ms;

    clock_gettime(CLOCK_REALTIME, &ts);
    ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    return (int32_t)(((uint32_t)(ms >> 1) & 0x3fffffffu) * 2u + 1u);
}

/* ---- XDR ------------------------------------------------------------- */

struct nsm_buf {
    uint8_t *p;
    size_t size, len;
    bool overflow;
};

static void nsm_put(struct nsm_buf *b, uint32_t v)
{
    if (b->size - b->len < 4) {
        b->overflow = true;
        return;
    }
    v = htonl(v);
    memcpy(b->p + b->len, &v, 4);
    b->len += 4;
}

/* The call header up to and including an AUTH_NULL verifier. */
static void nsm_put_call(struct nsm_buf *b, uint32_t xid, uint32_t prog,
                         uint32_t vers, uint32_t proc)
{
    nsm_put(b, xid);
    nsm_put(b, 0); /* CALL */
    nsm_put(b, 2); /* RPC version */
    nsm_put(b, prog);
    nsm_put(b, vers);
    nsm_put(b, proc);
    nsm_put(b, 0); /* AUTH_NULL credential */
    nsm_put(b, 0);
    nsm_put(b, 0); /* AUTH_NULL verifier */
    nsm_put(b, 0);
}

size_t nsm_encode_getport(uint8_t *buf, size_t size, uint32_t xid)
{
    struct nsm_buf b = {.p = buf, .size = size};

    nsm_put_call(&b, xid, NSM_PMAP_PROG, NSM_PMAP_VERS, NSM_PMAP_GETPORT);
    nsm_put(&b, NSM_SM_PROG);
    nsm_put(&b, NSM_SM_VERS);
    nsm_put(&b, IPPROTO_UDP);
    nsm_put(&b, 0);
    return b.overflow ? 0 : b.len;
}

size_t nsm_encode_notify(uint8_t *buf, size_t size, uint32_t xid,
                         const char *mon_name, int32_t state)
{
    struct nsm_buf b = {.p = buf, .size = size};
    size_t n = strlen(mon_name), padded = (n + 3) & ~(size_t)3;

    if (n > NSM_NAME_MAX) {
        return 0;
    }
    nsm_put_call(&b, xid, NSM_SM_PROG, NSM_SM_VERS, NSM_SM_NOTIFY);
    nsm_put(&b, (uint32_t)n);
    if (b.overflow || b.size - b.len < padded + 4) {
        return 0;
    }
    memset(b.p + b.len, 0, padded);
    memcpy(b.p + b.len, mon_name, n);
    b.len += padded;
    nsm_put(&b, (uint32_t)state);
    return b.overflow ? 0 : b.len;
}

static bool nsm_get(const uint8_t *buf, size_t len, size_t *off, uint32_t *v)
{
    if (len - *off < 4) {
        return false;
    }
    memcpy(v, buf + *off, 4);
    *v = ntohl(*v);
    *off += 4;
    return true;
}

int nsm_parse_reply(const uint8_t *buf, size_t len, uint32_t *ret_xid,
                    uint32_t *ret_value)
{
    uint32_t xid, mtype, stat, flavor, vlen, value = 0;
    size_t off = 0;

    if (buf == NULL || !nsm_get(buf, len, &off, &xid) ||
        !nsm_get(buf, len, &off, &mtype) || mtype != 1 ||
        !nsm_get(buf, len, &off, &stat)) {
        return -EBADMSG;
    }
    *ret_xid = xid;
    if (stat != 0) {
        return -EPROTO; /* MSG_DENIED */
    }
    if (!nsm_get(buf, len, &off, &flavor) || !nsm_get(buf, len, &off, &vlen) ||
        vlen > NSM_VERF_MAX || len - off < ((vlen + 3) & ~3u)) {
        return -EBADMSG;
    }
    off += (vlen + 3) & ~3u;
    if (!nsm_get(buf, len, &off, &stat)) {
        return -EBADMSG;
    }
    if (stat != 0) {
        return -EPROTO; /* PROG_UNAVAIL, PROC_UNAVAIL, ... */
    }
    (void)nsm_get(buf, len, &off, &value);
    *ret_value = value;
    return 0;
}

/* ---- sending --------------------------------------------------------- */

enum nsm_stage { NSM_RESOLVE, NSM_PORT, NSM_NOTIFY, NSM_DONE, NSM_FAILED };

struct nsm_peer {
    const char *name;
    struct sockaddr_storage sa;
    socklen_t salen;
    enum nsm_stage stage;
    bool no_statd;
    int64_t next;        /* when to send next (deadline clock, us) */
    int64_t interval_ms; /* until the retransmission after that */
    struct gaicb *gai;   /* while resolving a name */
};

/* An address literal of the socket's family, with port. */
static bool nsm_parse_addr(const char *s, int family, uint16_t port,
                           struct sockaddr_storage *sa, socklen_t *salen)
{
    memset(sa, 0, sizeof(*sa));
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)sa;

        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        *salen = sizeof(*in);
        return inet_pton(AF_INET, s, &in->sin_addr) == 1;
    }
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;

    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    *salen = sizeof(*in6);
    return inet_pton(AF_INET6, s, &in6->sin6_addr) == 1;
}

static void nsm_set_port(struct sockaddr_storage *sa, uint16_t port)
{
    if (sa->ss_family == AF_INET) {
        ((struct sockaddr_in *)sa)->sin_port = htons(port);
    } else {
        ((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
    }
}

/* Whether two addresses are the same host (the port is not compared). */
static bool nsm_same_host(const struct sockaddr_storage *a,
                          const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family) {
        return false;
    }
    if (a->ss_family == AF_INET) {
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    }
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr,
                  sizeof(struct in6_addr)) == 0;
}

/* A socket bound to src (port chosen by the kernel). */
static int nsm_socket(const char *src_ip, int64_t deadline, int *ret_family)
{
    struct sockaddr_storage sa;
    socklen_t salen;
    int family = strchr(src_ip, ':') != NULL ? AF_INET6 : AF_INET;
    int64_t bind_limit = deadline_in(deadline_left_ms(deadline) / 4, deadline);
    int fd, r;

    if (!nsm_parse_addr(src_ip, family, 0, &sa, &salen)) {
        return -EINVAL;
    }
    fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    /* an IPv6 address may still be tentative (duplicate address
     * detection) right after IPaddr2's start: try again for a while */
    while ((r = bind(fd, (struct sockaddr *)&sa, salen)) < 0 &&
           errno == EADDRNOTAVAIL && !deadline_passed(bind_limit)) {
        deadline_sleep(100, bind_limit);
    }
    if (r < 0) {
        r = -errno;
        close(fd);
        return r;
    }
    *ret_family = family;
    return fd;
}

static void nsm_send(int fd, struct nsm_peer *p, uint32_t xid,
                     const char *mon_name, int32_t state)
{
    uint8_t msg[NSM_MSG_MAX];
    size_t len;

    if (p->stage == NSM_PORT) {
        len = nsm_encode_getport(msg, sizeof(msg), xid);
    } else {
        len = nsm_encode_notify(msg, sizeof(msg), xid, mon_name, state);
    }
    /* a lost or refused datagram is sent again: no error matters here */
    (void)sendto(fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *)&p->sa,
                 p->salen);
}

/* Move p to stage, due now. */
static void nsm_enter(struct nsm_peer *p, enum nsm_stage stage)
{
    p->stage = stage;
    p->next = deadline_now();
    p->interval_ms = NSM_RETRY_FIRST_MS;
}

/* A request done with (finished or cancelled), its answer and its name. */
static void nsm_gai_free(struct gaicb **gai)
{
    if (*gai != NULL) {
        if ((*gai)->ar_result != NULL) {
            freeaddrinfo((*gai)->ar_result);
        }
        g_free((char *)(*gai)->ar_name);
        g_clear_pointer(gai, g_free);
    }
}

/* Start resolving the names that are not address literals; the hints
 * they share (free them once no request is left with the resolver). */
static struct addrinfo *nsm_resolve(struct nsm_peer *peers, guint n, int family)
{
    g_autofree struct gaicb **list = g_new0(struct gaicb *, n);
    struct addrinfo *hints = g_new0(struct addrinfo, 1);
    int count = 0;

    hints->ai_family = family;
    hints->ai_socktype = SOCK_DGRAM;
    for (guint i = 0; i < n; i++) {
        if (peers[i].stage != NSM_RESOLVE) {
            continue;
        }
        peers[i].gai = g_new0(struct gaicb, 1);
        /* its own copy: the resolver may still read it after we return */
        peers[i].gai->ar_name = g_strdup(peers[i].name);
        peers[i].gai->ar_request = hints;
        list[count++] = peers[i].gai;
    }
    if (count > 0 && getaddrinfo_a(GAI_NOWAIT, list, count, NULL) != 0) {
        for (guint i = 0; i < n; i++) {
            nsm_gai_free(&peers[i].gai);
            if (peers[i].stage == NSM_RESOLVE) {
                peers[i].stage = NSM_FAILED;
            }
        }
    }
    return hints;
}

/* Names resolved since the last look move on to the portmapper. */
static bool nsm_resolved(struct nsm_peer *peers, guint n, uint16_t pmap_port)
{
    bool pending = false;

    for (guint i = 0; i < n; i++) {
        struct nsm_peer *p = &peers[i];
        int e;

        if (p->stage != NSM_RESOLVE || p->gai == NULL) {
            continue;
        }
        e = gai_error(p->gai);
        if (e == EAI_INPROGRESS) {
            pending = true;
            continue;
        }
        if (e == 0 && p->gai->ar_result != NULL &&
            p->gai->ar_result->ai_addrlen <= sizeof(p->sa)) {
            memcpy(&p->sa, p->gai->ar_result->ai_addr,
                   p->gai->ar_result->ai_addrlen);
            p->salen = p->gai->ar_result->ai_addrlen;
            nsm_set_port(&p->sa, pmap_port);
            nsm_enter(p, NSM_PORT);
        } else {
            p->stage = NSM_FAILED;
        }
        nsm_gai_free(&p->gai);
    }
    return pending;
}

/* Read every reply waiting on fd. xids maps an xid to peer index * 4 + stage.
 */
static void nsm_receive(int fd, struct nsm_peer *peers, GHashTable *xids,
                        guint *notified)
{
    uint8_t msg[NSM_MSG_MAX];
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof(from);
    ssize_t len;

    while ((len = recvfrom(fd, msg, sizeof(msg), 0, (struct sockaddr *)&from,
                           &fromlen)) >= 0) {
        uint32_t xid = 0, value = 0;
        gpointer v;
        struct nsm_peer *p;
        int r = nsm_parse_reply(msg, (size_t)len, &xid, &value);
        guint tag;

        fromlen = sizeof(from);
        if (r == -EBADMSG || !g_hash_table_lookup_extended(
                                 xids, GUINT_TO_POINTER(xid), NULL, &v)) {
            continue;
        }
        tag = GPOINTER_TO_UINT(v);
        p = &peers[tag / 4];
        if ((enum nsm_stage)(tag % 4) != p->stage ||
            !nsm_same_host(&from, &p->sa)) {
            continue; /* a late answer to an earlier stage, or a stranger */
        }
        if (r < 0) {
            p->stage = NSM_FAILED;
        } else if (p->stage == NSM_PORT) {
            if (value == 0 || value > 65535) {
                p->no_statd = true;
                p->stage = NSM_FAILED;
                continue;
            }
            nsm_set_port(&p->sa, (uint16_t)value);
            nsm_enter(p, NSM_NOTIFY);
        } else {
            p->stage = NSM_DONE;
            (*notified)++;
        }
    }
}

static void nsm_tally(struct nsm_peer *peers, guint n, struct nsm_result *res)
{
    guint shown = 0, missed = 0;

    res->missed = g_string_new(NULL);
    res->answered = g_ptr_array_new();
    for (guint i = 0; i < n; i++) {
        struct nsm_peer *p = &peers[i];

        if (p->stage == NSM_DONE) {
            g_ptr_array_add(res->answered, (gpointer)p->name);
            continue;
        }
        if (p->no_statd) {
            res->no_statd++;
        } else if (p->stage == NSM_RESOLVE ||
                   (p->stage == NSM_FAILED && p->salen == 0)) {
            res->unresolved++;
        } else {
            res->silent++;
        }
        missed++;
        if (shown < NSM_MISSED_SHOWN) {
            g_string_append_printf(res->missed, "%s%s", shown ? ", " : "",
                                   p->name);
            shown++;
        }
    }
    if (missed > shown) {
        g_string_append_printf(res->missed, " and %u more", missed - shown);
    }
}

int nsm_notify(const char *src_ip, int32_t state, GPtrArray *names,
               int64_t deadline, struct nsm_result *res)
{
    return nsm_notify_port(src_ip, state, names, 111, deadline, res);
}

int nsm_notify_port(const char *src_ip, int32_t state, GPtrArray *names,
                    uint16_t pmap_port, int64_t deadline,
                    struct nsm_result *res)
{
    g_autoptr(GHashTable) xids = g_hash_table_new(NULL, NULL);
    g_autofree struct nsm_peer *peers = NULL;
    guint n = names->len, open = n;
    uint32_t xid = g_random_int();
    struct addrinfo *hints;
    bool resolving, busy = false;
    int family = AF_INET, fd;

    memset(res, 0, sizeof(*res));
    if (src_ip == NULL || strlen(src_ip) >= INET6_ADDRSTRLEN) {
        return -EINVAL;
    }
    fd = nsm_socket(src_ip, deadline, &family);
    if (fd < 0) {
        return fd;
    }
    peers = g_new0(struct nsm_peer, n > 0 ? n : 1);
    for (guint i = 0; i < n; i++) {
        struct nsm_peer *p = &peers[i];

        p->name = g_ptr_array_index(names, i);
        if (nsm_parse_addr(p->name, family, pmap_port, &p->sa, &p->salen)) {
            nsm_enter(p, NSM_PORT);
        } else {
            p->salen = 0;
            p->stage = NSM_RESOLVE;
        }
    }
    hints = nsm_resolve(peers, n, family);
    resolving = true;
    while (!deadline_passed(deadline)) {
        int64_t now = deadline_now(), wait_ms = deadline_left_ms(deadline);
        struct pollfd pfd = {.fd = fd, .events = POLLIN};

        if (resolving) {
            resolving = nsm_resolved(peers, n, pmap_port);
            wait_ms = MIN(wait_ms, 20); /* look at the resolver again soon */
        }
        open = 0;
        for (guint i = 0; i < n; i++) {
            struct nsm_peer *p = &peers[i];

            if (p->stage == NSM_RESOLVE) {
                open++;
            }
            if (p->stage != NSM_PORT && p->stage != NSM_NOTIFY) {
                continue;
            }
            open++;
            if (p->next <= now) {
                xid++;
                g_hash_table_insert(xids, GUINT_TO_POINTER(xid),
                                    GUINT_TO_POINTER(i * 4 + p->stage));
                nsm_send(fd, p, xid, src_ip, state);
                p->next = now + p->interval_ms * 1000;
                p->interval_ms = MIN(p->interval_ms * 2, NSM_RETRY_MAX_MS);
            }
            wait_ms = MIN(wait_ms, (p->next - now + 999) / 1000);
        }
        if (open == 0) {
            break;
        }
        if (poll(&pfd, 1, (int)MAX(wait_ms, 1)) > 0) {
            nsm_receive(fd, peers, xids, &res->notified);
        }
    }
    close(fd);
    for (guint i = 0; i < n; i++) {
        if (peers[i].gai != NULL &&
            (gai_cancel(peers[i].gai) == EAI_CANCELED ||
             gai_error(peers[i].gai) != EAI_INPROGRESS)) {
            nsm_gai_free(&peers[i].gai);
        }
        /* a request the resolver still works on keeps its memory, and
         * the hints it reads */
        busy = busy || peers[i].gai != NULL;
    }
    if (!busy) {
        g_free(hints);
    }
    nsm_tally(peers, n, res);
    return 0;
}
