/*
 * test_tickle: the tickle ACK's bytes and checksums (IPv4, IPv6), the
 * record's text both ways, bad lines skipped, the connections of a real
 * loopback socket found (plain and dual-stack), a record written only when
 * it changed, and the wait for an address. The ACKs' effect on a real
 * client: tests/integration/handoff-tickle.sh.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "deadline.h"
#include "tickle.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* the ones' complement sum of a buffer, folded: 0xffff over a checksummed
 * header (its checksum included) */
static uint16_t folded(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    }
    while (sum >> 16 != 0) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)sum;
}

static void test_packet_ipv4(void **state)
{
    struct tickle_conn c = {.port = 789};
    uint8_t pkt[60];
    uint8_t pseudo[12];
    size_t n;

    (void)state;
    assert_int_equal(inet_pton(AF_INET, "10.77.0.211", c.addr), 1);
    n = tickle_packet("10.77.0.101", 2049, &c, pkt, sizeof(pkt));
    assert_int_equal(n, 40);
    assert_int_equal(pkt[0], 0x45);
    assert_int_equal(pkt[9], IPPROTO_TCP);
    assert_memory_equal(pkt + 16, c.addr, 4);
    assert_int_equal(folded(pkt, 20, 0), 0xffff);
    /* TCP: 2049 -> 789, seq 0, ack 0, ACK only */
    assert_int_equal(pkt[20] << 8 | pkt[21], 2049);
    assert_int_equal(pkt[22] << 8 | pkt[23], 789);
    for (int i = 24; i < 32; i++) {
        assert_int_equal(pkt[i], 0);
    }
    assert_int_equal(pkt[33], 0x10);
    memcpy(pseudo, pkt + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = IPPROTO_TCP;
    pseudo[10] = 0;
    pseudo[11] = 20;
    assert_int_equal(folded(pkt + 20, 20, folded(pseudo, 12, 0)), 0xffff);
    /* too small a buffer, a bad address */
    assert_int_equal(tickle_packet("10.77.0.101", 2049, &c, pkt, 39), 0);
    assert_int_equal(tickle_packet("10.77.0", 2049, &c, pkt, sizeof(pkt)), 0);
    assert_int_equal(tickle_packet("10.77.0.1", 0, &c, pkt, sizeof(pkt)), 0);
}

static void test_packet_ipv6(void **state)
{
    struct tickle_conn c = {.port = 40000};
    uint8_t pkt[60];
    uint8_t pseudo[40] = {0};
    size_t n;

    (void)state;
    assert_int_equal(inet_pton(AF_INET6, "fd00:77::211", c.addr), 1);
    n = tickle_packet("fd00:77::101", 2049, &c, pkt, sizeof(pkt));
    assert_int_equal(n, 60);
    assert_int_equal(pkt[0] >> 4, 6);
    assert_int_equal(pkt[6], IPPROTO_TCP);
    assert_memory_equal(pkt + 24, c.addr, 16);
    assert_int_equal(pkt[40] << 8 | pkt[41], 2049);
    assert_int_equal(pkt[42] << 8 | pkt[43], 40000);
    memcpy(pseudo, pkt + 8, 32);
    pseudo[35] = 20;
    pseudo[39] = IPPROTO_TCP;
    assert_int_equal(folded(pkt + 40, 20, folded(pseudo, 40, 0)), 0xffff);
}

static void test_record_text(void **state)
{
    g_autoptr(GArray) v = g_array_new(FALSE, TRUE, sizeof(struct tickle_conn));
    g_autoptr(GArray) v6 = g_array_new(FALSE, TRUE, sizeof(struct tickle_conn));
    g_autofree char *text = NULL;
    g_autofree char *text6 = NULL;

    (void)state;
    /* sorted, duplicates once, bad lines skipped */
    assert_int_equal(tickle_parse("10.0.0.9 700\n"
                                  "10.0.0.2 800\n"
                                  "10.0.0.9 700\n"
                                  "garbage\n"
                                  "10.0.0.3 0\n"
                                  "10.0.0.3 65536\n"
                                  "10.0.0.3 12x\n"
                                  "fd00::1 700\n"
                                  "10.0.0.4 1 extra\n"
                                  "  10.0.0.5 900  \n"
                                  "\n",
                                  false, v),
                     3);
    text = tickle_format(v, false);
    assert_string_equal(text, "10.0.0.2 800\n10.0.0.5 900\n10.0.0.9 700\n");
    assert_int_equal(tickle_parse("fd00::1 700\n10.0.0.1 5\n", true, v6), 1);
    text6 = tickle_format(v6, true);
    assert_string_equal(text6, "fd00::1 700\n");
    assert_int_equal(tickle_parse(NULL, false, v), 0);
}

/* a listener on addr (family), its port in *ret_port */
static int listener(int family, const char *addr, int *ret_port)
{
    struct sockaddr_storage ss = {0};
    socklen_t len;
    int fd = socket(family, SOCK_STREAM, 0);
    int off = 0;

    assert_true(fd >= 0);
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
        a->sin6_family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, addr, &a->sin6_addr), 1);
        len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;

        a->sin_family = AF_INET;
        assert_int_equal(inet_pton(AF_INET, addr, &a->sin_addr), 1);
        len = sizeof(*a);
    }
    assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
    assert_int_equal(listen(fd, 4), 0);
    len = sizeof(ss);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    *ret_port = family == AF_INET6
                    ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                    : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

