/*
 * grace: NFS-Ganesha's D-Bus admin calls (grace, get_grace) over a private
 * connection to the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured). The
 * connection is polled here, so connect, authentication, Hello and the call
 * all end by the caller's deadline.
 */
#include "config.h"

#include "grace.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <string.h>

#include <dbus/dbus.h>
#include <glib.h>

#include "deadline.h"
#include "log.h"

#define GRACE_DEFAULT_BUS_ADDRESS "unix:path=/var/run/dbus/system_bus_socket"
/* Bound of the bus's own NameHasOwner after a call that timed out. */
#define GRACE_BUS_CHECK_MS 500

static void set_reason(char **ret_reason, char *reason)
{
    if (ret_reason != NULL) {
        *ret_reason = reason;
    } else {
        g_free(reason);
    }
}

/*
 * libdbus is opened at the first D-Bus call, not linked: loading it (and
 * libsystemd with its compression and crypto libraries behind it) at every
 * exec cost more than a steady monitor's whole work, and only some actions
 * talk to ganesha (doc/benchmarks.md, "Per-exec cost"). Each function is
 * declared with libdbus's own prototype (dbus/dbus.h), so calls are checked
 * as before; the macros below send each call through the loaded pointer.
 */
#define LIBDBUS_SONAME "libdbus-1.so.3"
#define LIBDBUS_FUNCTIONS(X)                                                   \
    X(dbus_bus_set_unique_name)                                                \
    X(dbus_connection_add_filter)                                              \
    X(dbus_connection_close)                                                   \
    X(dbus_connection_dispatch)                                                \
    X(dbus_connection_get_is_connected)                                        \
    X(dbus_connection_open_private)                                            \
    X(dbus_connection_send_with_reply)                                         \
    X(dbus_connection_set_exit_on_disconnect)                                  \
    X(dbus_connection_set_watch_functions)                                     \
    X(dbus_connection_unref)                                                   \
    X(dbus_error_free)                                                         \
    X(dbus_error_init)                                                         \
    X(dbus_message_append_args)                                                \
    X(dbus_message_get_args)                                                   \
    X(dbus_message_get_signature)                                              \
    X(dbus_message_iter_get_arg_type)                                          \
    X(dbus_message_iter_get_basic)                                             \
    X(dbus_message_iter_init)                                                  \
    X(dbus_message_iter_next)                                                  \
    X(dbus_message_is_signal)                                                  \
    X(dbus_message_new_method_call)                                            \
    X(dbus_message_unref)                                                      \
    X(dbus_pending_call_cancel)                                                \
    X(dbus_pending_call_get_completed)                                         \
    X(dbus_pending_call_steal_reply)                                           \
    X(dbus_pending_call_unref)                                                 \
    X(dbus_set_error_const)                                                    \
    X(dbus_set_error_from_message)                                             \
    X(dbus_watch_get_enabled)                                                  \
    X(dbus_watch_get_flags)                                                    \
    X(dbus_watch_get_unix_fd)                                                  \
    X(dbus_watch_handle)

static struct {
    void *handle;
#define LIBDBUS_MEMBER(name) __typeof__(name) *name;
    LIBDBUS_FUNCTIONS(LIBDBUS_MEMBER)
#undef LIBDBUS_MEMBER
} libdbus;

/*
 * Open libdbus and find its functions, once; -EIO if it cannot be. Safe
 * from several threads (a resident process may call from more than one).
 */
