/*
 * attr: transient (reboot-lifetime) node attributes through crm_attribute,
 * the local node's name, and a snapshot of every node's state and transient
 * attributes (one cibadmin query) for waiting on other nodes.
 */
#ifndef GOCF_ATTR_H
#define GOCF_ATTR_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/*! Longest node name accepted. */
#define ATTR_NODE_NAME_MAX 253
/*! Longest attribute name accepted. */
#define ATTR_NAME_MAX 128

/*!
 * \brief Whether \p name is an acceptable cluster node name: 1 to
 *        ATTR_NODE_NAME_MAX characters of [A-Za-z0-9._-], starting with a
 *        letter or digit.
 */
bool attr_node_name_valid(const char *name);

/*!
 * \brief Whether \p name is an acceptable attribute name: 1 to
 *        ATTR_NAME_MAX characters of [A-Za-z0-9._-], starting with a letter,
 *        and not starting with '#' (Pacemaker's own).
 */
bool attr_name_valid(const char *name);

/*!
 * \brief What the failure \p r just returned by an attr_ function was, for
 *        an exit reason: the failing tool's own first stderr line ("crm_
 *        attribute failed (exit 1): <its words>"), or an odd answer quoted,
 *        instead of "Input/output error"; g_strerror() for other errors.
 * \return a string valid until the next attr_ call
 */
const char *attr_strerror(int r);

/*!
 * \brief The local node's cluster name: OCF_RESKEY_CRM_meta_on_node if set
 *        (and valid), else `crm_node -n`. Never hostname.
 * \return 0, -ENOTCONN if the cluster cannot be reached (crm_node exit 102),
 *         -EPROTO if the name is malformed (a local oddity: attr_strerror()
 *         quotes it), -ETIMEDOUT, or another -errno
 */
int attr_local_node(int64_t deadline, char **ret_node);

/*!
 * \brief attr_local_node(), and on failure a sentence for the exit reason:
 *        "cannot determine the local node name: <why>" in *ret_reason
 *        (g_free it).
 * \return what attr_local_node() returns
 */
int attr_local_node_why(int64_t deadline, char **ret_node, char **ret_reason);

/*!
 * \brief Set transient attribute \p name of \p node to \p value:
 *        crm_attribute -N node -n name -v value -l reboot.
 * \return 0, -ENOTCONN (cluster unreachable, exit 102), -ETIMEDOUT, -EIO
 *         (any other failure; details logged), -ENOENT (no crm_attribute)
 */
int attr_set(const char *node, const char *name, const char *value,
             int64_t deadline);

/*!
 * \brief Read transient attribute \p name of \p node (crm_attribute -G -q).
 * \return 0 with *ret_value set, -ENXIO if absent (exit 105), -ENOTCONN,
 *         -ETIMEDOUT, -EIO, -ENOENT
 */
int attr_get(const char *node, const char *name, int64_t deadline,
             char **ret_value);

/*!
 * \brief Delete transient attribute \p name of \p node; absent is success.
 * \return 0, -ENOTCONN, -ETIMEDOUT, -EIO, -ENOENT
 */
int attr_delete(const char *node, const char *name, int64_t deadline);

/*!
 * \brief Set permanent attribute \p name of \p node (the CIB's <nodes>
 *        section, kept across a restart of pacemaker-attrd):
 *        crm_attribute -N node -n name -v value -l forever.
 * \return as attr_set()
 */
int attr_set_permanent(const char *node, const char *name, const char *value,
                       int64_t deadline);

/*!
 * \brief Delete permanent attribute \p name of \p node; absent is success.
 * \return as attr_delete()
 */
int attr_delete_permanent(const char *node, const char *name, int64_t deadline);

/*!
 * \brief The extended regular expression that matches the names starting with
 * \p prefix (a valid attribute name), for attrd's pattern requests.
 */
char *attr_prefix_regex(const char *prefix);

/*!
 * \brief Delete every transient attribute of \p node whose name starts with
 *        \p prefix, with one `crm_attribute --pattern` call; none is success.
 * \return 0, -EINVAL (invalid node or prefix), -ENOTCONN, -ETIMEDOUT, -EIO,
 *         -ENOENT
 */
int attr_delete_prefix(const char *node, const char *prefix, int64_t deadline);

/*!
 * \brief Ask pacemaker-attrd itself (`attrd_updater -Q`) for \p name on
 *        \p node. Unlike the CIB, attrd also holds what was set for a node
 *        it lost (after a crash it cannot write those to the CIB: "peer
 *        UUID not known").
 * \return 0 with *ret_value (g_free it); -EIO when attrd has no such
 *         attribute or the tool failed otherwise; as attr_get() else
 */
int attr_attrd_get(const char *node, const char *name, int64_t deadline,
                   char **ret_value);

/*!
 * \brief The refusal a survivor carries when it did not confirm grace for
 *        the failed \p node while another survivor did:
 *        "no-<grace_ack>-<node>" (outside the "<grace_ack>-" namespace, so
 *        that deleting a node's own acks never touches it). The VIP group of
 *        \p node is banned from a survivor where it is 1. Freed with g_free.
 */
char *attr_nack_name(const char *grace_ack, const char *node);

/*! One node as seen in the CIB status section. */
struct attr_node {
    char *name;        /*!< uname */
    bool online;       /*!< crmd="online" and in_ccm="true" */
    GHashTable *attrs; /*!< transient attribute name -> value */
};

/*!
 * What attr_snapshot() asks cibadmin for (with --no-children): every
 * node_state element without its children (name and membership, not the
 * operation history under it) and every transient attribute's nvpair. The
 * answer is flat, in document order: <xpath-query>, then each node_state
 * followed by its own nvpairs.
 */
#define ATTR_SNAPSHOT_XPATH                                                    \
    "/cib/status/node_state"                                                   \
    "|/cib/status/node_state/transient_attributes/instance_attributes/nvpair"

/*!
 * \brief Every node's state and transient attributes, from one
 *        `cibadmin --query --local --no-children --xpath
 *        ATTR_SNAPSHOT_XPATH` (CIB_file honoured). Its size grows with the
 *        nodes and their attributes only, not with the resources.
 * \param[out] ret_nodes  array of struct attr_node *, freed with
 *                        g_ptr_array_unref()
 * \return 0, -ENOTCONN, -ETIMEDOUT, -EIO, -EMSGSIZE (cibadmin wrote more
 *         than RUN_OUTPUT_MAX: refused, never cut), -EBADMSG (unparsable
 *         XML); attr_strerror() says which
 */
int attr_snapshot(int64_t deadline, GPtrArray **ret_nodes);

/*! \brief Find \p node in a snapshot, or NULL. */
const struct attr_node *attr_snapshot_node(GPtrArray *nodes, const char *node);

/*! \brief Value of attribute \p name of node \p n (NULL-safe), or NULL. */
const char *attr_node_value(const struct attr_node *n, const char *name);

/*!
 * \brief Parse cibadmin's answer to ATTR_SNAPSHOT_XPATH into nodes; a whole
 *        CIB or its status section (nvpairs nested in node_state/
 *        transient_attributes/instance_attributes) reads the same. Used by
 *        attr_snapshot() and by tests.
 * \return 0, -EINVAL (\p xml NULL), -EBADMSG (not well-formed)
 */
int attr_snapshot_parse(const char *xml, GPtrArray **ret_nodes);

#endif
