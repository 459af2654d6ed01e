/*
 * test_nsm: NSM reboot notifications. The calls' bytes, the replies read
 * back (and refused when they are not replies), the names of a statd list,
 * the lists of every node read through their links, the state numbers, and
 * a whole notification on loopback against a stand-in portmapper and statd
 * (a thread) that answers GETPORT, drops the first SM_NOTIFY (resent) and
 * checks the name and state of the next.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "deadline.h"
#include "nsm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint32_t word(const uint8_t *buf, size_t i)
{
    uint32_t v;

    memcpy(&v, buf + 4 * i, 4);
    return ntohl(v);
}

static void test_encode_getport(void **state)
{
    uint8_t buf[NSM_MSG_MAX];
    size_t len = nsm_encode_getport(buf, sizeof(buf), 0x11223344);

    (void)state;
    assert_int_equal(len, 56);
    assert_int_equal(word(buf, 0), 0x11223344);
    assert_int_equal(word(buf, 1), 0); /* CALL */
    assert_int_equal(word(buf, 2), 2);
    assert_int_equal(word(buf, 3), NSM_PMAP_PROG);
    assert_int_equal(word(buf, 4), NSM_PMAP_VERS);
    assert_int_equal(word(buf, 5), NSM_PMAP_GETPORT);
    assert_int_equal(word(buf, 10), NSM_SM_PROG);
    assert_int_equal(word(buf, 11), NSM_SM_VERS);
    assert_int_equal(word(buf, 12), IPPROTO_UDP);
    assert_int_equal(nsm_encode_getport(buf, 55, 1), 0);
}

static void test_encode_notify(void **state)
{
    uint8_t buf[NSM_MSG_MAX];
    size_t len = nsm_encode_notify(buf, sizeof(buf), 7, "10.77.0.102", 12345);
    g_autofree char *long_name = g_strnfill(NSM_NAME_MAX + 1, 'a');

    (void)state;
    /* header 40, length 4, "10.77.0.102" padded to 12, state 4 */
    assert_int_equal(len, 60);
    assert_int_equal(word(buf, 3), NSM_SM_PROG);
    assert_int_equal(word(buf, 5), NSM_SM_NOTIFY);
    assert_int_equal(word(buf, 10), 11);
    assert_memory_equal(buf + 44, "10.77.0.102\0", 12);
    assert_int_equal(word(buf, 14), 12345);
    assert_int_equal(nsm_encode_notify(buf, 59, 7, "10.77.0.102", 1), 0);
    assert_int_equal(nsm_encode_notify(buf, sizeof(buf), 7, long_name, 1), 0);
}

static size_t put_words(uint8_t *buf, const uint32_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t v = htonl(w[i]);

        memcpy(buf + 4 * i, &v, 4);
    }
    return 4 * n;
}

