/* tpm_decode: JSON views of TPM structures for the results.
 *
 * Algorithm and curve names come from the tables in tpm_alg.c (unknown
 * values print as "0x%04x"); byte strings print as lowercase hex.
 *
 * public:    {"type", "nameAlg", "attributes" (names), "attributesValue"
 *             (number), "authPolicy", "parameters": {...}, "unique": {...}}
 *   rsa:       parameters {symmetric, scheme, keyBits, exponent}, unique {n}
 *   ecc:       parameters {symmetric, scheme, curve, kdf},        unique {x, y}
 *   keyedhash: parameters {scheme},                                unique {digest}
 *   symcipher: parameters {symmetric},                             unique {digest}
 *   symmetric: {"algorithm", "keyBits", "mode"} ({"algorithm": "null"})
 *   scheme/kdf: {"scheme", "hashAlg"[, "count" (ecdaa)][, "kdf" (xor)]}
 * signature: {"sigAlg", "hash", "signature"} (rsa, hmac) or
 *            {"sigAlg", "hash", "r", "s"} (ecc); {"sigAlg": "null"}
 * tickets: {"tag", "hierarchy", "digest"} with tag and hierarchy as "0x.."
 * pcr selection: [{"hash", "pcrs": [n, ...]}, ...]
 * digest list: ["hex", ...]
 * time info: {"time", "clockInfo": {"clock", "resetCount", "restartCount", "safe"}} */
#include "tpm/tpm_decode.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_attr.h"
#include "tpm/tpm_hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *alg_json(TPM2_ALG_ID alg)
{
    const char *n = tpm_alg_name(alg);
    if (n)
        return json_string(n);
    char buf[16];
    snprintf(buf, sizeof buf, "0x%04x", (unsigned)alg);
    return json_string(buf);
}

static json_t *hex_json(const BYTE *b, size_t n)
{
    char *s = malloc(n * 2 + 1);
    if (!s)
        return json_null();
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = digits[b[i] >> 4];
        s[2 * i + 1] = digits[b[i] & 15];
    }
    s[2 * n] = '\0';
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* TPM2B_* with a size and a buffer of `cap` bytes */
#define HEX2B(x) hex_json((x).buffer, (x).size <= sizeof (x).buffer ? (x).size : sizeof (x).buffer)

static json_t *u32_hex(uint32_t v)
{
    char buf[16];
    snprintf(buf, sizeof buf, "0x%08x", (unsigned)v);
    return json_string(buf);
}

static json_t *sym_json(const TPMT_SYM_DEF_OBJECT *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "algorithm", alg_json(s->algorithm));
    if (s->algorithm == TPM2_ALG_NULL)
        return o;
    json_object_set_new(o, "keyBits", json_integer(s->keyBits.sym));
    json_object_set_new(o, "mode", alg_json(s->mode.sym));
    return o;
}

static json_t *asym_scheme_json(const TPMT_ASYM_SCHEME *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "scheme", alg_json(s->scheme));
    if (s->scheme == TPM2_ALG_NULL || s->scheme == TPM2_ALG_RSAES)
        return o;
    json_object_set_new(o, "hashAlg", alg_json(s->details.anySig.hashAlg));
    if (s->scheme == TPM2_ALG_ECDAA)
        json_object_set_new(o, "count", json_integer(s->details.ecdaa.count));
    return o;
}

static json_t *kdf_json(const TPMT_KDF_SCHEME *k)
{
    json_t *o = json_object();
    json_object_set_new(o, "scheme", alg_json(k->scheme));
    if (k->scheme != TPM2_ALG_NULL)
        json_object_set_new(o, "hashAlg", alg_json(k->details.mgf1.hashAlg));
    return o;
}

