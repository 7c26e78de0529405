/* fapi_conf: the scenario's `fapi:` section, checked before anything runs.
 *
 *   fapi:
 *     profile: P_ECCP256SHA256     # a name in /etc/tpm2-tss/fapi-profiles,
 *                                  # or a profile file next to the scenario (my.json)
 *     ek_cert_less: true           # FAPI does not look for an EK certificate
 *     ek_cert: false               # true: a TPM with EK certificates (implies ek_cert_less: false)
 *     system_pcrs: [0, 1]          # PCR numbers (sha256 bank) or "sha256:0,1+sha1:0" */
#include "load/fapi_conf.h"
#include "base/confine.h"
#include "base/text.h"
#include "tpm/tpm_pcr.h"

#include <ctype.h>
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const conf_keys[] = { "profile", "ek_cert_less", "ek_cert", "system_pcrs", NULL };

static bool load_bool(const node *v, const char *what, bool *out, diag *d)
{
    if (v->kind == NODE_SCALAR && v->plain && (!strcmp(v->str, "true") || !strcmp(v->str, "false"))) {
        *out = v->str[0] == 't';
        return true;
    }
    diag_set(d, v->loc, "fapi.%s must be true or false", what);
    return false;
}

static bool valid_profile_name(const char *s)
{
    if (!*s || *s == '.')
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-' || *s == '.'))
            return false;
    return true;
}

/* The profile names installed on this machine (NULL-terminated, malloc'd). */
static char **system_profiles(void)
{
    DIR *dir = opendir(FAPI_SYSTEM_PROFILE_DIR);
    size_t n = 0;
    char **names = calloc(1, sizeof *names);
    struct dirent *e;
    while (dir && names && (e = readdir(dir))) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char **nn = realloc(names, (n + 2) * sizeof *nn);
        if (!nn)
            break;
        names = nn;
        names[n++] = strndup(e->d_name, len - 5);
        names[n] = NULL;
    }
    if (dir)
        closedir(dir);
    return names;
}