/* connect from 127.0.0.1 to 127.0.0.1:port; the client's port */
static int connect_local(int port, int *ret_fd)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *ret_fd = fd;
    return ntohs(a.sin_port);
}

static void check_listed(int family, const char *bind_addr)
{
    g_autoptr(GArray) v = g_array_new(FALSE, TRUE, sizeof(struct tickle_conn));
    int port;
    int lfd = listener(family, bind_addr, &port);
    int cfd;
    int afd;
    int cport = connect_local(port, &cfd);
    uint8_t lo[4] = {127, 0, 0, 1};
    bool found = false;
    int n;

    afd = accept(lfd, NULL, NULL);
    assert_true(afd >= 0);
    n = tickle_list("127.0.0.1", port, v);
    assert_true(n >= 1);
    for (guint i = 0; i < v->len; i++) {
        const struct tickle_conn *c = &g_array_index(v, struct tickle_conn, i);

        if (c->port == cport && memcmp(c->addr, lo, 4) == 0) {
            found = true;
        }
    }
    assert_true(found);
    /* another address, another port: not listed */
    g_array_set_size(v, 0);
    assert_int_equal(tickle_list("127.0.0.2", port, v), 0);
    assert_int_equal(tickle_list("10.0.0.1", 0, v), -EINVAL);
    assert_int_equal(tickle_list("not an address", 2049, v), -EINVAL);
    close(afd);
    close(cfd);
    close(lfd);
}

static void test_list_ipv4(void **state)
{
    (void)state;
    check_listed(AF_INET, "127.0.0.1");
}

static void test_list_dual_stack(void **state)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);

    (void)state;
    if (fd < 0) {
        skip(); /* no IPv6 here */
    }
    close(fd);
    check_listed(AF_INET6, "::"); /* [::ffff:127.0.0.1]:port */
}

static void test_record_file(void **state)
{
    g_autofree char *dir = g_dir_make_tmp("test_tickle.XXXXXX", NULL);
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    g_autofree char *want = NULL;
    int port;
    int lfd = listener(AF_INET, "127.0.0.1", &port);
    int cfd;
    int cport = connect_local(port, &cfd);
    int afd = accept(lfd, NULL, NULL);
    bool written = false;

    (void)state;
    assert_non_null(dir);
    assert_true(afd >= 0);
    assert_int_equal(tickle_record(dir, "127.0.0.1", port, &written), 1);
    assert_true(written);
    path = g_build_filename(dir, "127.0.0.1" TICKLE_SUFFIX, NULL);
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    want = g_strdup_printf("127.0.0.1 %d\n", cport);
    assert_string_equal(text, want);
    /* unchanged: not written again */
    assert_int_equal(tickle_record(dir, "127.0.0.1", port, &written), 1);
    assert_false(written);
    /* the connection gone: an empty record */
    close(afd);
    close(cfd);
    g_free(text);
    text = NULL;
    assert_int_equal(tickle_record(dir, "127.0.0.1", port, &written), 0);
    assert_true(written);
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    assert_string_equal(text, "");
    /* no directory, a bad address */
    assert_int_equal(tickle_record("/nonexistent/dir", "127.0.0.1", port, NULL),
                     -ENOENT);
    assert_int_equal(tickle_record(dir, "bad", port, NULL), -EINVAL);
    assert_int_equal(g_unlink(path), 0);
    assert_int_equal(g_rmdir(dir), 0);
    close(lfd);
}

/* tickle_record_within() of 127.0.0.1:port, waited for up to ms */
static int record_in(const char *dir, int port, const char *cache,
                     const char *lock, int ms, bool *ret_written)
{
    return tickle_record_within(dir, "127.0.0.1", port, cache, lock,
                                deadline_in(ms, DEADLINE_NEVER), ret_written);
}

