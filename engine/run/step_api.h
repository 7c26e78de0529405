/* step_api: what a step handler may use, and all it may use: step
 * families (steps/) include this header and engine/tpm/ only.
 *
 * A handler gets its world from the engine (the ESAPI or FAPI context of
 * the step's TPM, the sessions to send its command with, the work
 * directory), reads typed parameters, and reports through step_out: it
 * never prints, never parses scenario text and never looks into the
 * engine's state.  See docs/adding-a-step.md. */
#ifndef TPMRUN_RUN_STEP_API_H
#define TPMRUN_RUN_STEP_API_H

#include <stdarg.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_fapi.h>
#include "load/registry.h"
#include "tpm/tpm_handle.h"
#include "tpm/tpm_struct.h"
#include "tpm/tpm_template.h"
#include "tpm/value.h"

struct step_ctx {
    ESYS_CONTEXT *esys;         /* NEED_ESYS: on the step's TPM (its `tpm:`, else the first) */
    FAPI_CONTEXT *fapi;         /* NEED_FAPI: the scenario's FAPI context */
    const char *workdir;        /* the scenario's private directory */
    const char *scenario_dir;   /* directory of the scenario file */
    const char *tcti;           /* TCTI conf string for programs: the step's TPM through its proxy */
    /* The sessions to send the command with: the step's `sessions:`, else a
     * password session per authorized handle (row flags AUTH1/AUTH2), then
     * ESYS_TR_NONE.  Pass them as Esys_X(ctx->esys, handles..., ctx->s1, ctx->s2, ctx->s3, ...). */
    ESYS_TR s1, s2, s3;
    struct world *world;        /* the engine's; handlers pass ctx on and never look inside */
};

/* --- parameters ---------------------------------------------------------- */
/* The value of a parameter (its default when absent), NULL when absent and
 * without default.  Types are as the row says: the loader checked them.
 * Asking for a parameter the row lacks aborts (a programming error). */
const value *arg(const step_args *a, const char *name);
bool arg_present(const step_args *a, const char *name);
const char *arg_str(const step_args *a, const char *name);      /* PT_STRING, PT_POLICY */
int64_t arg_int(const step_args *a, const char *name);
bool arg_bool(const step_args *a, const char *name);
/* PT_BYTES: pointer to the bytes (NULL, 0 when absent). */
const uint8_t *arg_bytes(const step_args *a, const char *name, size_t *len);
/* Copies a PT_BYTES parameter into a TPM2B buffer of capacity `cap`
 * (size field first, as every TPM2B); false when too long (message set). */
bool arg_tpm2b(const step_args *a, const char *name, void *tpm2b, size_t cap, step_out *out);
#define ARG_TPM2B(a, name, t2b, out) arg_tpm2b((a), (name), (t2b), sizeof((t2b)->buffer), (out))
/* Is the parameter's value (or a part of it) a secret the results hide?
 * Then a message must not show it (nor, compared with it, the other side). */
bool arg_hidden(const step_args *a, const char *name);
/* PT_STRUCT: unmarshals into *dst (the C struct); false with message. */
bool arg_struct(const step_args *a, const char *name, void *dst, step_out *out);
/* PT_SYNTAX: the C value the parameter's text parsed to, one accessor per
 * syntax of load/syntaxes.def (arg_hash, arg_template, arg_pcrs ...; a
 * CHOICE syntax gives its uint32_t); NULL when absent without default. */
#define SYNTAX(ID, id, name, ctype, ...) const ctype *arg_##id(const step_args *a, const char *param);
#define CHOICE(ID, id, ...) const uint32_t *arg_##id(const step_args *a, const char *param);
#include "load/syntaxes.def"
#undef SYNTAX
#undef CHOICE

/* --- objects and sessions ----------------------------------------------- */
/* The ESYS_TR of an object parameter; ESYS_TR_NONE (message set) if the
 * object is no longer loaded or belongs to another of the scenario's TPMs. */