static void free_names(char **names)
{
    for (size_t i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
}

/* A name from FAPI_SYSTEM_PROFILE_DIR, or a file (".json" or a path)
 * relative to the scenario. */
static bool load_profile(const node *n, const char *scenario_dir, fapi_conf *c, diag *d)
{
    if (n->kind != NODE_SCALAR || node_is_null(n)) {
        diag_set(d, n->loc, "fapi.profile must be a profile name or a profile file, not %s", node_kind_name(n));
        return false;
    }
    size_t len = strlen(n->str);
    bool is_file = strchr(n->str, '/') || (len > 5 && strcmp(n->str + len - 5, ".json") == 0);
    if (!is_file) {
        char **names = system_profiles();
        bool found = false;
        for (size_t i = 0; names && names[i]; i++)
            found = found || strcmp(names[i], n->str) == 0;
        if (!found) {
            const char *near = names ? text_nearest(n->str, (const char *const *)names) : NULL;
            diag_set(d, n->loc, "unknown FAPI profile '%s' (not in %s)%s%s%s", n->str, FAPI_SYSTEM_PROFILE_DIR,
                     near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
        }
        free_names(names);
        if (!found)
            return false;
        c->profile = strdup(n->str);
        return c->profile != NULL;
    }
    const char *why;
    char *path = confine_path(scenario_dir, n->str, &why);
    if (!path) {
        diag_set(d, n->loc, "FAPI profile file '%s': %s", n->str, why);
        return false;
    }
    bool ok = true;
    char *copy = ok ? strdup(path) : NULL;
    char *base = copy ? basename(copy) : NULL;
    size_t blen = base ? strlen(base) : 0;
    if (ok && blen > 5 && strcmp(base + blen - 5, ".json") == 0)
        base[blen - 5] = 0;
    /* FAPI 3.2 looks only for P_*.json in its profile directory. */
    if (ok && (!base || strncmp(base, "P_", 2) != 0 || !valid_profile_name(base))) {
        diag_set(d, n->loc, "FAPI takes profile files named P_<name>.json (letters, digits, '_', '-', '.'), not '%s'",
                 n->str);
        ok = false;
    }
    /* FAPI reads it with json-c, which takes what stricter parsers refuse
     * (the profiles Debian ships have trailing commas): only check it is there. */
    struct stat sb;
    if (ok && !(stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, R_OK) == 0)) {
        diag_set(d, n->loc, "cannot read the FAPI profile file '%s'", path);
        ok = false;
    }
    if (ok) {
        c->profile = strdup(base);
        c->profile_file = path;
        path = NULL;
    }
    free(copy);
    free(path);
    return ok;
}

static bool load_system_pcrs(const node *n, fapi_conf *c, diag *d)
{
    memset(&c->system_pcrs, 0, sizeof c->system_pcrs);
    if (node_is_null(n))
        return true;
    if (n->kind == NODE_SCALAR) {
        diag e = { 0 };
        if (tpm_pcr_parse_selection(n->str, &c->system_pcrs, &e))
            return true;
        diag_set(d, n->loc, "fapi.system_pcrs: %s", e.msg);
        diag_clear(&e);
        return false;
    }
    if (n->kind != NODE_SEQ) {
        diag_set(d, n->loc, "fapi.system_pcrs must be a list of PCR numbers or a PCR selection, not %s",
                 node_kind_name(n));
        return false;
    }
    TPMS_PCR_SELECTION *s = &c->system_pcrs.pcrSelections[0];
    s->hash = TPM2_ALG_SHA256;
    s->sizeofSelect = 3;
    for (size_t i = 0; i < n->count; i++) {
        const node *it = n->items[i];
        char *end = NULL;
        long pcr = it->kind == NODE_SCALAR && it->plain ? strtol(it->str, &end, 10) : -1;
        if (!end || *end || pcr < 0 || pcr > 23) {
            diag_set(d, it->loc, "fapi.system_pcrs: a PCR number is 0 to 23");
            return false;
        }
        s->pcrSelect[pcr / 8] |= (uint8_t)(1u << (pcr % 8));
    }
    c->system_pcrs.count = 1;
    return true;
}

bool fapi_conf_load(const node *n, const char *scenario_dir, fapi_conf **out, diag *d)
{
    *out = NULL;
    fapi_conf *c = calloc(1, sizeof *c);
    if (!c)
        return false;
    c->ek_cert_less = true;
    bool ok = true;
    const node *cert_less = NULL;
    if (n && !node_is_null(n) && n->kind != NODE_MAP) {
        diag_set(d, n->loc, "fapi must be a mapping (profile, ek_cert_less, ek_cert, system_pcrs), not %s",
                 node_kind_name(n));
        ok = false;
    }
    for (size_t i = 0; ok && n && n->kind == NODE_MAP && i < n->count; i++) {
        const node *k = n->pairs[i].key, *v = n->pairs[i].val;
        if (strcmp(k->str, "profile") == 0) {
            ok = load_profile(v, scenario_dir, c, d);
        } else if (strcmp(k->str, "ek_cert_less") == 0) {
            ok = load_bool(v, "ek_cert_less", &c->ek_cert_less, d);
            cert_less = v;
        } else if (strcmp(k->str, "ek_cert") == 0) {
            ok = load_bool(v, "ek_cert", &c->ek_cert, d);
        } else if (strcmp(k->str, "system_pcrs") == 0) {
            ok = load_system_pcrs(v, c, d);
        } else {
            const char *near = text_nearest(k->str, conf_keys);
            diag_set(d, k->loc, "unknown key '%s' in fapi%s%s%s", k->str, near ? " (did you mean '" : "",
                     near ? near : "", near ? "'?)" : "");
            ok = false;
        }
    }
    if (ok && c->ek_cert) {
        if (cert_less && c->ek_cert_less) {
            diag_set(d, cert_less->loc, "fapi.ek_cert: true provisions with the EK certificate; ek_cert_less "
                                        "cannot be true with it");
            ok = false;
        }
        c->ek_cert_less = false;
    }
    if (ok && !c->profile && !(c->profile = strdup(FAPI_DEFAULT_PROFILE)))
        ok = false;
    if (!ok) {
        fapi_conf_free(c);
        return false;
    }
    *out = c;
    return true;
}

void fapi_conf_free(fapi_conf *c)
{
    if (!c)
        return;
    free(c->profile);
    free(c->profile_file);
    free(c);
}

json_t *fapi_conf_schema(void)
{
    return json_pack(
        "{s:s,s:s,s:b,s:{s:{s:s,s:s,s:s},s:{s:s,s:s,s:b},s:{s:s,s:s,s:b},s:{s:s,s:[{s:s,s:{s:s,s:i,s:i}},{s:s}]}}}",
        "description", "the scenario's FAPI context (config, keystore, policy and log directories are private to it)",
        "type", "object", "additionalProperties", 0, "properties",
        "profile", "type", "string", "default", FAPI_DEFAULT_PROFILE, "description",
        "a profile name in " FAPI_SYSTEM_PROFILE_DIR ", or a profile file (.json) relative to the scenario",
        "ek_cert_less", "type", "boolean", "description", "provision without an EK certificate", "default", 1,
        "ek_cert", "type", "boolean", "description",
        "a private swtpm with EK certificates in NV (swtpm_setup --create-ek-cert); FAPI provisions with the "
        "EK's certificate", "default", 0,
        "system_pcrs", "description", "FAPI's system PCRs: PCR numbers (sha256 bank) or a PCR selection (sha256:0,1)",
        "anyOf", "type", "array", "items", "type", "integer", "minimum", 0, "maximum", 23, "type", "string");
}
