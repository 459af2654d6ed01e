/*
 * tickle: see tickle.h.
 */
#include "config.h"

#include "tickle.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deadline.h"
#include "log.h"

/* TCP_ESTABLISHED of the kernel's enum (include/net/tcp_states.h) */
#define TICKLE_TCP_ESTABLISHED 1
/* the window a tickle announces (any non-zero value) */
#define TICKLE_WINDOW 1234
/* after the address came up: when each round of tickles goes, in ms; the
 * later rounds cover a client whose answer the first ones lost (its ARP
 * entry not yet updated, a DROP rule not yet removed) */
static const int tickle_rounds_ms[] = {0, 200, 500, 1000, 2000, 4000};

/* ip as an address family and its bytes */
static bool parse_ip(const char *ip, bool *ret_ipv6, uint8_t addr[16])
{
    memset(addr, 0, 16);
    if (ip == NULL) {
        return false;
    }
    if (inet_pton(AF_INET, ip, addr) == 1) {
        *ret_ipv6 = false;
        return true;
    }
    if (inet_pton(AF_INET6, ip, addr) == 1) {
        *ret_ipv6 = true;
        return true;
    }
    return false;
}

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0,    0,
                                            0, 0, 0, 0, 0xff, 0xff};

static int conn_cmp(gconstpointer a, gconstpointer b)
{
    const struct tickle_conn *x = a;
    const struct tickle_conn *y = b;
    int c = memcmp(x->addr, y->addr, sizeof(x->addr));

    if (c != 0) {
        return c;
    }
    return (int)x->port - (int)y->port;
}

/* sort out[from..] and drop its duplicates */
static int sort_unique(GArray *out, guint from)
{
    guint n = out->len - from;
    guint kept = 0;
    struct tickle_conn *v = &g_array_index(out, struct tickle_conn, from);

    if (n == 0) {
        return 0;
    }
    qsort(v, n, sizeof(*v), conn_cmp);
    for (guint i = 0; i < n; i++) {
        if (kept > 0 && conn_cmp(&v[kept - 1], &v[i]) == 0) {
            continue;
        }
        v[kept++] = v[i];
    }
    g_array_set_size(out, from + kept);
    return (int)kept;
}

/* one sock_diag dump of family's established TCP sockets */
static int list_family(int family, bool ipv6, const uint8_t local[16], int port,
                       GArray *out)
{
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
    } msg = {
        .nlh =
            {
                .nlmsg_len = sizeof(msg),
                .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                .nlmsg_seq = 1,
            },
        .req =
            {
                .sdiag_family = (uint8_t)family,
                .sdiag_protocol = IPPROTO_TCP,
                .idiag_states = 1U << TICKLE_TCP_ESTABLISHED,
            },
    };
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    g_autofree uint8_t *buf = g_malloc(65536);
    int fd;
    int rc = 0;
    bool done = false;

    fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        return -errno;
    }
    if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel,
               sizeof(kernel)) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    while (!done && rc == 0) {
        ssize_t got = recv(fd, buf, 65536, 0);
        struct nlmsghdr *h = (struct nlmsghdr *)buf;
        size_t len;

        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            rc = -errno;
            break;
        }
        len = (size_t)got;
        for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            const struct inet_diag_msg *d = NLMSG_DATA(h);
            struct tickle_conn c = {0};
            const uint8_t *src = (const uint8_t *)d->id.idiag_src;
            const uint8_t *dst = (const uint8_t *)d->id.idiag_dst;

            if (h->nlmsg_type == NLMSG_DONE) {
                done = true;
                break;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);

                rc = e->error < 0 ? e->error : -EIO;
                break;
            }
            if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*d)) ||
                ntohs(d->id.idiag_sport) != port ||
                d->idiag_state != TICKLE_TCP_ESTABLISHED) {
                continue;
            }
            if (ipv6) {
                if (family != AF_INET6 || memcmp(src, local, 16) != 0) {
                    continue;
                }
                memcpy(c.addr, dst, 16);
            } else if (family == AF_INET) {
                if (memcmp(src, local, 4) != 0) {
                    continue;
                }
                memcpy(c.addr, dst, 4);
            } else {
                /* a dual-stack socket: ::ffff:a.b.c.d */
                if (memcmp(src, v4mapped_prefix, 12) != 0 ||
                    memcmp(src + 12, local, 4) != 0 ||
                    memcmp(dst, v4mapped_prefix, 12) != 0) {
                    continue;
                }
                memcpy(c.addr, dst + 12, 4);
            }
            c.port = ntohs(d->id.idiag_dport);
            if (out->len < TICKLE_MAX_CONNS) {
                g_array_append_val(out, c);
            }
        }
    }
    close(fd);
    return rc;
}

