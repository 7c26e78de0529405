/* tpm_struct: the TPM structures that travel as values -- one table of
 * their names, libtss2-mu (un)marshaling and decoded views. */
#ifndef TPMRUN_TPM_STRUCT_H
#define TPMRUN_TPM_STRUCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "base/diag.h"

typedef enum {
    TS_NONE,
    TS_PUBLIC,          /* TPM2B_PUBLIC */
    TS_PRIVATE,         /* TPM2B_PRIVATE */
    TS_SIGNATURE,       /* TPMT_SIGNATURE */
    TS_HASHCHECK,       /* TPMT_TK_HASHCHECK */
    TS_CREATION_DATA,   /* TPM2B_CREATION_DATA */
    TS_CREATION_TICKET, /* TPMT_TK_CREATION */
    TS_PCR_SELECTION,   /* TPML_PCR_SELECTION */
    TS_DIGEST_LIST,     /* TPML_DIGEST */
    TS_VERIFIED,        /* TPMT_TK_VERIFIED */
    TS_TK_AUTH,         /* TPMT_TK_AUTH */
    TS_NV_PUBLIC,       /* TPM2B_NV_PUBLIC */
    TS_ATTEST,          /* TPM2B_ATTEST: a TPMS_ATTEST the TPM signs */
    TS_TIME_INFO,       /* TPMS_TIME_INFO */
    TS_CAPABILITY_DATA, /* TPMS_CAPABILITY_DATA */
    TS_DIGEST_VALUES,   /* TPML_DIGEST_VALUES */
    TS_ECC_POINT,       /* TPM2B_ECC_POINT */
    TS_ALGORITHM_DETAIL_ECC, /* TPMS_ALGORITHM_DETAIL_ECC */
    TS_CONTEXT,         /* TPMS_CONTEXT (as Esys_ContextSave gives it) */
    TS_ID_OBJECT,       /* TPM2B_ID_OBJECT (a credential blob) */
    TS_ENCRYPTED_SECRET, /* TPM2B_ENCRYPTED_SECRET */
    TS_COUNT
} tpm_struct;

const char *tpm_struct_name(tpm_struct st);          /* "TPM2B_PUBLIC"; "bytes" for TS_NONE */
tpm_struct tpm_struct_by_name(const char *name);     /* TS_NONE if unknown */
/* A structure's name, or "bytes" (TS_NONE). */
bool tpm_struct_parse_name(const char *s, tpm_struct *out, diag *d);
const char *const *tpm_struct_names(void);           /* "bytes" and every structure */
/* Unmarshal `len` bytes of type st into `out` (the C struct); false
 * unless the bytes are exactly one valid encoding. */
bool tpm_struct_unmarshal(tpm_struct st, const uint8_t *data, size_t len, void *out);
/* Are these bytes exactly one valid encoding of st? */
bool tpm_struct_valid(tpm_struct st, const uint8_t *data, size_t len);
/* Marshals a C struct; *out is malloc'd.  False when st is not a structure. */
bool tpm_struct_marshal(tpm_struct st, const void *in, uint8_t **out, size_t *len);
/* The decoded view of the bytes (new reference), NULL when the structure
 * has none or the bytes do not unmarshal. */
json_t *tpm_struct_decode(tpm_struct st, const uint8_t *data, size_t len);

#endif
