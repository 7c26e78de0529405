/* fapi_conf: a scenario's `fapi:` section (profile, ek_cert_less,
 * ek_cert, system_pcrs), checked at load time. */
#ifndef TPMRUN_LOAD_FAPI_CONF_H
#define TPMRUN_LOAD_FAPI_CONF_H

#include <stdbool.h>
#include <jansson.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/node.h"

#define FAPI_SYSTEM_PROFILE_DIR "/etc/tpm2-tss/fapi-profiles"
#define FAPI_DEFAULT_PROFILE    "P_RSA2048SHA256"

typedef struct fapi_conf {
    char *profile;              /* profile name (a profile file's name without .json) */
    char *profile_file;         /* a profile file next to the scenario; NULL: FAPI_SYSTEM_PROFILE_DIR */
    bool ek_cert_less;          /* default true */
    bool ek_cert;               /* a private swtpm with EK certificates (swtpm_setup); FAPI
                                 * gets the EK's certificate from NV as its ek_cert_file */
    TPML_PCR_SELECTION system_pcrs;
} fapi_conf;

/* Loads and checks a `fapi:` mapping (NULL node: the defaults).  Errors
 * name file:line:col. */
bool fapi_conf_load(const node *n, const char *scenario_dir, fapi_conf **out, diag *d);
void fapi_conf_free(fapi_conf *c);
/* JSON Schema of the section (new reference). */
json_t *fapi_conf_schema(void);

#endif