int tickle_list(const char *ip, int port, GArray *out)
{
    uint8_t local[16];
    bool ipv6 = false;
    guint from;
    int r;

    if (!parse_ip(ip, &ipv6, local) || port < 1 || port > 65535 ||
        out == NULL) {
        return -EINVAL;
    }
    from = out->len;
    r = list_family(AF_INET6, ipv6, local, port, out);
    if (r == 0 && !ipv6) {
        r = list_family(AF_INET, ipv6, local, port, out);
    }
    if (r < 0) {
        g_array_set_size(out, from);
        return r;
    }
    return sort_unique(out, from);
}

char *tickle_format(const GArray *conns, bool ipv6)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; conns != NULL && i < conns->len; i++) {
        const struct tickle_conn *c =
            &g_array_index(conns, struct tickle_conn, i);
        char text[INET6_ADDRSTRLEN];

        if (inet_ntop(ipv6 ? AF_INET6 : AF_INET, c->addr, text, sizeof(text)) !=
            NULL) {
            g_string_append_printf(s, "%s %u\n", text, c->port);
        }
    }
    return g_string_free(s, FALSE);
}

int tickle_parse(const char *text, bool ipv6, GArray *out)
{
    g_auto(GStrv) lines = NULL;
    guint from = out->len;

    if (text == NULL) {
        return 0;
    }
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i] != NULL && out->len < TICKLE_MAX_CONNS; i++) {
        g_auto(GStrv) f = g_strsplit(g_strstrip(lines[i]), " ", -1);
        struct tickle_conn c = {0};
        guint64 port = 0;

        if (g_strv_length(f) != 2 ||
            inet_pton(ipv6 ? AF_INET6 : AF_INET, f[0], c.addr) != 1 ||
            !g_ascii_string_to_unsigned(f[1], 10, 1, 65535, &port, NULL)) {
            continue;
        }
        c.port = (uint16_t)port;
        g_array_append_val(out, c);
    }
    return sort_unique(out, from);
}

static char *record_path(const char *dir, const char *ip)
{
    g_autofree char *name = g_strconcat(ip, TICKLE_SUFFIX, NULL);

    return g_build_filename(dir, name, NULL);
}

/* write text as ip's record in dir, unless it holds that already: 1 if
 * written, 0 if not, or a negative errno */
static int write_record(const char *dir, const char *ip, const char *text)
{
    g_autofree char *path = record_path(dir, ip);
    g_autofree char *old = NULL;
    g_autoptr(GError) err = NULL;

    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        return -ENOENT;
    }
    if (g_file_get_contents(path, &old, NULL, NULL) && strcmp(old, text) == 0) {
        return 0;
    }
    if (!g_file_set_contents_full(path, text, -1,
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0644, &err)) {
        log_debug("tickle: cannot write %s: %s", path, err->message);
        return -EIO;
    }
    return 1;
}

/* the record's text for ip:port now; the number of connections, or a
 * negative errno */
static int record_text(const char *ip, int port, char **ret_text)
{
    g_autoptr(GArray) conns =
        g_array_new(FALSE, TRUE, sizeof(struct tickle_conn));
    uint8_t addr[16];
    bool ipv6 = false;
    int n;

    if (!parse_ip(ip, &ipv6, addr)) {
        return -EINVAL;
    }
    n = tickle_list(ip, port, conns);
    if (n >= 0) {
        *ret_text = tickle_format(conns, ipv6);
    }
    return n;
}

/* the common start of both: the arguments checked, *ret_written false, the
 * text listed; the number of connections or a negative errno */
static int record_begin(const char *dir, const char *ip, int port,
                        char **ret_text, bool *ret_written)
{
    if (ret_written != NULL) {
        *ret_written = false;
    }
    if (dir == NULL || dir[0] == '\0') {
        return -EINVAL;
    }
    return record_text(ip, port, ret_text);
}

int tickle_record(const char *dir, const char *ip, int port, bool *ret_written)
{
    g_autofree char *text = NULL;
    int n = record_begin(dir, ip, port, &text, ret_written);
    int r;

    if (n < 0) {
        return n;
    }
    r = write_record(dir, ip, text);
    if (r < 0) {
        return r;
    }
    if (ret_written != NULL) {
        *ret_written = r > 0;
    }
    return n;
}