static void test_parse_reply(void **state)
{
    uint8_t buf[64];
    uint32_t xid = 0, value = 99;
    const uint32_t port[] = {5, 1, 0, 0, 0, 0, 32765};
    const uint32_t void_ok[] = {6, 1, 0, 0, 0, 0};
    const uint32_t verf[] = {7, 1, 0, 1, 3, 0x61626300, 0, 44};
    const uint32_t denied[] = {8, 1, 1, 0, 0};
    const uint32_t unavail[] = {9, 1, 0, 0, 0, 1};
    const uint32_t call[] = {10, 0, 2, 100024, 1, 6};
    const uint32_t huge_verf[] = {11, 1, 0, 1, 4000, 0};
    size_t len;

    (void)state;
    len = put_words(buf, port, G_N_ELEMENTS(port));
    assert_int_equal(nsm_parse_reply(buf, len, &xid, &value), 0);
    assert_int_equal(xid, 5);
    assert_int_equal(value, 32765);
    len = put_words(buf, void_ok, G_N_ELEMENTS(void_ok));
    assert_int_equal(nsm_parse_reply(buf, len, &xid, &value), 0);
    assert_int_equal(value, 0);
    len = put_words(buf, verf, G_N_ELEMENTS(verf));
    assert_int_equal(nsm_parse_reply(buf, len, &xid, &value), 0);
    assert_int_equal(value, 44);
    len = put_words(buf, denied, G_N_ELEMENTS(denied));
    assert_int_equal(nsm_parse_reply(buf, len, &xid, &value), -EPROTO);
    assert_int_equal(xid, 8);
    len = put_words(buf, unavail, G_N_ELEMENTS(unavail));
    assert_int_equal(nsm_parse_reply(buf, len, &xid, &value), -EPROTO);
    len = put_words(buf, call, G_N_ELEMENTS(call));
    assert_int_equal(nsm_parse_reply(buf, len, &xid, &value), -EBADMSG);
    len = put_words(buf, huge_verf, G_N_ELEMENTS(huge_verf));
    assert_int_equal(nsm_parse_reply(buf, len, &xid, &value), -EBADMSG);
    /* every truncation of a good reply is refused */
    len = put_words(buf, void_ok, G_N_ELEMENTS(void_ok));
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(nsm_parse_reply(buf, i, &xid, &value), -EBADMSG);
    }
    assert_int_equal(nsm_parse_reply(NULL, 0, &xid, &value), -EBADMSG);
}

static void test_name_valid(void **state)
{
    g_autofree char *max = g_strnfill(NSM_NAME_MAX, 'a');
    g_autofree char *over = g_strnfill(NSM_NAME_MAX + 1, 'a');

    (void)state;
    assert_true(nsm_name_valid("10.77.0.211"));
    assert_true(nsm_name_valid("client-1.example.com"));
    assert_true(nsm_name_valid("fd00:77::211"));
    assert_true(nsm_name_valid(max));
    assert_false(nsm_name_valid(over));
    assert_false(nsm_name_valid(""));
    assert_false(nsm_name_valid("."));
    assert_false(nsm_name_valid(".."));
    assert_false(nsm_name_valid("a/b"));
    assert_false(nsm_name_valid("a b"));
    assert_false(nsm_name_valid("a\nb"));
    assert_false(nsm_name_valid("caf\xc3\xa9"));
    assert_false(nsm_name_valid(NULL));
}

static void touch(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    assert_true(g_file_set_contents(path, "x\n", -1, NULL));
}

static bool has(GPtrArray *a, const char *s)
{
    for (guint i = 0; i < a->len; i++) {
        if (strcmp(g_ptr_array_index(a, i), s) == 0) {
            return true;
        }
    }
    return false;
}

static void test_read_monitored(void **state)
{
    g_autofree char *tmp = g_dir_make_tmp("test_nsm-XXXXXX", NULL);
    g_autofree char *own = g_build_filename(tmp, "n1", NULL);
    g_autofree char *own_sm = g_build_filename(own, "sm", NULL);
    g_autofree char *peer = g_build_filename(tmp, "n2", NULL);
    g_autofree char *peer_sm = g_build_filename(peer, "sm", NULL);
    g_autofree char *link = g_build_filename(own, "n2", NULL);
    g_autofree char *dangling = g_build_filename(own, "n3", NULL);
    g_autofree char *subdir = g_build_filename(own_sm, "a-dir", NULL);
    g_autofree char *missing = g_build_filename(tmp, "none", NULL);
    g_autofree char *cmd = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

    (void)state;
    assert_non_null(tmp);
    assert_int_equal(g_mkdir_with_parents(own_sm, 0700), 0);
    assert_int_equal(g_mkdir_with_parents(peer_sm, 0700), 0);
    assert_int_equal(g_mkdir(subdir, 0700), 0);
    assert_int_equal(symlink(peer, link), 0);
    assert_int_equal(symlink("/nonexistent/statd", dangling), 0);
    touch(own_sm, "10.0.0.1");
    touch(own_sm, "client.example.com");
    touch(peer_sm, "10.0.0.1"); /* in both lists: once */
    touch(peer_sm, "10.0.0.2");
    touch(own, "state");

    assert_int_equal(nsm_read_monitored(own, names), 2);
    assert_int_equal(names->len, 3);
    assert_true(has(names, "10.0.0.1"));
    assert_true(has(names, "10.0.0.2"));
    assert_true(has(names, "client.example.com"));
    assert_false(has(names, "a-dir"));
    /* a second read adds nothing new */
    assert_int_equal(nsm_read_monitored(own, names), 2);
    assert_int_equal(names->len, 3);
    assert_int_equal(nsm_read_monitored(missing, names), -ENOENT);

    cmd = g_strdup_printf("rm -rf '%s'", tmp);
    assert_int_equal(system(cmd), 0);
}

