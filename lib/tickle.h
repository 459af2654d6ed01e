/*
 * tickle: tickle ACKs for the NFS connections of an address that moved.
 *
 * After a crash the clients of the crashed node's address keep their TCP
 * connections, retransmit into the void with an exponential back-off, and
 * only notice the address on a survivor at their next retransmission,
 * seconds after it arrived. A tickle ACK (CTDB's name) is a bare ACK, with
 * sequence numbers 0, sent from the address to a client's connection: the
 * client answers with its own ACK, the survivor's kernel has no such
 * connection and resets it, and the client connects again at once.
 *
 * The holder of the address records its established connections
 * (<dir>/<ip>.conn, one "client-address client-port" per line, written only
 * when it changed, atomically); the node that takes the address over reads
 * that record and sends the ACKs from a short-lived process that waits for
 * the address to come up. A tickle to a connection that is alive on the
 * sender only makes its peer send a duplicate ACK.
 */
#ifndef GOCF_TICKLE_H
#define GOCF_TICKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/*! The suffix of a record's file name, after the address. */
#define TICKLE_SUFFIX ".conn"

/*! The most connections a record holds (the rest are not tickled). */
#define TICKLE_MAX_CONNS 8192

/*! One client end of a connection: an IPv4 (first 4 bytes) or IPv6 address. */
struct tickle_conn {
    uint8_t addr[16];
    uint16_t port; /* host order */
};

/*!
 * \brief The established TCP connections whose local end is \p ip:\p port
 *        (sock_diag; an IPv4 \p ip also as ::ffff:\p ip of a dual-stack
 *        socket), their client ends appended to \p out (struct
 *        tickle_conn), sorted, without duplicates.
 * \return the number appended, or a negative errno (-EINVAL: a bad \p ip)
 */
int tickle_list(const char *ip, int port, GArray *out);

/*!
 * \brief The record's text for \p conns of an address of family \p ipv6.
 *        Free with g_free().
 */
char *tickle_format(const GArray *conns, bool ipv6);

/*!
 * \brief Parse a record's text: lines "client-address client-port" of the
 *        address family \p ipv6, appended to \p out; other lines are skipped,
 *        and so is anything past TICKLE_MAX_CONNS.
 * \return the number appended
 */
int tickle_parse(const char *text, bool ipv6, GArray *out);

/*!
 * \brief Record the connections of \p ip:\p port in \p dir (only when they
 *        changed: nothing is written at each monitor of an idle address).
 * \param[out] ret_written  whether the file was written; may be NULL
 * \return the number of connections, or a negative errno (-ENOENT: no
 *         \p dir)
 */
int tickle_record(const char *dir, const char *ip, int port, bool *ret_written);

/*!
 * \brief tickle_record() for a monitor: the connections are listed here;
 *        when they differ from \p cache (a local file: what this node
 *        recorded last) the record is written by a child, waited for until
 *        \p deadline, so that a hung shared storage holds up the child, not
 *        the caller. The child holds an flock on \p lock (a local file)
 *        until it is done; while it does, a new call records nothing. An
 *        unchanged set costs no child and no access to \p dir.
 * \return as tickle_record(), or -ETIMEDOUT (the child is still at it and
 *         finishes on its own), -EBUSY (an earlier one still is)
 */
int tickle_record_within(const char *dir, const char *ip, int port,
                         const char *cache, const char *lock, int64_t deadline,
                         bool *ret_written);

/*!
 * \brief Build the tickle ACK from \p ip:\p port to \p conn into \p buf
 *        (an IPv4 or IPv6 header, then TCP with its checksum).
 * \return its length (40 or 60), or 0 if \p ip is bad or \p len too small
 */
size_t tickle_packet(const char *ip, int port, const struct tickle_conn *conn,
                     uint8_t *buf, size_t len);

/*!
 * \brief Send one tickle ACK to each of \p conns from \p ip:\p port (a raw
 *        socket: needs CAP_NET_RAW).
 * \return the number sent, or a negative errno
 */
int tickle_send(const char *ip, int port, const GArray *conns);

/*! \brief Whether \p ip is an address of this host now. */
bool tickle_address_here(const char *ip);

/*!
 * \brief Wait until \p ip is an address of this host (netlink), at most
 *        until \p deadline.
 * \return 1 when it is, 0 at the deadline, or a negative errno
 */
int tickle_wait_address(const char *ip, int64_t deadline);

/*!
 * \brief Start the process that tickles the connections recorded for \p ip
 *        in \p dir once \p ip is up here, at most \p wait_ms from now, and
 *        exits: a grandchild in its own session, stdio on /dev/null, no
 *        other descriptor kept, logging as \p agent (\p instance). The
 *        caller goes on at once.
 * \return 0 if it was started, or a negative errno (-EINVAL: a bad
 *         argument)
 */
int tickle_spawn(const char *dir, const char *ip, int port, int wait_ms,
                 const char *agent, const char *instance);

#endif /* GOCF_TICKLE_H */