static void test_record_within(void **state)
{
    g_autofree char *dir = g_dir_make_tmp("test_tickle.XXXXXX", NULL);
    g_autofree char *lock = g_build_filename(dir, "lock", NULL);
    g_autofree char *cache = g_build_filename(dir, "cache", NULL);
    g_autofree char *path =
        g_build_filename(dir, "127.0.0.1" TICKLE_SUFFIX, NULL);
    g_autofree char *text = NULL;
    int port;
    int lfd = listener(AF_INET, "127.0.0.1", &port);
    int cfd;
    int afd;
    int hold;
    int w;
    bool written = false;
    int64_t t0;

    (void)state;
    (void)connect_local(port, &cfd);
    afd = accept(lfd, NULL, NULL);
    assert_true(afd >= 0);
    assert_int_equal(record_in(dir, port, cache, lock, 5000, &written), 1);
    assert_true(written);
    /* the local copy of what was written */
    assert_true(g_file_get_contents(cache, &text, NULL, NULL));
    assert_non_null(strstr(text, "127.0.0.1 "));
    /* unchanged: neither the lock nor the directory is touched, so a held
     * lock does not matter */
    hold = open(lock, O_RDWR);
    assert_true(hold >= 0);
    assert_int_equal(flock(hold, LOCK_EX | LOCK_NB), 0);
    assert_int_equal(record_in(dir, port, cache, lock, 5000, &written), 1);
    assert_false(written);
    /* changed (no local copy) while an earlier one is still at it (its
     * lock held): nothing done */
    assert_int_equal(g_unlink(cache), 0);
    assert_int_equal(record_in(dir, port, cache, lock, 5000, NULL), -EBUSY);
    close(hold);
    /* a shared record holding the same: not written again */
    assert_int_equal(record_in(dir, port, cache, lock, 5000, &written), 1);
    assert_false(written);
    /* a record that blocks its reader (a FIFO, as a hung storage would):
     * the caller goes on at the deadline */
    assert_int_equal(g_unlink(cache), 0);
    assert_int_equal(g_unlink(path), 0);
    assert_int_equal(mkfifo(path, 0600), 0);
    t0 = deadline_now();
    assert_int_equal(record_in(dir, port, cache, lock, 300, NULL), -ETIMEDOUT);
    assert_true(deadline_now() - t0 < 3000 * 1000);
    /* the child still holds the lock until its read ends */
    assert_int_equal(record_in(dir, port, cache, lock, 300, NULL), -EBUSY);
    w = open(path, O_WRONLY | O_NONBLOCK);
    assert_true(w >= 0);
    close(w);
    for (int i = 0; i < 100; i++) {
        if (record_in(dir, port, cache, lock, 2000, NULL) != -EBUSY) {
            break;
        }
        g_usleep(20000);
    }
    close(afd);
    close(cfd);
    close(lfd);
    (void)g_unlink(path);
    (void)g_unlink(lock);
    (void)g_unlink(cache);
    assert_int_equal(g_rmdir(dir), 0);
}

static void test_wait_address(void **state)
{
    int64_t t0;

    (void)state;
    assert_int_equal(
        tickle_wait_address("127.0.0.1", deadline_in(1000, DEADLINE_NEVER)), 1);
    /* TEST-NET-1: never an address here */
    t0 = deadline_now();
    assert_int_equal(
        tickle_wait_address("192.0.2.77", deadline_in(200, DEADLINE_NEVER)), 0);
    assert_true(deadline_now() - t0 >= 150 * 1000);
    assert_int_equal(tickle_wait_address("192.0.2", DEADLINE_NEVER), -EINVAL);
    assert_true(tickle_address_here("127.0.0.1"));
    assert_false(tickle_address_here("192.0.2.77"));
    assert_false(tickle_address_here("nonsense"));
}

static void test_spawn_nothing_recorded(void **state)
{
    (void)state;
    /* no record: the helper finds the address up and nothing to tickle */
    assert_int_equal(
        tickle_spawn("/nonexistent", "127.0.0.1", 2049, 1000, "t", NULL), 0);
    assert_int_equal(tickle_spawn("", "10.0.0.1", 2049, 1000, "t", NULL),
                     -EINVAL);
    assert_int_equal(tickle_spawn("/tmp", "10.0.0", 2049, 1000, "t", NULL),
                     -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packet_ipv4),
        cmocka_unit_test(test_packet_ipv6),
        cmocka_unit_test(test_record_text),
        cmocka_unit_test(test_list_ipv4),
        cmocka_unit_test(test_list_dual_stack),
        cmocka_unit_test(test_record_file),
        cmocka_unit_test(test_record_within),
        cmocka_unit_test(test_wait_address),
        cmocka_unit_test(test_spawn_nothing_recorded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