int tickle_record_within(const char *dir, const char *ip, int port,
                         const char *cache, const char *lock, int64_t deadline,
                         bool *ret_written)
{
    struct {
        int r;
    } res = {-EIO};
    struct pollfd p = {.events = POLLIN};
    g_autofree char *text = NULL;
    g_autofree char *cached = NULL;
    int pipefd[2];
    int lfd;
    int n = record_begin(dir, ip, port, &text, ret_written);
    int r;
    pid_t pid;

    if (n < 0) {
        return n;
    }
    /* what this node wrote last, in a local file: an unchanged set costs
     * no child and no access to the shared storage */
    if (g_file_get_contents(cache, &cached, NULL, NULL) &&
        strcmp(cached, text) == 0) {
        return n;
    }
    lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0) {
        return -errno;
    }
    if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
        r = errno == EWOULDBLOCK ? -EBUSY : -errno;
        close(lfd);
        return r;
    }
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        r = -errno;
        close(lfd);
        return r;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        r = -errno;
        close(pipefd[0]);
        close(pipefd[1]);
        close(lfd);
        return r;
    }
    if (pid == 0) {
        /* holds the lock (its copy of lfd) until it is done */
        close(pipefd[0]);
        res.r = write_record(dir, ip, text);
        (void)!write(pipefd[1], &res, sizeof(res));
        _exit(0);
    }
    close(lfd);
    close(pipefd[1]);
    p.fd = pipefd[0];
    do {
        r = poll(&p, 1, (int)MIN(deadline_left_ms(deadline), 60000));
    } while ((r < 0 && errno == EINTR) ||
             (r == 0 && !deadline_passed(deadline)));
    if (r > 0 && read(pipefd[0], &res, sizeof(res)) == (ssize_t)sizeof(res)) {
        r = res.r;
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
    } else if (r == 0) {
        r = -ETIMEDOUT; /* left to finish on its own, the lock with it */
        (void)waitpid(pid, NULL, WNOHANG);
    } else {
        r = r < 0 ? -errno : -EIO;
        (void)waitpid(pid, NULL, WNOHANG);
    }
    close(pipefd[0]);
    if (r < 0) {
        return r;
    }
    if (!g_file_set_contents(cache, text, -1, NULL)) {
        (void)unlink(cache); /* the next monitor writes again */
    }
    if (ret_written != NULL) {
        *ret_written = r > 0;
    }
    return n;
}

/* the ones' complement sum of len bytes, folded later */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    }
    if (len % 2 != 0) {
        sum += (uint32_t)(p[len - 1] << 8);
    }
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16 != 0) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)(v & 0xff);
}

size_t tickle_packet(const char *ip, int port, const struct tickle_conn *conn,
                     uint8_t *buf, size_t len)
{
    uint8_t src[16];
    bool ipv6 = false;
    size_t iplen;
    size_t alen;
    uint8_t *tcp;
    uint32_t sum;

    if (!parse_ip(ip, &ipv6, src) || port < 1 || port > 65535 || conn == NULL) {
        return 0;
    }
    iplen = ipv6 ? 40 : 20;
    alen = ipv6 ? 16 : 4;
    if (len < iplen + 20) {
        return 0;
    }
    memset(buf, 0, iplen + 20);
    if (ipv6) {
        buf[0] = 0x60;
        put16(buf + 4, 20); /* payload length */
        buf[6] = IPPROTO_TCP;
        buf[7] = 255; /* hop limit */
        memcpy(buf + 8, src, 16);
        memcpy(buf + 24, conn->addr, 16);
    } else {
        buf[0] = 0x45;
        put16(buf + 2, 40);     /* total length */
        put16(buf + 6, 0x4000); /* don't fragment */
        buf[8] = 255;           /* TTL */
        buf[9] = IPPROTO_TCP;
        memcpy(buf + 12, src, 4);
        memcpy(buf + 16, conn->addr, 4);
        put16(buf + 10, fold(sum16(buf, 20, 0)));
    }
    tcp = buf + iplen;
    put16(tcp, (uint16_t)port);
    put16(tcp + 2, conn->port);
    /* sequence and acknowledgement numbers 0 */
    tcp[12] = 5 << 4; /* data offset: 5 words */
    tcp[13] = 0x10;   /* ACK */
    put16(tcp + 14, TICKLE_WINDOW);
    /* the pseudo-header: both addresses, the protocol, the TCP length */
    sum = sum16(src, alen, 0);
    sum = sum16(conn->addr, alen, sum);
    sum += IPPROTO_TCP + 20;
    sum = sum16(tcp, 20, sum);
    put16(tcp + 16, fold(sum));
    return iplen + 20;
}

