/* fapi_ctx: the FAPI context of a running scenario, in private directories. */
#include "run/fapi_world.h"
#include "run/fapi_lazy.h"
#include "base/jsonx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tss2/tss2_rc.h>
#include "run/fapi_cb.h"

typedef struct password {
    char *path;         /* normalized (see norm_path) */
    char *value;
} password;

struct fapi_world {
    char *profile;
    char *dir;          /* workdir/fapi: everything FAPI reads or writes */
    char *config;       /* dir/fapi-config.json */
    char *user_dir, *system_dir, *log_dir, *profile_dir;
    FAPI_CONTEXT *ctx;
    password *pw;
    size_t n_pw;
    json_t *asked;      /* paths the auth callback was asked for (this step) */
    json_t *missing;    /* ... and had no password for */
    uint32_t ek_cert_nv;    /* ek_cert mode: where the EK certificate is (0: not that mode) */
    char *ek_cert_pem;      /* ... and the file FAPI reads it from */
    fapi_cb *cb;            /* the branch, sign and policy-action callbacks */
    char *problem;          /* the step's missing password, as a sentence */
};

static char *join(const char *a, const char *b)
{
    char *s = NULL;
    return asprintf(&s, "%s/%s", a, b) < 0 ? NULL : s;
}

static bool make_dir(const char *path, diag *d)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return true;
    diag_fail(d, "cannot create the FAPI directory %s: %s", path, strerror(errno));
    return false;
}

static bool write_file(const char *path, const char *text, diag *d)
{
    FILE *f = fopen(path, "we");
    bool ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        diag_fail(d, "cannot write %s: %s", path, strerror(errno));
    return ok;
}

/* FAPI's TPML_PCR_SELECTION form: [{"hash": "TPM2_ALG_SHA256", "pcrSelect": [0, 1]}]. */
static json_t *pcr_selection_json(const TPML_PCR_SELECTION *sel)
{
    json_t *a = json_array();
    for (UINT32 i = 0; sel && i < sel->count && i < TPM2_NUM_PCR_BANKS; i++) {
        const TPMS_PCR_SELECTION *s = &sel->pcrSelections[i];
        const char *hash = s->hash == TPM2_ALG_SHA1     ? "TPM2_ALG_SHA1"
                           : s->hash == TPM2_ALG_SHA256 ? "TPM2_ALG_SHA256"
                           : s->hash == TPM2_ALG_SHA384 ? "TPM2_ALG_SHA384"
                           : s->hash == TPM2_ALG_SHA512 ? "TPM2_ALG_SHA512"
                                                        : "TPM2_ALG_SM3_256";
        json_t *pcrs = json_array();
        for (unsigned p = 0; p < s->sizeofSelect * 8u; p++)
            if (s->pcrSelect[p / 8] & (1u << (p % 8)))
                json_array_append_new(pcrs, json_integer(p));
        json_array_append_new(a, json_pack("{s:s,s:o}", "hash", hash, "pcrSelect", pcrs));
    }
    return a;
}

/* A private copy of a scenario's profile file (as it is: FAPI parses it),
 * so the profile directory holds only the profile asked for. */
static bool copy_profile(const char *from, const char *to, diag *d)
{
    FILE *in = fopen(from, "re"), *out = in ? fopen(to, "we") : NULL;
    char buf[4096];
    size_t n;
    bool ok = in && out;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    ok = ok && !ferror(in);
    if (out && fclose(out) != 0)
        ok = false;
    if (in)
        fclose(in);
    if (!ok)
        diag_fail(d, "cannot copy the FAPI profile %s to %s: %s", from, to, strerror(errno));
    return ok;
}

/* The EK's key type of a profile file.  json-c (FAPI) reads it, and takes
 * trailing commas, which Debian's profiles have and jansson refuses: they
 * are dropped first. */
static TPM2_ALG_ID profile_key_type(const char *path)
{
    FILE *f = fopen(path, "re");
    char *text = NULL;
    size_t cap = 0, len = 0;
    if (f) {
        len = getdelim(&text, &cap, '\0', f) > 0 ? strlen(text) : 0;
        fclose(f);
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == ',') {
            size_t j = i + 1;
            while (j < len && strchr(" \t\r\n", text[j]))
                j++;
            if (j < len && (text[j] == '}' || text[j] == ']'))
                continue;
        }
        text[o++] = text[i];
    }
    json_t *j = text ? json_loadb(text, o, 0, NULL) : NULL;
    const char *type = json_string_value(json_object_get(j, "type"));
    TPM2_ALG_ID alg = type && !strcmp(type, "TPM2_ALG_ECC") ? TPM2_ALG_ECC : TPM2_ALG_RSA;
    json_decref(j);
    free(text);
    return alg;
}

