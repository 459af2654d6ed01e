/*
 * notify: the node lists of Pacemaker's clone notifications
 * (OCF_RESKEY_CRM_meta_notify_{stop,start}_uname): untrusted environment
 * text turned into checked, deduplicated node names.
 */
#ifndef GOCF_NOTIFY_H
#define GOCF_NOTIFY_H

#include <glib.h>

/*!
 * \brief The node names of a notify list.
 *
 * The list is split on whitespace; empty words, \p local and repeated names
 * are left out. A word that is not a valid node name (attr_node_name_valid())
 * is logged and added to \p failures as "\"<escaped, cut>\" (malformed node
 * name)"; names beyond the first \p max are counted and added to \p failures
 * as one "<n> node(s) beyond the first <max> (too many nodes)".
 *
 * \param list      the notify variable's value, or NULL (no names)
 * \param local     the local node's name (never returned)
 * \param max       most names returned
 * \param failures  array of g_malloc'ed strings the refusals are added to
 * \return array of g_malloc'ed names (g_ptr_array_unref() frees them)
 */
GPtrArray *notify_node_names(const char *list, const char *local, guint max,
                             GPtrArray *failures);

#endif