ESYS_TR arg_object(step_ctx *ctx, const step_args *a, const char *name, step_out *out);
/* Like arg_object; when the step got parameter `auth_param`, the object is
 * used with that auth value for this step only (the remembered one is
 * restored when the step ends; esapi.tr_set_auth changes that one). */
ESYS_TR arg_object_auth(step_ctx *ctx, const step_args *a, const char *name, const char *auth_param,
                        step_out *out);
/* The ESYS_TR of a session parameter (ESYS_TR_NONE with message if gone). */
ESYS_TR arg_session(step_ctx *ctx, const step_args *a, const char *name, step_out *out);
/* Registers a new object the scenario now holds (flushed at scenario end
 * if transient) and returns its value (owned by the caller). */
value *ctx_track_object(step_ctx *ctx, ESYS_TR tr, bool transient);
/* Registers a new session (flushed at scenario end if the TPM still has it). */
value *ctx_track_session(step_ctx *ctx, ESYS_TR tr);
/* Registers a persistent object the step made (TPM2_EvictControl); it is
 * evicted at the end from a TPM that outlives the scenario (--tcti). */
value *ctx_track_persistent(step_ctx *ctx, ESYS_TR tr);
/* Registers an NV index the step defined, and the hierarchy whose auth
 * undefines it (TPM2_RH_OWNER or TPM2_RH_PLATFORM); undefined at the end
 * on a TPM that outlives the scenario. */
value *ctx_track_nv(step_ctx *ctx, ESYS_TR nv, uint32_t hierarchy);
/* An object, persistent object or NV index that is the scenario's to use
 * but not to remove (a FAPI key's persistent handle, an index it found). */
value *ctx_track_borrowed(step_ctx *ctx, ESYS_TR tr);
/* Tells the engine an object parameter was flushed / is gone. */
void ctx_object_gone(step_ctx *ctx, const step_args *a, const char *name);
/* A loaded object of the scenario with this TPM name (a JSON policy names
 * objects by name); ESYS_TR_NONE if none. */
ESYS_TR ctx_object_by_name(step_ctx *ctx, const uint8_t *name, size_t len);
/* Does the scenario hold an object with this TPM handle (0x81000001 ...)?
 * ESAPI 3.2's Esys_TR_FromTPMPublic hands out the ESYS_TR it already has
 * for a handle: a step must not close that one. */
bool ctx_holds(step_ctx *ctx, uint32_t tpm_handle);
/* The auth value later steps use for tr (an object or a hierarchy):
 * Esys_TR_SetAuth, remembered for later steps.  Use it instead
 * of Esys_TR_SetAuth for what should last beyond this step. */
TSS2_RC ctx_set_auth(step_ctx *ctx, ESYS_TR tr, const TPM2B_AUTH *auth);
/* The auth value of tr for this step only: restored to the remembered one
 * (ctx_set_auth's, else empty) when the step ends. */
TSS2_RC ctx_use_auth(step_ctx *ctx, ESYS_TR tr, const TPM2B_AUTH *auth);
/* A hierarchy's auth value changed (TPM2_HierarchyChangeAuth): later steps
 * use `after`; on a TPM that outlives the scenario the value before the
 * scenario's first change is put back at the end. */
TSS2_RC ctx_hierarchy_auth_changed(step_ctx *ctx, ESYS_TR hierarchy, const TPM2B_AUTH *before,
                                   const TPM2B_AUTH *after);
/* TPM2_Clear succeeded: the owner's NV indices and persistent objects are
 * gone; the owner, endorsement and lockout auth values are empty. */
void ctx_tpm_cleared(step_ctx *ctx);
/* Power-cycles the step's TPM (a private swtpm only): every transient
 * object and session is gone, and the TPM waits for TPM2_Startup. */
bool ctx_power_cycle(step_ctx *ctx, step_out *out);

/* --- FAPI --------------------------------------------------------------- */
/* The password FAPI's auth callback gives for `path` from now on; false
 * (message set) when it cannot be one (too long, a NUL). */