int tickle_send(const char *ip, int port, const GArray *conns)
{
    uint8_t src[16];
    bool ipv6 = false;
    int sent = 0;
    int fd;
    int err = 0;

    if (!parse_ip(ip, &ipv6, src)) {
        return -EINVAL;
    }
    if (conns == NULL || conns->len == 0) {
        return 0;
    }
    /* IPPROTO_RAW: the header is ours (IP_HDRINCL), both families */
    fd =
        socket(ipv6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    if (fd < 0) {
        return -errno;
    }
    for (guint i = 0; i < conns->len; i++) {
        const struct tickle_conn *c =
            &g_array_index(conns, struct tickle_conn, i);
        uint8_t pkt[60];
        size_t n = tickle_packet(ip, port, c, pkt, sizeof(pkt));
        struct sockaddr_in6 to6 = {.sin6_family = AF_INET6};
        struct sockaddr_in to4 = {.sin_family = AF_INET};
        const struct sockaddr *to = (const struct sockaddr *)&to4;
        socklen_t tolen = sizeof(to4);

        if (ipv6) {
            memcpy(&to6.sin6_addr, c->addr, 16);
            to = (const struct sockaddr *)&to6;
            tolen = sizeof(to6);
        } else {
            memcpy(&to4.sin_addr, c->addr, 4);
        }
        if (n > 0 && sendto(fd, pkt, n, 0, to, tolen) == (ssize_t)n) {
            sent++;
        } else if (err == 0) {
            err = errno != 0 ? errno : EIO;
        }
    }
    close(fd);
    return sent > 0 || err == 0 ? sent : -err;
}

/* whether ip (bytes of family) is an address of this host now */
static bool address_present(bool ipv6, const uint8_t addr[16])
{
    struct ifaddrs *list = NULL;
    bool found = false;

    if (getifaddrs(&list) < 0) {
        return false;
    }
    for (struct ifaddrs *i = list; i != NULL && !found; i = i->ifa_next) {
        if (i->ifa_addr == NULL) {
            continue;
        }
        if (!ipv6 && i->ifa_addr->sa_family == AF_INET) {
            found =
                memcmp(&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr,
                       addr, 4) == 0;
        } else if (ipv6 && i->ifa_addr->sa_family == AF_INET6) {
            found =
                memcmp(&((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr,
                       addr, 16) == 0;
        }
    }
    freeifaddrs(list);
    return found;
}

/* whether a netlink message batch announces addr */
static bool batch_announces(const uint8_t *buf, size_t len, bool ipv6,
                            const uint8_t addr[16])
{
    const struct nlmsghdr *h = (const struct nlmsghdr *)(const void *)buf;

    for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
        const struct ifaddrmsg *ifa = NLMSG_DATA(h);
        const struct rtattr *rta;
        int rlen;

        if (h->nlmsg_type != RTM_NEWADDR ||
            h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
            ifa->ifa_family != (ipv6 ? AF_INET6 : AF_INET)) {
            continue;
        }
        rta = IFA_RTA(ifa);
        rlen = (int)IFA_PAYLOAD(h);
        for (; RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen)) {
            if ((rta->rta_type == IFA_LOCAL || rta->rta_type == IFA_ADDRESS) &&
                RTA_PAYLOAD(rta) == (ipv6 ? 16U : 4U) &&
                memcmp(RTA_DATA(rta), addr, ipv6 ? 16 : 4) == 0) {
                return true;
            }
        }
    }
    return false;
}

bool tickle_address_here(const char *ip)
{
    uint8_t addr[16];
    bool ipv6 = false;

    return parse_ip(ip, &ipv6, addr) && address_present(ipv6, addr);
}

int tickle_wait_address(const char *ip, int64_t deadline)
{
    struct sockaddr_nl me = {.nl_family = AF_NETLINK};
    uint8_t addr[16];
    bool ipv6 = false;
    g_autofree uint8_t *buf = NULL;
    int fd;
    int rc = 0;

    if (!parse_ip(ip, &ipv6, addr)) {
        return -EINVAL;
    }
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
        return -errno;
    }
    me.nl_groups = ipv6 ? RTMGRP_IPV6_IFADDR : RTMGRP_IPV4_IFADDR;
    if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    /* subscribed first: an address that comes now is not missed */
    if (address_present(ipv6, addr)) {
        close(fd);
        return 1;
    }
    buf = g_malloc(16384);
    while (rc == 0) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int64_t left = deadline_left_ms(deadline);
        ssize_t got;
        int r;

        if (left <= 0) {
            break;
        }
        r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (r < 0 && errno != EINTR) {
            rc = -errno;
        }
        if (r <= 0) {
            continue;
        }
        got = recv(fd, buf, 16384, 0);
        if (got < 0) {
            if (errno == ENOBUFS) {
                /* missed events: ask the interfaces instead */
                rc = address_present(ipv6, addr) ? 1 : 0;
                continue;
            }
            if (errno != EINTR) {
                rc = -errno;
            }
            continue;
        }
        if (batch_announces(buf, (size_t)got, ipv6, addr)) {
            rc = 1;
        }
    }
    close(fd);
    return rc;
}