/* A survivor hands its list to the home node, which reads it and clears
 * what it notified. */
static void test_handback(void **state)
{
    g_autofree char *tmp = g_dir_make_tmp("test_nsm-XXXXXX", NULL);
    g_autofree char *surv = g_build_filename(tmp, "n1", NULL);
    g_autofree char *surv_sm = g_build_filename(surv, "sm", NULL);
    g_autofree char *home = g_build_filename(tmp, "n2", NULL);
    g_autofree char *home_sm = g_build_filename(home, "sm", NULL);
    g_autofree char *link = g_build_filename(surv, "n2", NULL);
    g_autofree char *back = g_build_filename(home, NSM_HANDBACK_DIR, NULL);
    g_autofree char *back_a = g_build_filename(back, "10.0.0.7", NULL);
    g_autofree char *cmd = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) done = g_ptr_array_new();

    (void)state;
    assert_int_equal(g_mkdir_with_parents(surv_sm, 0700), 0);
    assert_int_equal(g_mkdir_with_parents(home_sm, 0700), 0);
    assert_int_equal(symlink(home, link), 0);
    touch(surv_sm, "10.0.0.7");
    touch(surv_sm, "10.0.0.8");

    assert_int_equal(nsm_handback(surv, "n2"), 2);
    assert_int_equal(nsm_handback(surv, "n2"), 2); /* again: no harm */
    assert_int_equal(nsm_handback(surv, "../x"), -EINVAL);
    assert_true(g_file_test(back_a, G_FILE_TEST_IS_REGULAR));
    /* the survivor's list is gone (the release unmonitored them) */
    touch(home_sm, "10.0.0.9");
    cmd = g_strdup_printf("rm -f '%s'/*", surv_sm);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(nsm_read_monitored(home, names), 2);
    assert_int_equal(names->len, 3);
    assert_true(has(names, "10.0.0.7") && has(names, "10.0.0.8") &&
                has(names, "10.0.0.9"));
    g_ptr_array_add(done, (gpointer) "10.0.0.7");
    nsm_handback_done(home, done);
    assert_false(g_file_test(back_a, G_FILE_TEST_EXISTS));
    g_ptr_array_set_size(names, 0);
    assert_int_equal(nsm_read_monitored(home, names), 2);
    assert_int_equal(names->len, 2);
    assert_false(has(names, "10.0.0.7"));

    g_free(cmd);
    cmd = g_strdup_printf("rm -rf '%s'", tmp);
    assert_int_equal(system(cmd), 0);
}

static void test_state_now(void **state)
{
    int32_t a = nsm_state_now(), b;

    (void)state;
    assert_true(a > 0 && a % 2 == 1);
    g_usleep(5000);
    b = nsm_state_now();
    assert_true(b > 0 && b % 2 == 1);
    assert_true(a != b);
}

/* ---- the stand-in portmapper + statd on 127.0.0.1 ------------------- */

struct standin {
    int fd;
    uint16_t port;
    int notifies;      /* SM_NOTIFY calls received */
    char mon_name[64]; /* of the last one */
    int32_t state;
    volatile bool stop;
};

static size_t reply(uint8_t *buf, uint32_t xid, bool with_value, uint32_t v)
{
    const uint32_t w[] = {xid, 1, 0, 0, 0, 0, v};

    return put_words(buf, w, with_value ? 7 : 6);
}

