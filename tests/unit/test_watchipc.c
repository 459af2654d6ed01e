/*
 * test_watchipc: the monitor's question to the watcher and the answer, over
 * the abstract socket: served from a GLib main loop, refused when nobody
 * serves, one server per name, and bounded when the peer never answers.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "deadline.h"
#include "watchipc.h"

static char *test_name(const char *what)
{
    g_autofree char *key = g_strdup_printf("test-%ld-%s", (long)getpid(), what);

    return watchipc_name(key);
}

static int asked_level;

static void answer(int check_level, struct watchipc_status *out, void *data)
{
    asked_level = check_level;
    *out = (struct watchipc_status){.alive = 1,
                                    .published = 1,
                                    .check_level = check_level,
                                    .ganesha_pid = *(int *)data,
                                    .asserted = 1234567890};
}

struct query {
    const char *name;
    int level;
    int64_t bound_ms;
    int r;
    int64_t took_ms;
    struct watchipc_status st;
    gboolean done;
};

static gpointer query_thread(gpointer data)
{
    struct query *q = data;
    int64_t t0 = deadline_now();

    q->r = watchipc_query(q->name, q->level,
                          deadline_in(q->bound_ms, DEADLINE_NEVER), &q->st);
    q->took_ms = (deadline_now() - t0) / 1000;
    g_atomic_int_set(&q->done, TRUE);
    g_main_context_wakeup(NULL);
    return NULL;
}

/* Ask from a thread while the main loop serves. */
static void ask(struct query *q)
{
    GThread *t = g_thread_new("query", query_thread, q);

    while (!g_atomic_int_get(&q->done)) {
        g_main_context_iteration(NULL, TRUE);
    }
    g_thread_join(t);
}

static void test_answer(void **state)
{
    g_autofree char *name = test_name("answer");
    struct watchipc_server *server = NULL;
    int pid = 4242;
    struct query q = {.name = name, .level = 10, .bound_ms = 3000};

    (void)state;
    assert_int_equal(watchipc_server_start(name, answer, &pid, &server), 0);
    ask(&q);
    assert_int_equal(q.r, 0);
    assert_int_equal(asked_level, 10);
    assert_int_equal(q.st.alive, 1);
    assert_int_equal(q.st.published, 1);
    assert_int_equal(q.st.check_level, 10);
    assert_int_equal(q.st.ganesha_pid, 4242);
    assert_true(q.st.asserted == 1234567890);
    watchipc_server_stop(server);
}

static void test_nobody_serves(void **state)
{
    g_autofree char *name = test_name("nobody");
    struct watchipc_status st;

    (void)state;
    assert_int_equal(
        watchipc_query(name, 0, deadline_in(1000, DEADLINE_NEVER), &st),
        -ECONNREFUSED);
}

static void test_one_server_per_name(void **state)
{
    g_autofree char *name = test_name("twice");
    struct watchipc_server *a = NULL;
    struct watchipc_server *b = NULL;
    int pid = 1;

    (void)state;
    assert_int_equal(watchipc_server_start(name, answer, &pid, &a), 0);
    assert_int_equal(watchipc_server_start(name, answer, &pid, &b),
                     -EADDRINUSE);
    watchipc_server_stop(a);
    /* the name is free again once the first one stopped */
    assert_int_equal(watchipc_server_start(name, answer, &pid, &b), 0);
    watchipc_server_stop(b);
}

/* A peer that accepts connections (the kernel does) but never answers. */
static void test_silent_peer_is_bounded(void **state)
{
    g_autofree char *name = test_name("silent");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    socklen_t len =
        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
    struct query q = {.name = name, .bound_ms = 300};
    int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

    (void)state;
    memcpy(addr.sun_path + 1, name, strlen(name));
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, len), 0);
    assert_int_equal(listen(fd, 4), 0);
    ask(&q);
    assert_int_equal(q.r, -ETIMEDOUT);
    assert_true(q.took_ms >= 250 && q.took_ms < 3000);
    close(fd);
}

static void test_long_key_fits(void **state)
{
    g_autofree char *key = g_strnfill(180, 'k');
    g_autofree char *other = g_strdup_printf("%s-", key);
    g_autofree char *name = watchipc_name(key);
    g_autofree char *name2 = watchipc_name(other);

    (void)state;
    assert_true(strlen(name) <= 107);
    assert_string_not_equal(name, name2);
}

static void test_name_too_long(void **state)
{
    g_autofree char *name = g_strnfill(200, 'k');
    struct watchipc_server *server = NULL;
    struct watchipc_status st;
    int pid = 1;

    (void)state;
    assert_int_equal(watchipc_server_start(name, answer, &pid, &server),
                     -ENAMETOOLONG);
    assert_int_equal(
        watchipc_query(name, 0, deadline_in(100, DEADLINE_NEVER), &st),
        -ENAMETOOLONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer),
        cmocka_unit_test(test_nobody_serves),
        cmocka_unit_test(test_one_server_per_name),
        cmocka_unit_test(test_silent_peer_is_bounded),
        cmocka_unit_test(test_long_key_fits),
        cmocka_unit_test(test_name_too_long),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