bool ctx_fapi_set_password(step_ctx *ctx, const char *path, const char *password, step_out *out);
/* FAPI's policy callbacks (the engine answers them from what these set;
 * each step's results list what FAPI asked).  The branch names the branch
 * callback answers with, one per question (a POLICYOR branch, or one of
 * several policies a PolicyAuthorize key approved), in order; replaces the
 * names not used yet. */
bool ctx_fapi_set_branches(step_ctx *ctx, const char *const *names, size_t n, step_out *out);
/* A private key (PEM or DER, RSA or EC) the sign callback signs
 * POLICYSIGNED challenges with, for elements whose publicKeyHint is `hint`
 * (NULL: the others); RSA with PSS unless pss is false. */
bool ctx_fapi_set_sign_key(step_ctx *ctx, const char *hint, const uint8_t *key, size_t len, bool pss,
                           step_out *out);
/* POLICYACTION elements are refused (the FAPI call fails with
 * TSS2_FAPI_RC_AUTHORIZATION_FAILED) or, the default, accepted. */
void ctx_fapi_set_policy_action(step_ctx *ctx, bool refuse);
/* With `fapi: {ek_cert: true}`: the NV index of the EK certificate and the
 * file FAPI's config names as its ek_cert_file; false otherwise. */
bool ctx_fapi_ek_cert(step_ctx *ctx, uint32_t *nv_index, const char **pem_path);
/* The TPM2B_PUBLIC of a keystore object (Fapi_GetTpmBlobs: no TPM command). */
TSS2_RC ctx_fapi_public(step_ctx *ctx, const char *path, TPM2B_PUBLIC *pub);
/* An ESAPI handle on the scenario's connection for a FAPI key
 * (Fapi_GetEsysBlob): a persistent key is deserialized, another one is
 * loaded from FAPI's saved context and *transient says it must be flushed. */
uint32_t ctx_fapi_esys_object(step_ctx *ctx, const char *path, ESYS_TR *tr, bool *transient, step_out *out);

/* --- files -------------------------------------------------------------- */
/* The host path of a step's file name (file.*, keyfile.*) to read: a
 * relative name is in the work directory and may not leave it ('..', a
 * link pointing out); an absolute one is used as written (refused with
 * --untrusted).  malloc'd; NULL with message. */
char *ctx_file_path(step_ctx *ctx, const char *name, step_out *out);
/* Writes data to the file `name` names (as ctx_file_path; missing
 * directories made, never through a symbolic link in the work directory,
 * counted against --untrusted's cap).  The full path (malloc'd); NULL with
 * message. */
char *ctx_write_file(step_ctx *ctx, const char *name, const void *data, size_t len, step_out *out);

/* --- results ------------------------------------------------------------ */
/* Outputs (ownership of `v` moves to out); names must be in the row. */
void out_put(step_out *out, const char *name, value *v);
void out_bytes(step_out *out, const char *name, const void *data, size_t len);
void out_struct(step_out *out, const char *name, tpm_struct st, const void *c_struct);
void out_int(step_out *out, const char *name, int64_t i);
void out_bool(step_out *out, const char *name, bool b);
void out_string(step_out *out, const char *name, const char *s);
/* Output `name` (already put) is a secret this time -- a duplicate that no
 * wrapper protects is the sensitive area in the clear: hidden in the results
 * and secret wherever it goes, as a PF_SECRET output always is. */
void out_mark_secret(step_out *out, const char *name);
/* A one-line message for the results and console: why the step failed,
 * or a note kept beside a step that passes.  Returns STEP_FAILED. */
uint32_t step_fail(step_out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The message of a diag (which is cleared); returns STEP_FAILED. */
uint32_t step_fail_diag(step_out *out, const char *what, diag *d);
/* Records which call a TPM response code came from ("Esys_Sign"); returns rc. */
uint32_t step_tss(step_out *out, const char *call, uint32_t rc);

#endif
