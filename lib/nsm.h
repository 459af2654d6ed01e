/*
 * nsm: NSM reboot notifications (SM_NOTIFY, program 100024 version 1
 * procedure 6) from a VIP to the NFSv3 clients that hold NLM locks through
 * it, so that they reclaim them on the server the VIP moved to.
 *
 * The clients are those rpc.statd monitors for the nodes' ganeshas: one
 * file per client in <statd_dir>/sm, and, through the links ganesha-ha.sh
 * makes, every other node's list in <statd_dir>/<node>/sm. Each one is
 * told "the host <VIP> rebooted, state S": the client's statd matches the
 * name (or the sender's address: the notification leaves from the VIP) to
 * the server it monitors, and its lockd reclaims every lock it holds there.
 * A client that monitors no such server ignores it, so the whole list is
 * notified.
 *
 * The state number must differ from the one the client saw last (both
 * statd and the kernel drop a notification with the same state): it is
 * taken from the clock, odd as NSM wants a running host's state.
 *
 * Only UDP, one socket bound to the VIP: a portmapper GETPORT for statd,
 * then SM_NOTIFY, each retried with a doubling interval until the
 * deadline. Names that are not addresses are resolved with getaddrinfo_a()
 * within the deadline, never blocking past it.
 */
#ifndef GOCF_NSM_H
#define GOCF_NSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/*! Longest name NSM carries (SM_MAXSTRLEN). */
#define NSM_NAME_MAX 1024
/*! Most clients read from all the lists together. */
#define NSM_MAX_CLIENTS 8192
/*! Largest RPC message this module builds or reads. */
#define NSM_MSG_MAX 1400

/*! RPC numbers used here. */
#define NSM_PMAP_PROG 100000u
#define NSM_PMAP_VERS 2u
#define NSM_PMAP_GETPORT 3u
#define NSM_SM_PROG 100024u
#define NSM_SM_VERS 1u
#define NSM_SM_NOTIFY 6u

/*!
 * \brief Whether \p name can be a monitored peer's name: 1 to NSM_NAME_MAX
 *        printable ASCII bytes, no '/', not "." or "..".
 */
bool nsm_name_valid(const char *name);

/*! Where a survivor leaves the clients it hands back to a node's VIP. */
#define NSM_HANDBACK_DIR "sm.handback"

/*!
 * \brief Add the clients listed in \p statd_dir/sm and in every
 *        \p statd_dir/<node>/sm to \p names (no duplicate), and those
 *        handed back (\p statd_dir/NSM_HANDBACK_DIR, and the same in every
 *        \p statd_dir/<node>).
 *
 * A missing directory adds nothing; entries with invalid names are skipped.
 * \param names  array of g_malloc'ed strings (g_free as free func)
 * \return the number of lists read (0 when \p statd_dir/sm is missing and
 *         no node's list is there), -E2BIG past NSM_MAX_CLIENTS, or
 *         another -errno from opening \p statd_dir
 */
int nsm_read_monitored(const char *statd_dir, GPtrArray *names);

/*!
 * \brief Hand the clients of the local list (\p statd_dir/sm) to \p node:
 *        an empty file per client in \p statd_dir/\p node/NSM_HANDBACK_DIR
 *        (the node's own directory, linked in), created if needed.
 *
 * A survivor calls it before ganesha releases the NLM locks taken through
 * the node's VIP: the release unmonitors those clients, which removes them
 * from the local list, and the node's notification must still reach them.
 * \return the number of clients handed back, or a negative errno
 */
int nsm_handback(const char *statd_dir, const char *node);

/*!
 * \brief Remove \p names from \p statd_dir/NSM_HANDBACK_DIR (they were
 *        notified). Names not there are ignored.
 */
void nsm_handback_done(const char *statd_dir, GPtrArray *names);

/*!
 * \brief A state number for a notification sent now: odd, positive, and
 *        different from any taken more than 2 ms before (within ~24 days).
 */
int32_t nsm_state_now(void);

/*!
 * \brief Encode a portmapper GETPORT call for statd over UDP.
 * \return the message length, or 0 if \p size is too small
 */
size_t nsm_encode_getport(uint8_t *buf, size_t size, uint32_t xid);

/*!
 * \brief Encode an SM_NOTIFY call {mon_name, state}.
 * \return the message length, or 0 if \p size is too small or \p mon_name
 *         longer than NSM_NAME_MAX
 */
size_t nsm_encode_notify(uint8_t *buf, size_t size, uint32_t xid,
                         const char *mon_name, int32_t state);

/*!
 * \brief Parse an RPC reply.
 *
 * \param[out] ret_xid    the reply's transaction id
 * \param[out] ret_value  the first 32-bit word of the result, or 0 when
 *                        there is none (SM_NOTIFY returns void)
 * \return 0 for an accepted, successful reply; -EBADMSG for something that
 *         is not an RPC reply; -EPROTO for a denied or failed call (the xid
 *         is still set)
 */
int nsm_parse_reply(const uint8_t *buf, size_t len, uint32_t *ret_xid,
                    uint32_t *ret_value);

/*! What nsm_notify() did. */
struct nsm_result {
    guint notified;   /*!< clients whose statd answered the SM_NOTIFY */
    guint unresolved; /*!< names with no address in time */
    guint no_statd;   /*!< portmapper had no statd registered */
    guint silent;     /*!< never answered before the deadline */
    GString *missed;  /*!< names not notified, comma separated (g_string_free) */
    GPtrArray *answered; /*!< names notified (g_ptr_array_unref; strings
                              borrowed from the names given) */
};

/*!
 * \brief Notify every client of \p names that the host \p src_ip rebooted
 *        with state \p state, from \p src_ip, until all answered or
 *        \p deadline.
 *
 * \param[out] res  counts (res->missed and res->answered to be freed by the
 *                  caller)
 * \return 0 (whatever the clients did), or a negative errno when nothing
 *         could be sent: -EINVAL for a bad \p src_ip, -EADDRNOTAVAIL when
 *         \p src_ip is not an address of this host, another from socket()
 */
int nsm_notify(const char *src_ip, int32_t state, GPtrArray *names,
               int64_t deadline, struct nsm_result *res);

/*!
 * \brief nsm_notify() with the clients' portmapper on \p pmap_port instead
 *        of 111 (the unit tests' stand-in listens elsewhere).
 */
int nsm_notify_port(const char *src_ip, int32_t state, GPtrArray *names,
                    uint16_t pmap_port, int64_t deadline,
                    struct nsm_result *res);

#endif