static void *standin_run(void *arg)
{
    struct standin *s = arg;

    while (!s->stop) {
        struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
        uint8_t in[NSM_MSG_MAX], out[64];
        struct sockaddr_in from;
        socklen_t fromlen = sizeof(from);
        ssize_t len;
        size_t n;

        if (poll(&pfd, 1, 50) != 1) {
            continue;
        }
        len = recvfrom(s->fd, in, sizeof(in), 0, (struct sockaddr *)&from,
                       &fromlen);
        if (len < 48) {
            continue;
        }
        if (word(in, 3) == NSM_PMAP_PROG && word(in, 5) == NSM_PMAP_GETPORT) {
            /* statd is "here" too */
            n = reply(out, word(in, 0), true, s->port);
        } else if (word(in, 3) == NSM_SM_PROG && word(in, 5) == NSM_SM_NOTIFY) {
            uint32_t nlen = word(in, 10);

            if (++s->notifies == 1) {
                continue; /* lost: must be sent again */
            }
            if (nlen < sizeof(s->mon_name) && (size_t)len >= 44 + nlen + 4) {
                memcpy(s->mon_name, in + 44, nlen);
                s->mon_name[nlen] = '\0';
                s->state = (int32_t)word(in, 11 + (nlen + 3) / 4);
            }
            n = reply(out, word(in, 0), false, 0);
        } else {
            continue;
        }
        (void)sendto(s->fd, out, n, 0, (struct sockaddr *)&from, fromlen);
    }
    return NULL;
}

static void test_notify_loopback(void **state)
{
    struct standin s = {0};
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t salen = sizeof(sa);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    struct nsm_result res;
    pthread_t t;

    (void)state;
    s.fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(s.fd >= 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(s.fd, (struct sockaddr *)&sa, &salen), 0);
    s.port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&t, NULL, standin_run, &s), 0);

    g_ptr_array_add(names, g_strdup("127.0.0.1"));
    /* a name (/etc/hosts: no DNS in a unit test), resolved by the resolver
     * threads, and an address of the other family: missed */
    g_ptr_array_add(names, g_strdup("localhost"));
    g_ptr_array_add(names, g_strdup("fd00::9"));
    assert_int_equal(nsm_notify_port("127.0.0.1", 4321, names, s.port,
                                     deadline_in(3000, DEADLINE_NEVER), &res),
                     0);
    s.stop = true;
    pthread_join(t, NULL);
    close(s.fd);

    assert_int_equal(res.notified, 2);
    assert_int_equal(s.notifies, 3); /* a lost one, then two answered */
    assert_string_equal(s.mon_name, "127.0.0.1");
    assert_int_equal(s.state, 4321);
    assert_int_equal(res.unresolved, 1);
    assert_string_equal(res.missed->str, "fd00::9");
    assert_int_equal(res.answered->len, 2);
    g_string_free(res.missed, TRUE);
    g_ptr_array_unref(res.answered);
}

static void test_notify_bad_source(void **state)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    struct nsm_result res;

    (void)state;
    g_ptr_array_add(names, g_strdup("127.0.0.1"));
    assert_int_equal(nsm_notify("not-an-address", 1, names,
                                deadline_in(400, DEADLINE_NEVER), &res),
                     -EINVAL);
    /* TEST-NET-1: no host has it */
    assert_int_equal(nsm_notify("192.0.2.77", 1, names,
                                deadline_in(400, DEADLINE_NEVER), &res),
                     -EADDRNOTAVAIL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_getport),
        cmocka_unit_test(test_encode_notify),
        cmocka_unit_test(test_parse_reply),
        cmocka_unit_test(test_name_valid),
        cmocka_unit_test(test_read_monitored),
        cmocka_unit_test(test_handback),
        cmocka_unit_test(test_state_now),
        cmocka_unit_test(test_notify_loopback),
        cmocka_unit_test(test_notify_bad_source),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
