/*
 * fuzz_grace_reply: a D-Bus message from the wire (dbus_message_demarshal()
 * checks it as libdbus checks what a peer sends) given to the parsers of
 * ganesha's get_grace and grace replies. libdbus aborts on a misused
 * iterator, so a parser reading past what it checked is found too.
 */
#include "config.h"

#include <errno.h>

#include <dbus/dbus.h>

#include "fuzz.h"
#include "grace.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_log_init("fuzz_grace_reply");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    DBusMessage *msg;
    DBusError error;
    bool in_grace = false;
    char *reason = NULL;
    int rc;

    if (size > (size_t)DBUS_MAXIMUM_MESSAGE_LENGTH) {
        return 0;
    }
    dbus_error_init(&error);
    msg = dbus_message_demarshal((const char *)data, (int)size, &error);
    if (msg == NULL) {
        dbus_error_free(&error);
        return 0;
    }
    rc = grace_get_reply_parse(msg, &in_grace, &reason);
    FUZZ_CHECK(rc == 0 ? reason == NULL : rc == -EPROTO && reason != NULL);
    g_free(reason);
    reason = NULL;
    rc = grace_start_reply_parse(msg, "5:node2", &reason);
    FUZZ_CHECK(rc == 0 ? reason == NULL : rc == -EPROTO && reason != NULL);
    g_free(reason);
    dbus_message_unref(msg);
    return 0;
}