fapi_world *fapi_world_new(const fapi_conf *conf, const char *workdir, const char *tcti, diag *d)
{
    fapi_world *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->asked = json_array();
    w->missing = json_array();
    w->cb = fapi_cb_new();
    w->profile = strdup(conf ? conf->profile : FAPI_DEFAULT_PROFILE);
    w->dir = join(workdir ? workdir : ".", "fapi");
    char *user = w->dir ? join(w->dir, "user") : NULL, *system = w->dir ? join(w->dir, "system") : NULL;
    w->user_dir = user ? join(user, "keystore") : NULL;
    w->system_dir = system ? join(system, "keystore") : NULL;
    w->log_dir = w->dir ? join(w->dir, "eventlog") : NULL;
    w->config = w->dir ? join(w->dir, "fapi-config.json") : NULL;
    bool own_profile = conf && conf->profile_file;
    w->profile_dir = own_profile ? (w->dir ? join(w->dir, "profiles") : NULL) : strdup(FAPI_SYSTEM_PROFILE_DIR);
    bool ok = w->asked && w->missing && w->cb && w->profile && user && system && w->user_dir &&
              w->system_dir && w->log_dir && w->config && w->profile_dir;
    ok = ok && make_dir(w->dir, d) && make_dir(user, d) && make_dir(w->user_dir, d) && make_dir(system, d) &&
         make_dir(w->system_dir, d) && make_dir(w->log_dir, d);
    free(user);
    free(system);
    char *profile_file = NULL;
    if (ok && asprintf(&profile_file, "%s/%s.json", w->profile_dir, w->profile) < 0)
        profile_file = NULL;
    ok = ok && profile_file;
    if (ok && own_profile)
        ok = make_dir(w->profile_dir, d) && copy_profile(conf->profile_file, profile_file, d);
    if (ok && conf && conf->ek_cert) {
        /* TCG EK credential profile: RSA 2048 (low range) or NIST P-256 certificate */
        w->ek_cert_nv = profile_key_type(profile_file) == TPM2_ALG_ECC ? 0x01c0000a : 0x01c00002;
        ok = (w->ek_cert_pem = join(w->dir, "ek_cert.pem")) != NULL;
    }
    free(profile_file);
    if (ok) {
        /* profile_dir needs its trailing slash: FAPI appends file names to it. */
        char *pdir = join(w->profile_dir, "");
        json_t *c = !pdir ? NULL
                    : json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s}", "profile_name", w->profile, "profile_dir",
                                pdir, "user_dir", w->user_dir, "system_dir", w->system_dir, "log_dir", w->log_dir,
                                "tcti", tcti ? tcti : "", "system_pcrs",
                                pcr_selection_json(conf ? &conf->system_pcrs : NULL), "ek_cert_less",
                                !conf || conf->ek_cert_less ? "yes" : "no");
        char *url = NULL;
        if (c && w->ek_cert_pem && asprintf(&url, "file://%s", w->ek_cert_pem) < 0)
            url = NULL;
        if (url)
            json_object_set_new(c, "ek_cert_file", json_string(url));
        free(url);
        char *text = c ? json_dumps(c, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        ok = text && write_file(w->config, text, d);
        free(text);
        free(pdir);
        json_decref(c);
    }
    if (!ok) {
        diag_fail(d, "out of memory");
        fapi_world_free(w);
        return NULL;
    }
    return w;
}

/* "/HS/SRK/key", "HS/SRK/key/" and "/P_RSA2048SHA256/HS/SRK/key" are one path. */
static char *norm_path(const fapi_world *w, const char *path)
{
    while (*path == '/')
        path++;
    size_t plen = strlen(w->profile);
    if (strncmp(path, w->profile, plen) == 0 && (path[plen] == '/' || !path[plen]))
        for (path += plen; *path == '/'; path++)
            ;
    char *n = strdup(path);
    for (size_t len = n ? strlen(n) : 0; len && n[len - 1] == '/'; len--)
        n[len - 1] = 0;
    return n;
}

/* FAPI asks for the auth value of the object at `path`: answer from the
 * passwords fapi.set_auth gave; with none, fail the call rather than wait. */
static TSS2_RC auth_cb(char const *path, char const *description, char const **auth, void *user)
{
    (void)description;
    fapi_world *w = user;
    const char *p = path ? path : "";
    json_array_append_new(w->asked, jsonx_text(p));
    char *n = norm_path(w, p);
    for (size_t i = 0; n && i < w->n_pw; i++)
        if (strcmp(w->pw[i].path, n) == 0) {
            *auth = w->pw[i].value;
            free(n);
            return TSS2_RC_SUCCESS;
        }
    free(n);
    json_array_append_new(w->missing, jsonx_text(p));
    *auth = NULL;
    return TSS2_FAPI_RC_AUTHORIZATION_UNKNOWN;
}

TSS2_RC fapi_world_open(fapi_world *w, diag *d)
{
    if (w->ctx)
        return TSS2_RC_SUCCESS;
    if (!fapi_lazy_load(d))
        return TSS2_FAPI_RC_NOT_IMPLEMENTED;
    /* FAPI reads its config from TSS2_FAPICONF only; tools run by exec
     * steps see the same private config. */
    setenv("TSS2_FAPICONF", w->config, 1);
    TSS2_RC rc = Fapi_Initialize(&w->ctx, NULL);
    const char *call = "Fapi_Initialize";
    if (rc == TSS2_RC_SUCCESS) {
        call = "Fapi_SetAuthCB";
        rc = Fapi_SetAuthCB(w->ctx, auth_cb, w);
    }
    if (rc == TSS2_RC_SUCCESS)
        rc = fapi_cb_register(w->cb, w->ctx, &call);
    if (rc != TSS2_RC_SUCCESS) {
        diag_fail(d, "%s (config %s): %s", call, w->config, Tss2_RC_Decode(rc));
        if (w->ctx)
            Fapi_Finalize(&w->ctx);
        w->ctx = NULL;
    }
    return rc;
}

