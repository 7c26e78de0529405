/* tpm_ecc: JSON views of TPM2B_ECC_POINT and TPMS_ALGORITHM_DETAIL_ECC. */
#include "tpm/tpm_ecc.h"
#include "base/hex.h"
#include "tpm/tpm_alg.h"

#include <stdio.h>
#include <stdlib.h>

/* A TPM2B_ECC_PARAMETER as hex; a size beyond the buffer (never from
 * libtss2-mu) is clamped rather than read past. */
static json_t *param_json(const TPM2B_ECC_PARAMETER *v)
{
    size_t n = v->size <= sizeof v->buffer ? v->size : sizeof v->buffer;
    char *s = hex_encode(v->buffer, n);
    json_t *j = s ? json_string(s) : json_null();
    free(s);
    return j;
}

/* A name from tpm_alg's tables, else the number as "0x%04x". */
static json_t *named(const char *name, unsigned id)
{
    if (name)
        return json_string(name);
    char buf[16];
    snprintf(buf, sizeof buf, "0x%04x", id);
    return json_string(buf);
}

static json_t *alg_json(TPM2_ALG_ID alg)
{
    return named(tpm_alg_name(alg), alg);
}

json_t *tpm_ecc_decode_point(const TPM2B_ECC_POINT *p)
{
    return json_pack("{s:o,s:o}", "x", param_json(&p->point.x), "y", param_json(&p->point.y));
}

static json_t *scheme_json(const TPMT_ECC_SCHEME *s)
{
    json_t *o = json_pack("{s:o}", "scheme", alg_json(s->scheme));
    if (s->scheme == TPM2_ALG_NULL)
        return o;
    json_object_set_new(o, "hashAlg", alg_json(s->details.anySig.hashAlg));
    if (s->scheme == TPM2_ALG_ECDAA)
        json_object_set_new(o, "count", json_integer(s->details.ecdaa.count));
    return o;
}

static json_t *kdf_json(const TPMT_KDF_SCHEME *k)
{
    json_t *o = json_pack("{s:o}", "scheme", alg_json(k->scheme));
    if (k->scheme != TPM2_ALG_NULL)
        json_object_set_new(o, "hashAlg", alg_json(k->details.mgf1.hashAlg));
    return o;
}

json_t *tpm_ecc_decode_detail(const TPMS_ALGORITHM_DETAIL_ECC *d)
{
    return json_pack("{s:o,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
                     "curveID", named(tpm_alg_curve_name(d->curveID), d->curveID),
                     "keySize", (int)d->keySize, "kdf", kdf_json(&d->kdf), "sign", scheme_json(&d->sign),
                     "p", param_json(&d->p), "a", param_json(&d->a), "b", param_json(&d->b),
                     "gX", param_json(&d->gX), "gY", param_json(&d->gY), "n", param_json(&d->n),
                     "h", param_json(&d->h));
}