static json_t *keyedhash_scheme_json(const TPMT_KEYEDHASH_SCHEME *k)
{
    json_t *o = json_object();
    json_object_set_new(o, "scheme", alg_json(k->scheme));
    if (k->scheme == TPM2_ALG_HMAC) {
        json_object_set_new(o, "hashAlg", alg_json(k->details.hmac.hashAlg));
    } else if (k->scheme == TPM2_ALG_XOR) {
        json_object_set_new(o, "hashAlg", alg_json(k->details.exclusiveOr.hashAlg));
        json_object_set_new(o, "kdf", alg_json(k->details.exclusiveOr.kdf));
    }
    return o;
}

json_t *tpm_decode_public(const TPM2B_PUBLIC *p)
{
    if (!p)
        return json_null();
    const TPMT_PUBLIC *t = &p->publicArea;
    json_t *o = json_object();
    json_object_set_new(o, "type", alg_json(t->type));
    json_object_set_new(o, "nameAlg", alg_json(t->nameAlg));
    char *attrs = tpm_attr_format_object(t->objectAttributes);
    json_object_set_new(o, "attributes", attrs ? json_string(attrs) : json_null());
    free(attrs);
    json_object_set_new(o, "attributesValue", json_integer(t->objectAttributes));
    json_object_set_new(o, "authPolicy", HEX2B(t->authPolicy));

    json_t *par = json_object();
    json_t *uni = json_object();
    switch (t->type) {
    case TPM2_ALG_RSA:
        json_object_set_new(par, "symmetric", sym_json(&t->parameters.rsaDetail.symmetric));
        json_object_set_new(par, "scheme", asym_scheme_json(&t->parameters.asymDetail.scheme));
        json_object_set_new(par, "keyBits", json_integer(t->parameters.rsaDetail.keyBits));
        json_object_set_new(par, "exponent", json_integer(t->parameters.rsaDetail.exponent));
        json_object_set_new(uni, "n", HEX2B(t->unique.rsa));
        break;
    case TPM2_ALG_ECC: {
        json_object_set_new(par, "symmetric", sym_json(&t->parameters.eccDetail.symmetric));
        json_object_set_new(par, "scheme", asym_scheme_json(&t->parameters.asymDetail.scheme));
        const char *c = tpm_alg_curve_name(t->parameters.eccDetail.curveID);
        if (c) {
            json_object_set_new(par, "curve", json_string(c));
        } else {
            char buf[16];
            snprintf(buf, sizeof buf, "0x%04x", (unsigned)t->parameters.eccDetail.curveID);
            json_object_set_new(par, "curve", json_string(buf));
        }
        json_object_set_new(par, "kdf", kdf_json(&t->parameters.eccDetail.kdf));
        json_object_set_new(uni, "x", HEX2B(t->unique.ecc.x));
        json_object_set_new(uni, "y", HEX2B(t->unique.ecc.y));
        break;
    }
    case TPM2_ALG_KEYEDHASH:
        json_object_set_new(par, "scheme",
                            keyedhash_scheme_json(&t->parameters.keyedHashDetail.scheme));
        json_object_set_new(uni, "digest", HEX2B(t->unique.keyedHash));
        break;
    case TPM2_ALG_SYMCIPHER:
        json_object_set_new(par, "symmetric", sym_json(&t->parameters.symDetail.sym));
        json_object_set_new(uni, "digest", HEX2B(t->unique.sym));
        break;
    default:
        break;
    }
    json_object_set_new(o, "parameters", par);
    json_object_set_new(o, "unique", uni);
    return o;
}

