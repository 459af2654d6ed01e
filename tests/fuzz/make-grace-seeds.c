/*
 * make-grace-seeds: writes the seeds of fuzz_grace_reply, ganesha's replies
 * as they travel (dbus_message_marshal()): get_grace of ganesha 4.3
 * (b isgrace, b status, s message) and older (b), grace (b status,
 * s message), and an error reply. Run once from tests/fuzz/corpus/grace_reply:
 *   cc make-grace-seeds.c $(pkg-config --cflags --libs dbus-1) -o /tmp/m &&
 * /tmp/m
 */
#include <stdio.h>
#include <stdlib.h>

#include <dbus/dbus.h>

/* A method return as ganesha (":1.7") sends it to us (":1.42"). */
static DBusMessage *reply_to_call(void)
{
    DBusMessage *call = dbus_message_new_method_call(
        "org.ganesha.nfsd", "/org/ganesha/nfsd/admin", "org.ganesha.nfsd.admin",
        "get_grace");
    DBusMessage *reply;

    dbus_message_set_serial(call, 3);
    dbus_message_set_sender(call, ":1.42");
    reply = dbus_message_new_method_return(call);
    dbus_message_set_sender(reply, ":1.7");
    dbus_message_set_serial(reply, 12);
    dbus_message_unref(call);
    return reply;
}

static void save(const char *name, DBusMessage *msg)
{
    char *buf = NULL;
    int len = 0;
    FILE *f;

    if (!dbus_message_marshal(msg, &buf, &len) ||
        (f = fopen(name, "wb")) == NULL) {
        exit(1);
    }
    fwrite(buf, 1, (size_t)len, f);
    fclose(f);
    dbus_free(buf);
    dbus_message_unref(msg);
}

int main(void)
{
    dbus_bool_t yes = TRUE, no = FALSE;
    const char *done = "Done";
    const char *started = "Grace period started";
    const char *failed = "Grace could not be started: invalid event";
    DBusMessage *m;

    m = reply_to_call();
    dbus_message_append_args(m, DBUS_TYPE_BOOLEAN, &yes, DBUS_TYPE_BOOLEAN,
                             &yes, DBUS_TYPE_STRING, &done, DBUS_TYPE_INVALID);
    save("get_grace-4.3-in-grace", m);
    m = reply_to_call();
    dbus_message_append_args(m, DBUS_TYPE_BOOLEAN, &no, DBUS_TYPE_BOOLEAN, &yes,
                             DBUS_TYPE_STRING, &done, DBUS_TYPE_INVALID);
    save("get_grace-4.3-not-in-grace", m);
    m = reply_to_call();
    dbus_message_append_args(m, DBUS_TYPE_BOOLEAN, &yes, DBUS_TYPE_INVALID);
    save("get_grace-old", m);
    m = reply_to_call();
    dbus_message_append_args(m, DBUS_TYPE_BOOLEAN, &yes, DBUS_TYPE_STRING,
                             &started, DBUS_TYPE_INVALID);
    save("grace-started", m);
    m = reply_to_call();
    dbus_message_append_args(m, DBUS_TYPE_BOOLEAN, &no, DBUS_TYPE_STRING,
                             &failed, DBUS_TYPE_INVALID);
    save("grace-refused", m);
    {
        DBusMessage *call = dbus_message_new_method_call(
            "org.ganesha.nfsd", "/org/ganesha/nfsd/admin",
            "org.ganesha.nfsd.admin", "get_grace");

        dbus_message_set_serial(call, 4);
        dbus_message_set_sender(call, ":1.42");
        m = dbus_message_new_error(call, DBUS_ERROR_UNKNOWN_METHOD,
                                   "No such method 'get_grace'");
        dbus_message_set_sender(m, ":1.7");
        dbus_message_set_serial(m, 13);
        dbus_message_unref(call);
        save("error-unknown-method", m);
    }
    return 0;
}
