/*
 * synguard: while a node holds a VIP, a new NFS connection to that address
 * that no listening socket would take (ganesha just died) is dropped instead
 * of refused. A refused Linux client waits 3 s (rpc_delay in
 * call_connect_status) before it tries again; a dropped SYN is sent again by
 * TCP after 1 s, by which time the address is usually on a survivor.
 *
 * The rules (iptables, ip6tables for an IPv6 address):
 *   -A INPUT -d <ip> -p tcp --dport <port> --syn -j ganesha-syn-guard
 *   -A ganesha-syn-guard -m socket --nowildcard -j RETURN
 *   -A ganesha-syn-guard -j DROP
 * "-m socket --nowildcard" matches when a socket, wildcard listeners
 * included (ganesha's dual-stack [::]:2049), would take the packet: a
 * running ganesha never sees the DROP.
 */
#ifndef GOCF_SYNGUARD_H
#define GOCF_SYNGUARD_H

#include <stdbool.h>
#include <stdint.h>

/*! The chain every guarded address jumps to. */
#define SYNGUARD_CHAIN "ganesha-syn-guard"

/*!
 * \brief The INPUT rule of one address, as iptables arguments after
 *        "-A|-C|-D INPUT" (NULL-terminated; free with g_strfreev()).
 * \return NULL if \p ip is not an IPv4 or IPv6 address or \p port is not
 *         1-65535
 */
char **synguard_rule(const char *ip, int port);

/*! \brief Whether \p ip is an IPv4 or IPv6 address and \p port 1-65535. */
bool synguard_valid(const char *ip, int port);

/*! \brief Whether \p ip is an IPv6 address (the guard uses ip6tables). */
bool synguard_is_ipv6(const char *ip);

/*!
 * \brief The iptables-restore input that (re)creates the chain and, with
 *        \p with_jump, inserts the address's INPUT rule. Free with g_free().
 * \return NULL on a bad address or port
 */
char *synguard_restore_input(const char *ip, int port, bool with_jump);

/*!
 * \brief Guard \p ip:\p port (idempotent: the INPUT rule once, the chain
 *        rebuilt).
 * \param[out] ret_why  on failure, why (free with g_free())
 * \return 0, or a negative errno (-ENOENT: no iptables; -EIO: the tool
 *         refused, e.g. a kernel without the socket match)
 */
int synguard_add(const char *ip, int port, int64_t deadline, char **ret_why);

/*!
 * \brief Remove every INPUT rule of \p ip:\p port (the chain stays: other
 *        addresses may use it, and alone it drops nothing).
 * \return 0 (also when there was none), or a negative errno
 */
int synguard_remove(const char *ip, int port, int64_t deadline,
                    char **ret_why);

#endif