json_t *tpm_decode_signature(const TPMT_SIGNATURE *s)
{
    if (!s)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "sigAlg", alg_json(s->sigAlg));
    switch (s->sigAlg) {
    case TPM2_ALG_RSASSA:
    case TPM2_ALG_RSAPSS:
        json_object_set_new(o, "hash", alg_json(s->signature.rsassa.hash));
        json_object_set_new(o, "signature", HEX2B(s->signature.rsassa.sig));
        break;
    case TPM2_ALG_ECDSA:
    case TPM2_ALG_ECDAA:
    case TPM2_ALG_SM2:
    case TPM2_ALG_ECSCHNORR:
        json_object_set_new(o, "hash", alg_json(s->signature.ecdsa.hash));
        json_object_set_new(o, "r", HEX2B(s->signature.ecdsa.signatureR));
        json_object_set_new(o, "s", HEX2B(s->signature.ecdsa.signatureS));
        break;
    case TPM2_ALG_HMAC: {
        TPMI_ALG_HASH h = s->signature.hmac.hashAlg;
        json_object_set_new(o, "hash", alg_json(h));
        json_object_set_new(o, "signature",
                            hex_json((const BYTE *)&s->signature.hmac.digest, tpm_hash_size(h)));
        break;
    }
    default:
        break;
    }
    return o;
}

json_t *tpm_decode_ticket(const TPMT_TK_HASHCHECK *t)
{
    if (!t)
        return json_null();
    json_t *o = json_object();
    char buf[16];
    snprintf(buf, sizeof buf, "0x%04x", (unsigned)t->tag);
    json_object_set_new(o, "tag", json_string(buf));
    json_object_set_new(o, "hierarchy", u32_hex(t->hierarchy));
    json_object_set_new(o, "digest", HEX2B(t->digest));
    return o;
}

json_t *tpm_decode_pcr_selection(const TPML_PCR_SELECTION *s)
{
    json_t *a = json_array();
    if (!s)
        return a;
    UINT32 count = s->count > TPM2_NUM_PCR_BANKS ? TPM2_NUM_PCR_BANKS : s->count;
    for (UINT32 i = 0; i < count; i++) {
        const TPMS_PCR_SELECTION *ps = &s->pcrSelections[i];
        json_t *o = json_object();
        json_object_set_new(o, "hash", alg_json(ps->hash));
        json_t *pcrs = json_array();
        unsigned size = ps->sizeofSelect > TPM2_PCR_SELECT_MAX ? TPM2_PCR_SELECT_MAX
                                                                : ps->sizeofSelect;
        for (unsigned b = 0; b < size * 8u; b++)
            if (ps->pcrSelect[b / 8] & (1u << (b % 8)))
                json_array_append_new(pcrs, json_integer(b));
        json_object_set_new(o, "pcrs", pcrs);
        json_array_append_new(a, o);
    }
    return a;
}

json_t *tpm_decode_digest_list(const TPML_DIGEST *l)
{
    json_t *a = json_array();
    for (UINT32 i = 0; a && i < l->count && i < 8; i++)
        json_array_append_new(a, HEX2B(l->digests[i]));
    return a;
}

json_t *tpm_decode_nv_public(const TPM2B_NV_PUBLIC *p)
{
    const TPMS_NV_PUBLIC *n = &p->nvPublic;
    char *attrs = tpm_attr_format_nv(n->attributes);
    json_t *o = json_pack("{s:o,s:o,s:s,s:I,s:o,s:I}", "nvIndex", u32_hex(n->nvIndex), "nameAlg", alg_json(n->nameAlg),
                          "attributes", attrs ? attrs : "", "attributesValue", (json_int_t)n->attributes,
                          "authPolicy", HEX2B(n->authPolicy), "dataSize", (json_int_t)n->dataSize);
    free(attrs);
    return o;
}

json_t *tpm_decode_time_info(const TPMS_TIME_INFO *t)
{
    /* (times are below 2^63 ms unless TPM2_ClockSet made them so: json_int_t is signed) */
    const TPMS_CLOCK_INFO *c = &t->clockInfo;
    return json_pack("{s:I,s:{s:I,s:I,s:I,s:b}}", "time", (json_int_t)t->time, "clockInfo", "clock",
                     (json_int_t)c->clock, "resetCount", (json_int_t)c->resetCount, "restartCount",
                     (json_int_t)c->restartCount, "safe", c->safe == TPM2_YES);
}