/* the grandchild: wait for the address, tickle in rounds, and exit */
static void tickle_run(const char *path, const char *ip, int port, int wait_ms)
{
    g_autoptr(GArray) conns =
        g_array_new(FALSE, TRUE, sizeof(struct tickle_conn));
    g_autofree char *text = NULL;
    uint8_t addr[16];
    bool ipv6 = false;
    int64_t start;
    int sent = 0;
    int r;

    (void)parse_ip(ip, &ipv6, addr);
    r = tickle_wait_address(ip, deadline_in(wait_ms, DEADLINE_NEVER));
    if (r <= 0) {
        log_info("tickle: %s did not come up here within %d s; no tickle", ip,
                 wait_ms / 1000);
        return;
    }
    /* read now, not at the start: the record is the latest the old holder
     * wrote before the address came here */
    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        tickle_parse(text, ipv6, conns) == 0) {
        log_debug("tickle: no connection recorded in %s", path);
        return;
    }
    start = deadline_now();
    for (size_t i = 0; i < G_N_ELEMENTS(tickle_rounds_ms); i++) {
        deadline_sleep(tickle_rounds_ms[i] - (deadline_now() - start) / 1000,
                       DEADLINE_NEVER);
        r = tickle_send(ip, port, conns);
        if (r < 0) {
            log_warn("tickle: cannot send tickle ACKs from %s: %s", ip,
                     g_strerror(-r));
            return;
        }
        sent += r;
    }
    log_notice("tickle: sent %d tickle ACK(s) to %u connection(s) recorded "
               "for %s, so that their clients reconnect now",
               sent, conns->len, ip);
}

int tickle_spawn(const char *dir, const char *ip, int port, int wait_ms,
                 const char *agent, const char *instance)
{
    g_autofree char *path = NULL;
    uint8_t addr[16];
    bool ipv6 = false;
    pid_t pid;
    int status = 0;

    if (dir == NULL || dir[0] == '\0' || !parse_ip(ip, &ipv6, addr) ||
        port < 1 || port > 65535) {
        return -EINVAL;
    }
    /* the record is read by the grandchild: a hung shared storage must not
     * hold up the start */
    path = record_path(dir, ip);
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        return -errno;
    }
    if (pid == 0) {
        int devnull;

        /* its own session: Pacemaker's process group kill at a timeout of
         * the agent does not reach it, and it holds no terminal */
        (void)setsid();
        pid = fork();
        if (pid != 0) {
            _exit(pid < 0 ? 1 : 0);
        }
        log_fini();
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull >= 0) {
            (void)dup2(devnull, STDIN_FILENO);
            (void)dup2(devnull, STDOUT_FILENO);
            (void)dup2(devnull, STDERR_FILENO);
        }
        /* no descriptor of the agent's is kept: not the pipes Pacemaker
         * reads the agent's output from, not a lock */
        if (close_range(3, ~0U, 0) < 0) {
            for (int fd = 3; fd < 65536; fd++) {
                (void)close(fd);
            }
        }
        signal(SIGPIPE, SIG_IGN);
        log_init(agent, instance);
        tickle_run(path, ip, port, wait_ms);
        log_fini();
        _exit(0);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return -ECHILD;
    }
    return 0;
}
