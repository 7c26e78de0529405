/* policy_node: JSON policies written in a scenario -- inline (YAML or
 * JSON) or as {file:} -- checked with their file:line:col, and policies
 * given as JSON text. */
#ifndef TPMRUN_TPM_POLICY_NODE_H
#define TPMRUN_TPM_POLICY_NODE_H

#include <stdbool.h>
#include "base/node.h"

/* Checks a JSON policy given as text; d's offset points at a JSON syntax
 * error, or 0. */
bool policy_node_check(const char *text, diag *d);

/* A policy written in a scenario: an inline mapping or list, or
 * {file: path} (relative to `dir`; JSON or YAML).  Errors name the
 * file:line:col of the offending piece (in the policy file for {file:}).
 * Every scalar holding "${" goes to ref_ok (which checks the reference and
 * sets the diagnostic itself); *has_refs tells whether there were any.
 * Returns the policy as compact JSON text (malloc'd), or NULL with d set. */
typedef bool (*policy_ref_check)(void *user, const node *scalar);
char *policy_node_to_json(const node *n, const char *dir, policy_ref_check ref_ok, void *user, bool *has_refs,
                            diag *d);

#endif
