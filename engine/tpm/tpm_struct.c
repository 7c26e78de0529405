/* tpm_struct: the one table of TPM structures that travel as values —
 * their names, libtss2-mu (un)marshaling and decoded views. */
#include "tpm/tpm_struct.h"
#include "tpm/tpm_attest.h"
#include "tpm/tpm_cap.h"
#include "tpm/tpm_context.h"
#include "tpm/tpm_creation.h"
#include "tpm/tpm_credential.h"
#include "tpm/tpm_decode.h"
#include "tpm/tpm_digest_values.h"
#include "tpm/tpm_ecc.h"
#include "base/text.h"

#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

/* libtss2-mu functions differ only in the C type of the structure, so each
 * gets a thin wrapper with void pointers (calling through a cast function
 * pointer would be undefined behaviour). */
#define MU_WRAP(T)                                                                    \
    static TSS2_RC mu_m_##T(const void *src, uint8_t *buf, size_t size, size_t *off)  \
    { return Tss2_MU_##T##_Marshal((const T *)src, buf, size, off); }                 \
    static TSS2_RC mu_u_##T(const uint8_t *buf, size_t size, size_t *off, void *dst)  \
    { return Tss2_MU_##T##_Unmarshal(buf, size, off, (T *)dst); }

MU_WRAP(TPM2B_PUBLIC)
MU_WRAP(TPM2B_PRIVATE)
MU_WRAP(TPMT_SIGNATURE)
MU_WRAP(TPMT_TK_HASHCHECK)
MU_WRAP(TPM2B_CREATION_DATA)
MU_WRAP(TPMT_TK_CREATION)
MU_WRAP(TPML_PCR_SELECTION)
MU_WRAP(TPML_DIGEST)
MU_WRAP(TPMT_TK_VERIFIED)
MU_WRAP(TPMT_TK_AUTH)
MU_WRAP(TPM2B_NV_PUBLIC)
MU_WRAP(TPM2B_ATTEST)
MU_WRAP(TPMS_TIME_INFO)
MU_WRAP(TPMS_CAPABILITY_DATA)
MU_WRAP(TPML_DIGEST_VALUES)
MU_WRAP(TPM2B_ECC_POINT)
MU_WRAP(TPMS_ALGORITHM_DETAIL_ECC)
MU_WRAP(TPMS_CONTEXT)
MU_WRAP(TPM2B_ID_OBJECT)
MU_WRAP(TPM2B_ENCRYPTED_SECRET)

/* The decoders take their C type; the table calls them through these. */
static json_t *dec_public(const void *p) { return tpm_decode_public(p); }
static json_t *dec_signature(const void *p) { return tpm_decode_signature(p); }
static json_t *dec_pcr_selection(const void *p) { return tpm_decode_pcr_selection(p); }
static json_t *dec_digest_list(const void *p) { return tpm_decode_digest_list(p); }
static json_t *dec_nv_public(const void *p) { return tpm_decode_nv_public(p); }
static json_t *dec_attest(const void *p) { return tpm_attest_decode(p); }
static json_t *dec_time_info(const void *p) { return tpm_decode_time_info(p); }
static json_t *dec_capability_data(const void *p) { return tpm_cap_decode(p); }
static json_t *dec_context(const void *p) { return tpm_context_decode(p); }
static json_t *dec_id_object(const void *p) { return tpm_credential_decode_blob(p); }
static json_t *dec_encrypted_secret(const void *p) { return tpm_credential_decode_secret(p); }
/* Every ticket is tag, hierarchy, digest: one view, through a copy (the C types differ). */
_Static_assert(sizeof(TPMT_TK_AUTH) == sizeof(TPMT_TK_HASHCHECK) && sizeof(TPMT_TK_VERIFIED) == sizeof(TPMT_TK_HASHCHECK) &&
                   sizeof(TPMT_TK_CREATION) == sizeof(TPMT_TK_HASHCHECK), "tickets share one layout");
static json_t *dec_ticket(const void *p)
{
    TPMT_TK_HASHCHECK t;
    memcpy(&t, p, sizeof t);
    return tpm_decode_ticket(&t);
}
static json_t *dec_digest_values(const void *p) { return tpm_digest_values_decode(p); }
static json_t *dec_ecc_point(const void *p) { return tpm_ecc_decode_point(p); }
static json_t *dec_ecc_detail(const void *p) { return tpm_ecc_decode_detail(p); }
static json_t *dec_creation_data(const void *p) { return tpm_creation_decode(p); }

typedef struct struct_row {
    const char *name;
    size_t size;
    TSS2_RC (*marshal)(const void *, uint8_t *, size_t, size_t *);
    TSS2_RC (*unmarshal)(const uint8_t *, size_t, size_t *, void *);
    json_t *(*decode)(const void *);
} struct_row;

#define ROW(T, dec) { #T, sizeof(T), mu_m_##T, mu_u_##T, dec }
static const struct_row rows[TS_COUNT] = {
    [TS_PUBLIC] = ROW(TPM2B_PUBLIC, dec_public),
    [TS_PRIVATE] = ROW(TPM2B_PRIVATE, NULL),
    [TS_SIGNATURE] = ROW(TPMT_SIGNATURE, dec_signature),
    [TS_HASHCHECK] = ROW(TPMT_TK_HASHCHECK, dec_ticket),
    [TS_CREATION_DATA] = ROW(TPM2B_CREATION_DATA, dec_creation_data),
    [TS_CREATION_TICKET] = ROW(TPMT_TK_CREATION, dec_ticket),
    [TS_PCR_SELECTION] = ROW(TPML_PCR_SELECTION, dec_pcr_selection),
    [TS_DIGEST_LIST] = ROW(TPML_DIGEST, dec_digest_list),
    [TS_VERIFIED] = ROW(TPMT_TK_VERIFIED, dec_ticket),
    [TS_TK_AUTH] = ROW(TPMT_TK_AUTH, dec_ticket),
    [TS_NV_PUBLIC] = ROW(TPM2B_NV_PUBLIC, dec_nv_public),
    [TS_ATTEST] = ROW(TPM2B_ATTEST, dec_attest),
    [TS_TIME_INFO] = ROW(TPMS_TIME_INFO, dec_time_info),
    [TS_CAPABILITY_DATA] = ROW(TPMS_CAPABILITY_DATA, dec_capability_data),
    [TS_DIGEST_VALUES] = ROW(TPML_DIGEST_VALUES, dec_digest_values),
    [TS_ECC_POINT] = ROW(TPM2B_ECC_POINT, dec_ecc_point),
    [TS_ALGORITHM_DETAIL_ECC] = ROW(TPMS_ALGORITHM_DETAIL_ECC, dec_ecc_detail),
    [TS_CONTEXT] = ROW(TPMS_CONTEXT, dec_context),
    [TS_ID_OBJECT] = ROW(TPM2B_ID_OBJECT, dec_id_object),
    [TS_ENCRYPTED_SECRET] = ROW(TPM2B_ENCRYPTED_SECRET, dec_encrypted_secret),
};

const char *tpm_struct_name(tpm_struct st)
{
    return st > TS_NONE && st < TS_COUNT ? rows[st].name : "bytes";
}

tpm_struct tpm_struct_by_name(const char *name)
{
    for (int st = TS_NONE + 1; st < TS_COUNT; st++)
        if (strcmp(rows[st].name, name) == 0)
            return (tpm_struct)st;
    return TS_NONE;
}

bool tpm_struct_unmarshal(tpm_struct st, const uint8_t *data, size_t len, void *out)
{
    if (st <= TS_NONE || st >= TS_COUNT)
        return false;
    size_t off = 0;
    memset(out, 0, rows[st].size);
    return rows[st].unmarshal(data, len, &off, out) == TSS2_RC_SUCCESS && off == len;
}

bool tpm_struct_valid(tpm_struct st, const uint8_t *data, size_t len)
{
    if (st <= TS_NONE || st >= TS_COUNT)
        return false;
    void *tmp = malloc(rows[st].size);
    bool ok = tmp && tpm_struct_unmarshal(st, data, len, tmp);
    free(tmp);
    return ok;
}

bool tpm_struct_marshal(tpm_struct st, const void *in, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (st <= TS_NONE || st >= TS_COUNT)
        return false;
    /* Every structure here fits in its own C size once marshaled. */
    size_t cap = rows[st].size + 16, off = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return false;
    if (rows[st].marshal(in, buf, cap, &off) != TSS2_RC_SUCCESS) {
        free(buf);
        return false;
    }
    *out = buf;
    *len = off;
    return true;
}

json_t *tpm_struct_decode(tpm_struct st, const uint8_t *data, size_t len)
{
    if (st <= TS_NONE || st >= TS_COUNT || !rows[st].decode)
        return NULL;
    void *tmp = malloc(rows[st].size);
    json_t *j = NULL;
    if (tmp && tpm_struct_unmarshal(st, data, len, tmp))
        j = rows[st].decode(tmp);
    free(tmp);
    return j;
}

bool tpm_struct_parse_name(const char *s, tpm_struct *out, diag *d)
{
    if (strcmp(s, "bytes") == 0) {
        *out = TS_NONE;
        return true;
    }
    *out = tpm_struct_by_name(s);
    if (*out != TS_NONE)
        return true;
    diag_at(d, 0, "unknown structure '%s' (bytes, TPM2B_PUBLIC, TPM2B_PRIVATE, TPMT_SIGNATURE ...)", s);
    return false;
}

const char *const *tpm_struct_names(void)
{
    static const char *names[TS_COUNT + 1];
    if (!names[0]) {
        names[0] = "bytes";
        for (int st = TS_NONE + 1; st < TS_COUNT; st++)
            names[st] = rows[st].name;
    }
    return names;
}
