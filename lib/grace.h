/*
 * grace: NFS-Ganesha's D-Bus admin interface (org.ganesha.nfsd.admin on the
 * system bus, DBUS_SYSTEM_BUS_ADDRESS honoured): grace, get_grace, and a
 * bounded round trip for liveness.
 */
#ifndef GOCF_GRACE_H
#define GOCF_GRACE_H

#include <stdbool.h>
#include <stdint.h>

#define GRACE_BUS_NAME  "org.ganesha.nfsd"
#define GRACE_PATH      "/org/ganesha/nfsd/admin"
#define GRACE_INTERFACE "org.ganesha.nfsd.admin"

/*! Ganesha's grace events (sal_data.h). */
enum grace_event {
    GRACE_EVENT_JUST_GRACE = 0,
    GRACE_EVENT_CLEAR_BLOCKED = 1,
    GRACE_EVENT_RELEASE_IP = 2,
    GRACE_EVENT_UPDATE_CLIENTS = 3,
    GRACE_EVENT_TAKE_NODEID = 4,
    GRACE_EVENT_TAKE_IP = 5,
};

/*!
 * \brief The grace method's argument "<event>:<value>".
 * \return newly allocated string
 */
char *grace_arg(enum grace_event event, const char *value);

/*!
 * \brief Call org.ganesha.nfsd.admin.grace(arg) and check the (b, s) reply.
 *
 * \param[in]  arg         the "[event:]value" string
 * \param[in]  deadline    absolute deadline for connect + call
 * \param[out] ret_reason  on failure, a sentence naming the D-Bus error
 *                         (name and message) or ganesha's false status
 *                         (g_free it); may be NULL
 * \return 0, -ECONNREFUSED (no bus), -EHOSTDOWN (ganesha not on the bus),
 *         -ETIMEDOUT, -EPROTO (bad reply or status false), -EIO
 */
int grace_start(const char *arg, int64_t deadline, char **ret_reason);

/*!
 * \brief Call org.ganesha.nfsd.admin.get_grace().
 * \param[out] ret_in_grace  whether ganesha is in grace
 * \return as grace_start()
 */
int grace_get(int64_t deadline, bool *ret_in_grace, char **ret_reason);

/*!
 * \brief grace_get(), telling a failure of the system bus from one of
 *        ganesha: *ret_bus_down is true when no connection could be made,
 *        the bus daemon did not answer the Hello, or, after the call timed
 *        out, it did not answer its own NameHasOwner either (bounded by
 *        another 500 ms). A hung ganesha on a working bus is not bus_down.
 * \return as grace_get()
 */
int grace_probe(int64_t deadline, bool *ret_in_grace, bool *ret_bus_down,
                char **ret_reason);

/*! libdbus's message (dbus/dbus.h), for the reply parsers below. */
struct DBusMessage;

/*!
 * \brief Check ganesha's reply to grace(\p arg): (b status[, s message]).
 *
 * What grace_start() does with the reply; exposed for tests and fuzzing.
 * \return 0 if the status is true; -EPROTO (with *ret_reason set, when not
 *         NULL) for another signature or a false status
 */
int grace_start_reply_parse(struct DBusMessage *reply, const char *arg,
                            char **ret_reason);

/*!
 * \brief Read ganesha's reply to get_grace(): (b in_grace[, b status,
 *        s message]) (4.3), or (b in_grace) (older).
 *
 * What grace_get() does with the reply; exposed for tests and fuzzing.
 * \param[out] ret_in_grace  set only on success
 * \return 0, or -EPROTO (with *ret_reason set, when not NULL) for another
 *         signature or a false status
 */
int grace_get_reply_parse(struct DBusMessage *reply, bool *ret_in_grace,
                          char **ret_reason);

/*
 * Following ganesha's bus name (the resident watcher): a private system bus
 * connection that receives NameOwnerChanged for GRACE_BUS_NAME.
 */
struct grace_name_watch;

#define GRACE_NAME_LOST 1   /*!< the name lost its owner */
#define GRACE_NAME_GAINED 2 /*!< the name got an owner */

/*!
 * \brief Connect to the system bus, subscribe to the name's changes and
 *        tell whether it has an owner now, bounded by \p deadline.
 * \return 0 or -errno (*ret_reason set)
 */
int grace_name_watch_open(int64_t deadline, struct grace_name_watch **ret,
                          bool *ret_owned, char **ret_reason);

/*!
 * \brief Wait up to \p timeout_ms (-1: no bound) for a change of the name
 *        or input on \p wake_fd (if >= 0; *ret_woken tells, nothing is read).
 * \return GRACE_NAME_* bits (0: none), or -ENOTCONN when the bus closed the
 *         connection (close the watch and open a new one)
 */
int grace_name_watch_wait(struct grace_name_watch *nw, int wake_fd,
                          int timeout_ms, bool *ret_woken);

/*!
 * \brief grace_probe() on the watch's kept connection: no connect, no
 *        Hello. A change of the name read meanwhile is told by the next
 *        wait.
 */
int grace_probe_on(struct grace_name_watch *nw, int64_t deadline,
                   bool *ret_in_grace, bool *ret_bus_down, char **ret_reason);

/*! \brief Close the connection and free \p nw (NULL is fine). */
void grace_name_watch_close(struct grace_name_watch *nw);

#endif