static int libdbus_load(char **ret_reason)
{
    static GMutex lock;
    void *handle;
    const char *missing = NULL;

    if (g_atomic_pointer_get(&libdbus.handle) != NULL) {
        return 0;
    }
    g_mutex_lock(&lock);
    if (libdbus.handle != NULL) {
        g_mutex_unlock(&lock);
        return 0;
    }
    handle = dlopen(LIBDBUS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();

        set_reason(ret_reason,
                   g_strdup_printf("cannot load %s: %s", LIBDBUS_SONAME,
                                   why != NULL ? why : "unknown"));
        g_mutex_unlock(&lock);
        return -EIO;
    }
#define LIBDBUS_FIND(name)                                                     \
    if ((libdbus.name = (__typeof__(name) *)dlsym(handle, #name)) == NULL &&   \
        missing == NULL) {                                                     \
        missing = #name;                                                       \
    }
    LIBDBUS_FUNCTIONS(LIBDBUS_FIND)
#undef LIBDBUS_FIND
    if (missing != NULL) {
        set_reason(ret_reason,
                   g_strdup_printf("%s has no %s", LIBDBUS_SONAME, missing));
        dlclose(handle);
        g_mutex_unlock(&lock);
        return -EIO;
    }
    /* published last: a thread that sees it sees every pointer */
    g_atomic_pointer_set(&libdbus.handle, handle);
    g_mutex_unlock(&lock);
    return 0;
}

#define dbus_bus_set_unique_name libdbus.dbus_bus_set_unique_name
#define dbus_connection_add_filter libdbus.dbus_connection_add_filter
#define dbus_connection_close libdbus.dbus_connection_close
#define dbus_connection_dispatch libdbus.dbus_connection_dispatch
#define dbus_connection_get_is_connected                                       \
    libdbus.dbus_connection_get_is_connected
#define dbus_connection_open_private libdbus.dbus_connection_open_private
#define dbus_connection_send_with_reply libdbus.dbus_connection_send_with_reply
#define dbus_connection_set_exit_on_disconnect                                 \
    libdbus.dbus_connection_set_exit_on_disconnect
#define dbus_connection_set_watch_functions                                    \
    libdbus.dbus_connection_set_watch_functions
#define dbus_connection_unref libdbus.dbus_connection_unref
#define dbus_error_free libdbus.dbus_error_free
#define dbus_error_init libdbus.dbus_error_init
#define dbus_message_append_args libdbus.dbus_message_append_args
#define dbus_message_get_args libdbus.dbus_message_get_args
#define dbus_message_get_signature libdbus.dbus_message_get_signature
#define dbus_message_iter_get_arg_type libdbus.dbus_message_iter_get_arg_type
#define dbus_message_iter_get_basic libdbus.dbus_message_iter_get_basic
#define dbus_message_iter_init libdbus.dbus_message_iter_init
#define dbus_message_iter_next libdbus.dbus_message_iter_next
#define dbus_message_is_signal libdbus.dbus_message_is_signal
#define dbus_message_new_method_call libdbus.dbus_message_new_method_call
#define dbus_message_unref libdbus.dbus_message_unref
#define dbus_pending_call_cancel libdbus.dbus_pending_call_cancel
#define dbus_pending_call_get_completed libdbus.dbus_pending_call_get_completed
#define dbus_pending_call_steal_reply libdbus.dbus_pending_call_steal_reply
#define dbus_pending_call_unref libdbus.dbus_pending_call_unref
#define dbus_set_error_const libdbus.dbus_set_error_const
#define dbus_set_error_from_message libdbus.dbus_set_error_from_message
#define dbus_watch_get_enabled libdbus.dbus_watch_get_enabled
#define dbus_watch_get_flags libdbus.dbus_watch_get_flags
#define dbus_watch_get_unix_fd libdbus.dbus_watch_get_unix_fd
#define dbus_watch_handle libdbus.dbus_watch_handle

/* Milliseconds for one blocking libdbus call, or 0 if the deadline passed. */
static int call_timeout_ms(int64_t deadline)
{
    int64_t left = deadline_left_ms(deadline);

    return left > INT_MAX ? INT_MAX : (int)left;
}

/* Map a D-Bus error name from a method call to a negative errno. */
static int error_to_errno(const char *name)
{
    static const struct {
        const char *name;
        int rc;
    } map[] = {
        {DBUS_ERROR_SERVICE_UNKNOWN, -EHOSTDOWN},
        {DBUS_ERROR_NAME_HAS_NO_OWNER, -EHOSTDOWN},
        {DBUS_ERROR_NO_REPLY, -ETIMEDOUT},
        {DBUS_ERROR_TIMEOUT, -ETIMEDOUT},
        {DBUS_ERROR_TIMED_OUT, -ETIMEDOUT},
        {DBUS_ERROR_DISCONNECTED, -ECONNREFUSED},
        {DBUS_ERROR_NO_SERVER, -ECONNREFUSED},
        {DBUS_ERROR_FILE_NOT_FOUND, -ECONNREFUSED},
        {DBUS_ERROR_UNKNOWN_METHOD, -EPROTO},
        {DBUS_ERROR_UNKNOWN_OBJECT, -EPROTO},
        {DBUS_ERROR_UNKNOWN_INTERFACE, -EPROTO},
        {DBUS_ERROR_INVALID_ARGS, -EPROTO},
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(map); i++) {
        if (strcmp(name, map[i].name) == 0) {
            return map[i].rc;
        }
    }
    return -EIO;
}

/*
 * libdbus blocks without a bound while authenticating (a frozen bus daemon
 * hangs dbus_connection_send_with_reply_and_block forever), so the
 * connection is driven here: its watches are polled until the deadline.
 */
#define GRACE_MAX_WATCHES 8

struct watch_set {
    DBusWatch *watches[GRACE_MAX_WATCHES];
    size_t count;
};

static dbus_bool_t watch_add(DBusWatch *watch, void *data)
{
    struct watch_set *set = data;

    if (set->count == GRACE_MAX_WATCHES) {
        return FALSE;
    }
    set->watches[set->count++] = watch;
    return TRUE;
}

static void watch_remove(DBusWatch *watch, void *data)
{
    struct watch_set *set = data;
    size_t i;

    for (i = 0; i < set->count; i++) {
        if (set->watches[i] == watch) {
            set->watches[i] = set->watches[--set->count];
            return;
        }
    }
}

/*
 * Poll the connection's watches once, for at most \p timeout ms, and
 * \p extra_fd (if >= 0) for input, which sets *ret_extra.
 */
static int watches_poll_extra(struct watch_set *set, int timeout, int extra_fd,
                              bool *ret_extra)
{
    struct pollfd fds[GRACE_MAX_WATCHES + 1];
    DBusWatch *polled[GRACE_MAX_WATCHES];
    size_t n = 0;
    size_t i;
    int ready;

    for (i = 0; i < set->count; i++) {
        unsigned int flags;

        if (!dbus_watch_get_enabled(set->watches[i])) {
            continue;
        }
        flags = dbus_watch_get_flags(set->watches[i]);
        fds[n].fd = dbus_watch_get_unix_fd(set->watches[i]);
        fds[n].events = (short)(((flags & DBUS_WATCH_READABLE) ? POLLIN : 0) |
                                ((flags & DBUS_WATCH_WRITABLE) ? POLLOUT : 0));
        fds[n].revents = 0;
        polled[n] = set->watches[i];
        n++;
    }
    if (n == 0) {
        return -ENOTCONN;
    }
    if (extra_fd >= 0) {
        fds[n] = (struct pollfd){.fd = extra_fd, .events = POLLIN};
    }
    ready = poll(fds, (nfds_t)(n + (extra_fd >= 0)), timeout);
    if (ready < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    if (extra_fd >= 0 && fds[n].revents != 0) {
        *ret_extra = true;
    }
    for (i = 0; i < n; i++) {
        unsigned int condition = 0;

        if (fds[i].revents == 0) {
            continue;
        }
        condition |= (fds[i].revents & POLLIN) ? DBUS_WATCH_READABLE : 0;
        condition |= (fds[i].revents & POLLOUT) ? DBUS_WATCH_WRITABLE : 0;
        condition |= (fds[i].revents & POLLERR) ? DBUS_WATCH_ERROR : 0;
        condition |= (fds[i].revents & POLLHUP) ? DBUS_WATCH_HANGUP : 0;
        /* Handling may remove watches; the set is re-read next round. */
        (void)dbus_watch_handle(polled[i], condition);
    }
    return 0;
}

static int watches_poll(struct watch_set *set, int timeout)
{
    bool unused = false;

    return watches_poll_extra(set, timeout, -1, &unused);
}

/*
 * Send \p msg and wait for its reply until \p deadline. On failure *error
 * is set (a timeout becomes DBUS_ERROR_TIMEOUT) and NULL returned.
 */
static DBusMessage *call_bounded(DBusConnection *conn, struct watch_set *set,
                                 DBusMessage *msg, int64_t deadline,
                                 DBusError *error)
{
    DBusPendingCall *pending = NULL;
    DBusMessage *reply;

    if (!dbus_connection_send_with_reply(conn, msg, &pending,
                                         DBUS_TIMEOUT_INFINITE) ||
        pending == NULL) {
        dbus_set_error_const(error, DBUS_ERROR_DISCONNECTED,
                             "connection to the bus is closed");
        return NULL;
    }
    while (!dbus_pending_call_get_completed(pending)) {
        int timeout = call_timeout_ms(deadline);
        int rc;

        if (timeout <= 0) {
            dbus_pending_call_cancel(pending);
            dbus_pending_call_unref(pending);
            dbus_set_error_const(error, DBUS_ERROR_TIMEOUT,
                                 "no reply before the deadline");
            return NULL;
        }
        rc = watches_poll(set, timeout);
        while (dbus_connection_dispatch(conn) == DBUS_DISPATCH_DATA_REMAINS) {
        }
        if (dbus_pending_call_get_completed(pending)) {
            break;
        }
        if (rc < 0 || !dbus_connection_get_is_connected(conn)) {
            dbus_pending_call_cancel(pending);
            dbus_pending_call_unref(pending);
            dbus_set_error_const(error, DBUS_ERROR_DISCONNECTED,
                                 "the bus closed the connection");
            return NULL;
        }
    }
    reply = dbus_pending_call_steal_reply(pending);
    dbus_pending_call_unref(pending);
    if (reply == NULL) {
        dbus_set_error_const(error, DBUS_ERROR_NO_REPLY, "no reply");
        return NULL;
    }
    if (dbus_set_error_from_message(error, reply)) {
        dbus_message_unref(reply);
        return NULL;
    }
    return reply;
}

/* Set by the connect timer's handler: the bound, not something else, hit. */
static volatile sig_atomic_t connect_timer_fired;

static void connect_timer_handler(int sig)
{
    (void)sig;
    connect_timer_fired = 1;
}

/*
 * dbus_connection_open_private() under a one-shot SIGALRM timer. A frozen
 * dbus-daemon whose listen backlog is full blocks connect() without a bound,
 * and libdbus offers no asynchronous connect; its connect() is not retried
 * on EINTR, so a signal handler installed without SA_RESTART ends it at the
 * deadline. The agents are single-threaded and use no other timer.
 */
static DBusConnection *open_bounded(const char *address, int64_t deadline,
                                    DBusError *error, bool *ret_timed_out)
{
    struct sigaction action = {.sa_handler = connect_timer_handler};
    struct sigaction old_action;
    struct itimerval timer = {{0, 0}, {0, 0}};
    struct itimerval old_timer;
    int64_t left_ms = deadline_left_ms(deadline);
    DBusConnection *conn;

    *ret_timed_out = false;
    if (left_ms <= 0) {
        *ret_timed_out = true;
        dbus_set_error_const(error, DBUS_ERROR_TIMEOUT,
                             "deadline passed before connecting");
        return NULL;
    }
    sigemptyset(&action.sa_mask);
    timer.it_value.tv_sec = (time_t)(left_ms / 1000);
    timer.it_value.tv_usec = (suseconds_t)((left_ms % 1000) * 1000);
    connect_timer_fired = 0;
    if (sigaction(SIGALRM, &action, &old_action) < 0) {
        return dbus_connection_open_private(address, error);
    }
    if (setitimer(ITIMER_REAL, &timer, &old_timer) < 0) {
        (void)sigaction(SIGALRM, &old_action, NULL);
        return dbus_connection_open_private(address, error);
    }
    conn = dbus_connection_open_private(address, error);
    timer = (struct itimerval){{0, 0}, {0, 0}};
    (void)setitimer(ITIMER_REAL, &old_timer, NULL);
    (void)sigaction(SIGALRM, &old_action, NULL);
    *ret_timed_out = conn == NULL && connect_timer_fired;
    return conn;
}

/*
 * Open a private connection to the system bus and register on it with a
 * Hello, all bounded by the deadline.
 */
static int bus_connect(int64_t deadline, struct watch_set *set,
                       DBusConnection **ret_conn, char **ret_reason)
{
    const char *address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
    DBusConnection *conn;
    DBusMessage *hello;
    DBusMessage *reply;
    DBusError error;
    const char *unique = NULL;
    bool timed_out = false;
    int rc;

    if (address == NULL || address[0] == '\0') {
        address = GRACE_DEFAULT_BUS_ADDRESS;
    }
    dbus_error_init(&error);
    conn = open_bounded(address, deadline, &error, &timed_out);
    if (conn == NULL && timed_out) {
        set_reason(ret_reason,
                   g_strdup_printf("connecting to the system bus at %s did "
                                   "not complete by the deadline (a frozen "
                                   "bus daemon?)",
                                   address));
        dbus_error_free(&error);
        return -ETIMEDOUT;
    }
    if (conn == NULL) {
        set_reason(ret_reason,
                   g_strdup_printf("cannot connect to the system bus at "
                                   "%s: %s: %s",
                                   address, error.name, error.message));
        dbus_error_free(&error);
        return -ECONNREFUSED;
    }
    dbus_connection_set_exit_on_disconnect(conn, FALSE);
    if (!dbus_connection_set_watch_functions(conn, watch_add, watch_remove,
                                             NULL, set, NULL)) {
        rc = -ENOMEM;
        goto out_close_conn;
    }
    hello = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS,
                                         DBUS_INTERFACE_DBUS, "Hello");
    if (hello == NULL) {
        rc = -ENOMEM;
        goto out_close_conn;
    }
    reply = call_bounded(conn, set, hello, deadline, &error);
    dbus_message_unref(hello);
    if (reply == NULL) {
        rc = error_to_errno(error.name);
        if (rc == -EHOSTDOWN || rc == -EPROTO) {
            rc = -EIO; /* the bus itself answered oddly */
        }
        set_reason(ret_reason,
                   g_strdup_printf("D-Bus Hello to the system bus at %s "
                                   "failed: %s: %s",
                                   address, error.name, error.message));
        dbus_error_free(&error);
        goto out_close_conn;
    }
    if (!dbus_message_get_args(reply, &error, DBUS_TYPE_STRING, &unique,
                               DBUS_TYPE_INVALID) ||
        !dbus_bus_set_unique_name(conn, unique)) {
        set_reason(ret_reason, g_strdup("bad reply to the D-Bus Hello"));
        dbus_error_free(&error);
        dbus_message_unref(reply);
        rc = -EPROTO;
        goto out_close_conn;
    }
    dbus_message_unref(reply);
    *ret_conn = conn;
    return 0;

out_close_conn:
    dbus_connection_close(conn);
    dbus_connection_unref(conn);
    return rc;
}

/* libdbus loaded, then bus_connect(). */
static int bus_open(int64_t deadline, struct watch_set *set,
                    DBusConnection **ret_conn, char **ret_reason)
{
    int rc = libdbus_load(ret_reason);

    return rc < 0 ? rc : bus_connect(deadline, set, ret_conn, ret_reason);
}

/* 1 if ganesha's name has an owner on the bus, 0 if not, or -errno. */
static int name_has_owner(DBusConnection *conn, struct watch_set *set,
                          int64_t deadline)
{
    const char *name = GRACE_BUS_NAME;
    DBusMessage *msg;
    DBusMessage *reply;
    DBusError error;
    dbus_bool_t has_owner = FALSE;
    int rc;

    msg = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS,
                                       DBUS_INTERFACE_DBUS, "NameHasOwner");
    if (msg == NULL || !dbus_message_append_args(msg, DBUS_TYPE_STRING, &name,
                                                 DBUS_TYPE_INVALID)) {
        if (msg != NULL) {
            dbus_message_unref(msg);
        }
        return -ENOMEM;
    }
    dbus_error_init(&error);
    reply = call_bounded(conn, set, msg, deadline, &error);
    dbus_message_unref(msg);
    if (reply == NULL) {
        rc = error_to_errno(error.name);
        dbus_error_free(&error);
        return rc;
    }
    rc = dbus_message_get_args(reply, &error, DBUS_TYPE_BOOLEAN, &has_owner,
                               DBUS_TYPE_INVALID)
             ? (has_owner ? 1 : 0)
             : -EPROTO;
    dbus_error_free(&error);
    dbus_message_unref(reply);
    return rc;
}

/*
 * Call org.ganesha.nfsd.admin.<method>(arg) (no argument if arg is NULL) on
 * an open connection and return the reply. *ret_bus_down is set when the
 * failure is the bus's, not ganesha's (grace_probe()).
 */
static int admin_call_on(DBusConnection *conn, struct watch_set *set,
                         const char *method, const char *arg, int64_t deadline,
                         DBusMessage **ret_reply, bool *ret_bus_down,
                         char **ret_reason)
{
    DBusMessage *msg;
    DBusMessage *reply;
    DBusError error;
    int rc;

    msg = dbus_message_new_method_call(GRACE_BUS_NAME, GRACE_PATH,
                                       GRACE_INTERFACE, method);
    if (msg == NULL) {
        return -ENOMEM;
    }
    if (arg != NULL && !dbus_message_append_args(msg, DBUS_TYPE_STRING, &arg,
                                                 DBUS_TYPE_INVALID)) {
        dbus_message_unref(msg);
        return -ENOMEM;
    }
    dbus_error_init(&error);
    reply = call_bounded(conn, set, msg, deadline, &error);
    dbus_message_unref(msg);
    if (reply == NULL) {
        rc = error_to_errno(error.name);
        /* The bus's own NoReply (ours is Timeout) comes early when ganesha
         * dies with the call outstanding: then it is down, not slow. */
        if (strcmp(error.name, DBUS_ERROR_NO_REPLY) == 0) {
            if (!dbus_connection_get_is_connected(conn)) {
                rc = -ECONNREFUSED; /* the bus itself went away */
                *ret_bus_down = true;
            } else if (name_has_owner(conn, set, deadline) == 0) {
                rc = -EHOSTDOWN;
            }
        } else if (rc == -ETIMEDOUT) {
            /*
             * No answer by the deadline: ganesha hung, or the bus daemon
             * did (then it cannot answer its own NameHasOwner either).
             */
            *ret_bus_down = !dbus_connection_get_is_connected(conn) ||
                            name_has_owner(conn, set,
                                           deadline_in(GRACE_BUS_CHECK_MS,
                                                       DEADLINE_NEVER)) < 0;
        } else if (rc == -ECONNREFUSED) {
            *ret_bus_down = true;
        }
        set_reason(ret_reason,
                   g_strdup_printf("ganesha's D-Bus %s failed: %s: %s", method,
                                   error.name, error.message));
        dbus_error_free(&error);
        return rc;
    }
    *ret_reply = reply;
    return 0;
}

/* admin_call_on() a connection of its own, closed afterwards. */
static int admin_call(const char *method, const char *arg, int64_t deadline,
                      DBusMessage **ret_reply, bool *ret_bus_down,
                      char **ret_reason)
{
    struct watch_set set = {0};
    DBusConnection *conn = NULL;
    int rc;

    rc = bus_open(deadline, &set, &conn, ret_reason);
    if (rc < 0) {
        /*
         * no libdbus, no connection, or the daemon never answered the
         * Hello: nothing known about ganesha
         */
        *ret_bus_down = true;
        return rc;
    }
    rc = admin_call_on(conn, &set, method, arg, deadline, ret_reply,
                       ret_bus_down, ret_reason);
    dbus_connection_close(conn);
    dbus_connection_unref(conn);
    return rc;
}

char *grace_arg(enum grace_event event, const char *value)
{
    return g_strdup_printf("%d:%s", (int)event, value != NULL ? value : "");
}

/*
 * Read a (b status, s message) pair at \p iter; -EPROTO if it is not there.
 */
static int read_status(DBusMessageIter *iter, dbus_bool_t *ret_status,
                       const char **ret_message)
{
    dbus_bool_t status;
    const char *message = "";

    if (dbus_message_iter_get_arg_type(iter) != DBUS_TYPE_BOOLEAN) {
        return -EPROTO;
    }
    dbus_message_iter_get_basic(iter, &status);
    if (dbus_message_iter_next(iter)) {
        if (dbus_message_iter_get_arg_type(iter) != DBUS_TYPE_STRING) {
            return -EPROTO;
        }
        dbus_message_iter_get_basic(iter, &message);
    }
    *ret_status = status;
    *ret_message = message;
    return 0;
}

int grace_start_reply_parse(struct DBusMessage *reply, const char *arg,
                            char **ret_reason)
{
    DBusMessageIter iter;
    dbus_bool_t status = FALSE;
    const char *message = "";

    if (libdbus_load(ret_reason) < 0) {
        return -EPROTO;
    }
    if (!dbus_message_iter_init(reply, &iter) ||
        read_status(&iter, &status, &message) < 0) {
        set_reason(ret_reason,
                   g_strdup_printf("ganesha's grace(%s) reply has signature "
                                   "'%s', expected 'bs'",
                                   arg, dbus_message_get_signature(reply)));
        return -EPROTO;
    }
    if (!status) {
        set_reason(ret_reason, g_strdup_printf("ganesha refused grace(%s): %s",
                                               arg, message));
        return -EPROTO;
    }
    log_debug("grace(%s): %s", arg, message);
    return 0;
}

int grace_start(const char *arg, int64_t deadline, char **ret_reason)
{
    DBusMessage *reply = NULL;
    bool bus_down = false;
    int rc;

    if (arg == NULL || !g_utf8_validate(arg, -1, NULL)) {
        set_reason(ret_reason, g_strdup("grace argument is not a valid "
                                        "string"));
        return -EINVAL;
    }
    rc = admin_call("grace", arg, deadline, &reply, &bus_down, ret_reason);
    if (rc < 0) {
        return rc;
    }
    rc = grace_start_reply_parse(reply, arg, ret_reason);
    dbus_message_unref(reply);
    return rc;
}

int grace_get_reply_parse(struct DBusMessage *reply, bool *ret_in_grace,
                          char **ret_reason)
{
    DBusMessageIter iter;
    dbus_bool_t in_grace;
    dbus_bool_t status = TRUE;
    const char *message = "";

    if (libdbus_load(ret_reason) < 0) {
        return -EPROTO;
    }
    /* 4.3 replies (b isgrace, b status, s message); older ones (b). */
    if (!dbus_message_iter_init(reply, &iter) ||
        dbus_message_iter_get_arg_type(&iter) != DBUS_TYPE_BOOLEAN) {
        goto out_bad_reply;
    }
    dbus_message_iter_get_basic(&iter, &in_grace);
    if (dbus_message_iter_next(&iter) &&
        read_status(&iter, &status, &message) < 0) {
        goto out_bad_reply;
    }
    if (!status) {
        set_reason(ret_reason,
                   g_strdup_printf("ganesha's get_grace failed: %s", message));
        return -EPROTO;
    }
    *ret_in_grace = in_grace;
    return 0;

out_bad_reply:
    set_reason(ret_reason,
               g_strdup_printf("ganesha's get_grace reply has signature "
                               "'%s', expected 'bbs'",
                               dbus_message_get_signature(reply)));
    return -EPROTO;
}

int grace_get(int64_t deadline, bool *ret_in_grace, char **ret_reason)
{
    bool bus_down = false;

    return grace_probe(deadline, ret_in_grace, &bus_down, ret_reason);
}

int grace_probe(int64_t deadline, bool *ret_in_grace, bool *ret_bus_down,
                char **ret_reason)
{
    DBusMessage *reply = NULL;
    int rc;

    *ret_bus_down = false;
    rc = admin_call("get_grace", NULL, deadline, &reply, ret_bus_down,
                    ret_reason);
    if (rc < 0) {
        return rc;
    }
    rc = grace_get_reply_parse(reply, ret_in_grace, ret_reason);
    dbus_message_unref(reply);
    return rc;
}

/* ---- following ganesha's bus name ------------------------------------- */

struct grace_name_watch {
    DBusConnection *conn;
    struct watch_set set;
    int events;        /* GRACE_NAME_* seen by the filter, not yet told */
    bool disconnected; /* the filter saw Disconnected */
};

static int name_watch_message(DBusMessage *msg);

/*
 * Every message read on the watch's connection passes here before any
 * reply handling, whether a wait or a probe reads it: the name's changes
 * are kept until the next wait tells them.
 */
static DBusHandlerResult name_watch_filter(DBusConnection *conn,
                                           DBusMessage *msg, void *data)
{
    struct grace_name_watch *nw = data;
    int ev = name_watch_message(msg);

    (void)conn;
    if (ev < 0) {
        nw->disconnected = true;
    } else {
        nw->events |= ev;
    }
    return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

int grace_name_watch_open(int64_t deadline, struct grace_name_watch **ret,
                          bool *ret_owned, char **ret_reason)
{
    const char *rule = "type='signal',sender='" DBUS_SERVICE_DBUS
                       "',interface='" DBUS_INTERFACE_DBUS
                       "',member='NameOwnerChanged',arg0='" GRACE_BUS_NAME "'";
    struct grace_name_watch *nw;
    DBusMessage *msg;
    DBusMessage *reply;
    DBusError error;
    int rc;

    nw = g_new0(struct grace_name_watch, 1);
    rc = bus_open(deadline, &nw->set, &nw->conn, ret_reason);
    if (rc < 0) {
        g_free(nw);
        return rc;
    }
    if (!dbus_connection_add_filter(nw->conn, name_watch_filter, nw, NULL)) {
        grace_name_watch_close(nw);
        return -ENOMEM;
    }
    msg = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS,
                                       DBUS_INTERFACE_DBUS, "AddMatch");
    if (msg == NULL || !dbus_message_append_args(msg, DBUS_TYPE_STRING, &rule,
                                                 DBUS_TYPE_INVALID)) {
        if (msg != NULL) {
            dbus_message_unref(msg);
        }
        grace_name_watch_close(nw);
        return -ENOMEM;
    }
    dbus_error_init(&error);
    reply = call_bounded(nw->conn, &nw->set, msg, deadline, &error);
    dbus_message_unref(msg);
    if (reply == NULL) {
        rc = error_to_errno(error.name);
        set_reason(ret_reason,
                   g_strdup_printf("D-Bus AddMatch for %s failed: %s: %s",
                                   GRACE_BUS_NAME, error.name, error.message));
        dbus_error_free(&error);
        grace_name_watch_close(nw);
        return rc;
    }
    dbus_message_unref(reply);
    /* subscribed first, then asked: no change falls in between */
    rc = name_has_owner(nw->conn, &nw->set, deadline);
    if (rc < 0) {
        set_reason(ret_reason, g_strdup_printf("D-Bus NameHasOwner(%s) failed",
                                               GRACE_BUS_NAME));
        grace_name_watch_close(nw);
        return rc;
    }
    *ret_owned = rc == 1;
    *ret = nw;
    return 0;
}

/* GRACE_NAME_* of one queued message, or -ENOTCONN for Disconnected. */
static int name_watch_message(DBusMessage *msg)
{
    const char *name = NULL;
    const char *old_owner = NULL;
    const char *new_owner = NULL;
    DBusError error;
    int ev = 0;

    if (dbus_message_is_signal(msg, DBUS_INTERFACE_LOCAL, "Disconnected")) {
        return -ENOTCONN;
    }
    if (!dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameOwnerChanged")) {
        return 0;
    }
    dbus_error_init(&error);
    if (dbus_message_get_args(msg, &error, DBUS_TYPE_STRING, &name,
                              DBUS_TYPE_STRING, &old_owner, DBUS_TYPE_STRING,
                              &new_owner, DBUS_TYPE_INVALID) &&
        strcmp(name, GRACE_BUS_NAME) == 0) {
        ev |= old_owner[0] != '\0' ? GRACE_NAME_LOST : 0;
        ev |= new_owner[0] != '\0' ? GRACE_NAME_GAINED : 0;
    }
    dbus_error_free(&error);
    return ev;
}

int grace_name_watch_wait(struct grace_name_watch *nw, int wake_fd,
                          int timeout_ms, bool *ret_woken)
{
    int events = 0;
    int rc;

    *ret_woken = false;
    /* what a probe read meanwhile first: no poll while it waits */
    while (dbus_connection_dispatch(nw->conn) == DBUS_DISPATCH_DATA_REMAINS) {
    }
    if (nw->events == 0 && !nw->disconnected) {
        rc = watches_poll_extra(&nw->set, timeout_ms, wake_fd, ret_woken);
        if (rc < 0) {
            return rc;
        }
    }
    while (dbus_connection_dispatch(nw->conn) == DBUS_DISPATCH_DATA_REMAINS) {
    }
    events = nw->events;
    nw->events = 0;
    if (nw->disconnected || !dbus_connection_get_is_connected(nw->conn)) {
        return -ENOTCONN;
    }
    return events;
}

int grace_probe_on(struct grace_name_watch *nw, int64_t deadline,
                   bool *ret_in_grace, bool *ret_bus_down, char **ret_reason)
{
    DBusMessage *reply = NULL;
    int rc;

    *ret_bus_down = false;
    rc = admin_call_on(nw->conn, &nw->set, "get_grace", NULL, deadline, &reply,
                       ret_bus_down, ret_reason);
    if (rc < 0) {
        return rc;
    }
    rc = grace_get_reply_parse(reply, ret_in_grace, ret_reason);
    dbus_message_unref(reply);
    return rc;
}

void grace_name_watch_close(struct grace_name_watch *nw)
{
    if (nw == NULL) {
        return;
    }
    if (nw->conn != NULL) {
        dbus_connection_close(nw->conn);
        dbus_connection_unref(nw->conn);
    }
    g_free(nw);
}