void fapi_world_close(fapi_world *w)
{
    if (w && w->ctx)
        Fapi_Finalize(&w->ctx);
    if (w)
        w->ctx = NULL;
}

void fapi_world_free(fapi_world *w)
{
    if (!w)
        return;
    fapi_world_close(w);
    for (size_t i = 0; i < w->n_pw; i++) {
        free(w->pw[i].path);
        if (w->pw[i].value)
            memset(w->pw[i].value, 0, strlen(w->pw[i].value));
        free(w->pw[i].value);
    }
    free(w->pw);
    json_decref(w->asked);
    json_decref(w->missing);
    fapi_cb_free(w->cb);
    free(w->problem);
    free(w->profile);
    free(w->dir);
    free(w->config);
    free(w->user_dir);
    free(w->system_dir);
    free(w->log_dir);
    free(w->profile_dir);
    free(w->ek_cert_pem);
    free(w);
}

FAPI_CONTEXT *fapi_world_context(const fapi_world *w)
{
    return w ? w->ctx : NULL;
}

json_t *fapi_world_json(const fapi_world *w)
{
    if (!w)
        return json_null();
    /* paths under TMPDIR: any bytes */
    return json_pack("{s:o,s:o,s:o,s:{s:o,s:o},s:o}", "profile", jsonx_text(w->profile), "config",
                     jsonx_text(w->config), "profile_dir", jsonx_text(w->profile_dir), "keystore", "user",
                     jsonx_text(w->user_dir), "system", jsonx_text(w->system_dir), "log_dir", jsonx_text(w->log_dir));
}

bool fapi_world_set_password(fapi_world *w, const char *path, const char *value, diag *d)
{
    /* FAPI copies the answer into a TPM2B_AUTH without a length check. */
    if (strlen(value) > sizeof(TPMU_HA)) {
        diag_fail(d, "an auth value is at most %zu bytes, not %zu", sizeof(TPMU_HA), strlen(value));
        return false;
    }
    char *n = norm_path(w, path), *v = strdup(value);
    password *slot = NULL;
    for (size_t i = 0; n && i < w->n_pw && !slot; i++)
        if (strcmp(w->pw[i].path, n) == 0)
            slot = &w->pw[i];
    if (!slot && n && v) {
        password *np = realloc(w->pw, (w->n_pw + 1) * sizeof *np);
        if (np) {
            w->pw = np;
            slot = &w->pw[w->n_pw++];
            slot->path = n;
            slot->value = NULL;
            n = NULL;
        }
    }
    if (!slot || !v) {
        free(n);
        free(v);
        diag_fail(d, "out of memory");
        return false;
    }
    free(n);
    if (slot->value)
        memset(slot->value, 0, strlen(slot->value));
    free(slot->value);
    slot->value = v;
    return true;
}

bool fapi_world_ek_cert(const fapi_world *w, uint32_t *nv_index, const char **pem_path)
{
    if (!w || !w->ek_cert_nv)
        return false;
    *nv_index = w->ek_cert_nv;
    *pem_path = w->ek_cert_pem;
    return true;
}

const char *fapi_world_problem(fapi_world *w)
{
    if (!w)
        return NULL;
    const char *path = json_array_size(w->missing) ? json_string_value(json_array_get(w->missing, 0)) : NULL;
    if (!path)
        return fapi_cb_problem(w->cb);
    free(w->problem);
    if (asprintf(&w->problem, "FAPI asked for the auth value of '%s' and none was given (add a fapi.set_auth step "
                              "for that path)", path) < 0)
        w->problem = NULL;
    return w->problem;
}

fapi_cb *fapi_world_callbacks(fapi_world *w)
{
    return w ? w->cb : NULL;
}

void fapi_world_call_done(fapi_world *w, uint32_t rc)
{
    if (w)
        fapi_cb_call_done(w->cb, rc);
}

/* One array of the step report, moved out of the world. */
static void take(json_t *rep, const char *key, json_t **arr)
{
    if (json_array_size(*arr))
        json_object_set(rep, key, *arr);
    json_decref(*arr);
    *arr = json_array();
}

void fapi_world_step_report(fapi_world *w, json_t *step_json)
{
    if (!w)
        return;
    json_t *rep = json_object();
    bool any = json_array_size(w->asked) != 0;
    take(rep, "auth_asked", &w->asked);
    take(rep, "auth_missing", &w->missing);
    any = fapi_cb_report(w->cb, rep) || any;
    free(w->problem);
    w->problem = NULL;
    if (any)
        json_object_set_new(step_json, "fapi", rep);
    else
        json_decref(rep);
}
