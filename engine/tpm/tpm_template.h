/* tpm_template: tpm2-tools "-G" key templates and the named TCG templates
 * -> TPMT_PUBLIC (see tpm_template.c for the grammar and defaults). */
#ifndef TPMRUN_TPM_TEMPLATE_H
#define TPMRUN_TPM_TEMPLATE_H

#include <stdbool.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

/* A parsed template: what the text names.  The defaults that depend on
 * how the key is made are applied by tpm_template_public (a primary's
 * differ from an ordinary key's, as tpm2_createprimary's and tpm2_create's
 * do). */
typedef struct tpm_template {
    TPMT_PUBLIC pub;        /* type, parameters and scheme as written */
    int kind;               /* the object kind (tpm_template.c) */
    int named;              /* a named template (index), or -1 */
    bool sym_given;         /* rsa/ecc: a symmetric piece was written, */
    bool sym_mode_given;    /* ... with its mode */
} tpm_template;

bool tpm_template_parse(const char *s, tpm_template *out, diag *d);
/* The public area: tpm2-tools' defaults (nameAlg sha256, the default
 * attributes of the object kind narrowed by its scheme, aes128cfb for a
 * storage key); named templates exactly as the TCG defines them.
 * `primary` selects tpm2_createprimary's defaults.  `attrs` (or NULL)
 * replaces the attributes, as tpm2-tools' -a does, and the defaults that
 * follow from them (a storage key's symmetric) follow the given ones. */
void tpm_template_public(const tpm_template *t, bool primary, const TPMA_OBJECT *attrs, TPMT_PUBLIC *out);
/* Object names the grammar starts with, for schemas and hints (static). */
const char *const *tpm_template_names(void);
/* The grammar as a regular expression over the lowercased text (static). */
const char *tpm_template_pattern(void);

/* The named TCG templates with a line each (for --list-steps -v and the
 * docs), {NULL}-terminated. */
typedef struct tpm_named_template {
    const char *name, *doc;
} tpm_named_template;
const tpm_named_template *tpm_template_named(void);

#endif
