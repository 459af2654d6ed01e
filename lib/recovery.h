/*
 * recovery: the client records of ganesha's fs recovery backend, one
 * directory per client under <RecoveryRoot>/<node>/{v4recov,v4old}, named
 * "<client address>-(<length>:<owner>)", read to learn which NFSv4 clients
 * a node had (the owner is what ganesha's RELEASE_IP event matches).
 */
#ifndef GOCF_RECOVERY_H
#define GOCF_RECOVERY_H

#include <stdbool.h>

#include <glib.h>

/*! Most records read from one directory. */
#define RECOVERY_MAX_RECORDS 4096
/*! Longest owner accepted (NFSv4's opaque limit for a client owner). */
#define RECOVERY_OWNER_MAX 1024

/*!
 * \brief The owner of a record name "<addr>-(<len>:<owner>)".
 *
 * \p len must be the owner's length in bytes; the owner must be 1 to
 * RECOVERY_OWNER_MAX bytes of UTF-8 (it travels as a D-Bus string) with no
 * control character.
 * \param[out] ret_owner  the owner (g_free it), set only on success
 * \return 0, or -EINVAL when \p name is not such a record
 */
int recovery_record_owner(const char *name, char **ret_owner);

/*!
 * \brief Add the owners of the records in \p dir to \p owners (no duplicate).
 *
 * Entries that are not records (ganesha's "node0" of clustered mode, files)
 * are skipped. A missing directory adds nothing.
 * \param owners  array of g_malloc'ed strings (g_free as free func)
 * \return 0, -ENOENT when \p dir does not exist, -E2BIG past
 *         RECOVERY_MAX_RECORDS, or another -errno from opening it
 */
int recovery_read_owners(const char *dir, GPtrArray *owners);

/*!
 * \brief Whether releasing \p owner by substring (what ganesha's RELEASE_IP
 *        does) would also hit another owner of \p others.
 */
bool recovery_owner_ambiguous(const char *owner, GPtrArray *others);

/*!
 * \brief Whether releasing the address \p addr by substring (RELEASE_IP
 *        "2:<addr>": its NLM locks, and the NFSv4 clients whose owner
 *        contains it) would hit an owner of \p owners that holds \p addr
 *        only as part of a longer address ("10.0.0.1" in "10.0.0.11").
 *
 * An owner that names \p addr as a whole address (a Linux NFSv4.0 client of
 * that server: "Linux NFSv4.0 <client>/<server> tcp") is a client of that
 * address, which the release is meant for.
 */
bool recovery_address_ambiguous(const char *addr, GPtrArray *owners);

#endif
