/* registry: collects the step families' tables; lookup, catalogue, schema. */
#include "registry.h"
#include "fapi_ctx.h"
#include "policy_json.h"
#include "tpm_spec.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One line per family file in steps/.  Adding a family = one line here. */
extern const step_def steps_esapi_basic[];
extern const step_def steps_esapi_keys[];
extern const step_def steps_esapi_crypto[];
extern const step_def steps_esapi_pcr[];
extern const step_def steps_crypto[];
extern const step_def steps_crypto_wrap[];
extern const step_def steps_crypto_ops[];
extern const step_def steps_esapi_import[];
extern const step_def steps_keyfile[];
extern const step_def steps_assert[];
extern const step_def steps_exec[];
extern const step_def steps_file[];
extern const step_def steps_selftest[];
extern const step_def steps_esapi_sessions[], steps_esapi_policy_cmds[], steps_esapi_policy[];
extern const step_def steps_fapi_keys[], steps_fapi_store[], steps_fapi_crypto[], steps_fapi_pcr[], steps_fapi_nv[];

static const step_def *const families[] = {
    steps_esapi_basic, steps_esapi_keys, steps_esapi_crypto, steps_esapi_pcr,
    steps_esapi_sessions, steps_esapi_policy_cmds, steps_esapi_policy,
    steps_esapi_import, steps_crypto, steps_crypto_ops, steps_crypto_wrap, steps_keyfile, steps_exec, steps_file, steps_assert, steps_selftest,
    steps_fapi_keys, steps_fapi_store, steps_fapi_crypto, steps_fapi_pcr, steps_fapi_nv,
};

static const step_def **all_rows;
static size_t all_count;

static void registry_free(void)
{
    free(all_rows);
    all_rows = NULL;
    all_count = 0;
}

const step_def *const *registry_all(size_t *count)
{
    if (!all_rows) {
        const char *t = getenv("TPMRUN_TEST_STEPS");
        bool with_test = t && strcmp(t, "1") == 0;
        size_t n = 0;
        for (size_t f = 0; f < sizeof families / sizeof *families; f++)
            for (const step_def *d = families[f]; d->name; d++)
                n++;
        all_rows = calloc(n + 1, sizeof *all_rows);
        if (!all_rows) {
            *count = 0;
            return NULL;
        }
        for (size_t f = 0; f < sizeof families / sizeof *families; f++)
            for (const step_def *d = families[f]; d->name; d++)
                if (with_test || !(d->needs & NEED_TEST))
                    all_rows[all_count++] = d;
        atexit(registry_free);
    }
    *count = all_count;
    return all_rows;
}

const step_def *registry_find(const char *name)
{
    size_t n;
    const step_def *const *rows = registry_all(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i]->name, name) == 0)
            return rows[i];
    return NULL;
}

const char *registry_nearest(const char *name)
{
    size_t n;
    const step_def *const *rows = registry_all(&n);
    const char **names = calloc(n + 1, sizeof *names);
    if (!names)
        return NULL;
    for (size_t i = 0; i < n; i++)
        names[i] = rows[i]->name;
    const char *best = spec_nearest(name, names);
    /* Also try with the family prefix a user may have left out ("sign"). */
    if (!best && !strchr(name, '.')) {
        for (size_t i = 0; i < n && !best; i++) {
            const char *dot = strchr(names[i], '.');
            if (dot && strcmp(dot + 1, name) == 0)
                best = names[i];
        }
    }
    free(names);
    return best;
}

const param_spec *step_param(const step_def *d, const char *name)
{
    for (const param_spec *p = d->params; p && p->name; p++)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

const output_spec *step_output(const step_def *d, const char *name)
{
    for (const output_spec *o = d->outputs; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

size_t step_param_count(const step_def *d)
{
    size_t n = 0;
    for (const param_spec *p = d->params; p && p->name; p++)
        n++;
    return n;
}

/* ---- tpm2-tools syntaxes ---------------------------------------------- */
static bool check_template(const char *s, spec_error *e)
{
    TPMT_PUBLIC p;
    return spec_parse_template(s, false, &p, e);
}
static bool check_attributes(const char *s, spec_error *e)
{
    TPMA_OBJECT a;
    return spec_parse_attributes(s, &a, e);
}
static bool check_hash(const char *s, spec_error *e)
{
    TPMI_ALG_HASH h;
    return spec_parse_hash_alg(s, &h, e);
}
static bool check_pcrs(const char *s, spec_error *e)
{
    TPML_PCR_SELECTION sel;
    return spec_parse_pcr_selection(s, &sel, e);
}
static bool check_scheme(const char *s, spec_error *e)
{
    TPMT_SIG_SCHEME sch;
    return spec_parse_sig_scheme(s, TPM2_ALG_SHA256, &sch, e);
}
static bool check_mode(const char *s, spec_error *e)
{
    TPMI_ALG_CIPHER_MODE m;
    return spec_parse_sym_mode(s, &m, e);
}
static bool check_hierarchy(const char *s, spec_error *e)
{
    uint32_t h, tr;
    return spec_parse_hierarchy(s, &h, &tr, e);
}
static bool check_struct_name(const char *s, spec_error *e)
{
    if (strcmp(s, "bytes") == 0 || tpm_struct_by_name(s) != TS_NONE)
        return true;
    e->offset = 0;
    snprintf(e->msg, sizeof e->msg, "unknown structure '%s' (bytes, TPM2B_PUBLIC, TPM2B_PRIVATE, TPMT_SIGNATURE ...)", s);
    return false;
}
static bool check_session_type(const char *s, spec_error *e)
{
    if (!strcasecmp(s, "hmac") || !strcasecmp(s, "policy") || !strcasecmp(s, "trial"))
        return true;
    e->offset = 0;
    snprintf(e->msg, sizeof e->msg, "unknown session type '%s' (hmac, policy or trial)", s);
    return false;
}
static bool check_symmetric(const char *s, spec_error *e)
{
    TPMT_SYM_DEF sym;
    return spec_parse_symmetric(s, TPM2_ALG_SHA256, &sym, e);
}
static bool check_session_attributes(const char *s, spec_error *e)
{
    TPMA_SESSION a;
    return spec_parse_session_attributes(s, &a, e);
}
static bool check_command_code(const char *s, spec_error *e)
{
    TPM2_CC cc;
    return policy_parse_cc(s, &cc, e);
}
static bool check_startup(const char *s, spec_error *e)
{
    if (strcmp(s, "clear") == 0 || strcmp(s, "state") == 0)
        return true;
    e->offset = 0;
    snprintf(e->msg, sizeof e->msg, "unknown startup type '%s' (clear or state)", s);
    return false;
}

static const struct {
    const char *name;
    const char *doc;
    bool (*check)(const char *, spec_error *);
} syntaxes[TX_COUNT] = {
    [TX_TEMPLATE] = { "template", "tpm2-tools key algorithm (rsa2048:rsassa:null, ecc256, aes128cfb, hmac, keyedhash) or ek-rsa2048, ek-ecc256, srk-rsa2048, srk-ecc256", check_template },
    [TX_ATTRIBUTES] = { "attributes", "object attributes, a|b|c (fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign ...)", check_attributes },
    [TX_HASH_ALG] = { "hash", "hash algorithm (sha1, sha256, sha384, sha512, sm3_256)", check_hash },
    [TX_PCR_SELECTION] = { "pcr-selection", "PCR selection, bank:list (sha256:0,1,23 or sha1:0-7+sha256:all)", check_pcrs },
    [TX_SIG_SCHEME] = { "signature-scheme", "signature scheme (rsassa, rsapss, ecdsa, hmac, null)", check_scheme },
    [TX_SYM_MODE] = { "cipher-mode", "block cipher mode (cfb, cbc, ecb, ofb, ctr, null)", check_mode },
    [TX_HIERARCHY] = { "hierarchy", "hierarchy (owner|o, endorsement|e, platform|p, null|n)", check_hierarchy },
    [TX_STARTUP_TYPE] = { "startup-type", "TPM2_Startup type (clear or state)", check_startup },
    [TX_STRUCT_NAME] = { "structure", "bytes, or the TPM structure the bytes are (TPM2B_PUBLIC, TPM2B_PRIVATE, TPMT_SIGNATURE, TPML_PCR_SELECTION ...)", check_struct_name },
    [TX_SESSION_TYPE] = { "session-type", "session type (hmac, policy, trial)", check_session_type },
    [TX_SYMMETRIC] = { "session-symmetric", "parameter encryption (aes128cfb, aes256cfb, xor, null)", check_symmetric },
    [TX_SESSION_ATTRIBUTES] = { "session-attributes", "session attributes, a|b (continuesession|decrypt|encrypt|audit)", check_session_attributes },
    [TX_COMMAND_CODE] = { "command-code", "TPM command (Sign, Unseal, Duplicate, EncryptDecrypt2, TPM2_CC_Certify, 0x15d ...)", check_command_code },
    [TX_POLICY] = { "json-policy", "TCG TSS JSON policy: inline mapping {policy: [...]}, {file: policy.json} or JSON text", policy_json_check },
};

bool text_syntax_check(text_syntax t, const char *s, spec_error *e)
{
    return syntaxes[t].check(s, e);
}
const char *text_syntax_name(text_syntax t) { return syntaxes[t].name; }
const char *text_syntax_doc(text_syntax t) { return syntaxes[t].doc; }

static const char *type_name(param_type t, tpm_struct st, text_syntax tx)
{
    switch (t) {
    case PT_BYTES: return "bytes";
    case PT_STRING: return "string";
    case PT_INT: return "integer";
    case PT_BOOL: return "boolean";
    case PT_OBJECT: return "object";
    case PT_SESSION: return "session";
    case PT_STRUCT: return tpm_struct_name(st);
    case PT_TEXT: return text_syntax_name(tx);
    case PT_ANY: return "any";
    case PT_STRING_LIST: return "string-list";
    case PT_STRING_MAP: return "string-map";
    }
    return "?";
}

const char *param_type_name(const param_spec *p) { return type_name(p->type, p->st, p->text); }
const char *output_type_name(const output_spec *o) { return type_name(o->type, o->st, 0); }

/* ---- catalogue ---------------------------------------------------------- */
void registry_print_catalogue(FILE *f, bool verbose)
{
    size_t n;
    const step_def *const *rows = registry_all(&n);
    for (size_t i = 0; i < n; i++) {
        const step_def *d = rows[i];
        fprintf(f, "%-28s %s\n", d->name, d->doc);
        if (!verbose)
            continue;
        for (const param_spec *p = d->params; p && p->name; p++) {
            fprintf(f, "    %-20s %-16s %s%s", p->name, param_type_name(p),
                    (p->flags & PF_REQUIRED) ? "required. " : "", p->doc);
            if (p->def)
                fprintf(f, " (default: %s)", p->def);
            fputc('\n', f);
        }
        for (const output_spec *o = d->outputs; o && o->name; o++)
            fprintf(f, "    -> %-17s %-16s %s\n", o->name, output_type_name(o), o->doc);
    }
}

/* ---- JSON Schema -------------------------------------------------------- */
static json_t *ref_to(const char *def)
{
    char path[96];
    snprintf(path, sizeof path, "#/definitions/%s", def);
    return json_pack("{s:s}", "$ref", path);
}

static json_t *param_schema(const param_spec *p)
{
    json_t *s;
    switch (p->type) {
    case PT_BYTES:
    case PT_STRUCT:
        s = ref_to("bytes");
        break;
    case PT_STRING:
        s = json_pack("{s:s}", "type", "string");
        break;
    case PT_TEXT:
        if (p->text == TX_POLICY)       /* JSON text, an inline policy, or {file:} */
            s = json_pack("{s:[{s:s},{s:s},{s:s}]}", "anyOf", "type", "string", "type", "object", "type", "array");
        else if (p->text == TX_ATTRIBUTES)   /* "a|b" or [a, b] */
            s = json_pack("{s:[{s:s},{s:s,s:{s:s}}]}", "anyOf", "type", "string", "type", "array", "items", "type",
                          "string");
        else
            s = json_pack("{s:s}", "type", "string");
        break;
    case PT_INT: {
        json_t *i = json_pack("{s:s}", "type", "integer");
        if (p->min < p->max) {
            json_object_set_new(i, "minimum", json_integer(p->min));
            json_object_set_new(i, "maximum", json_integer(p->max));
        }
        s = json_pack("{s:[o,o]}", "anyOf", i, ref_to("reference"));
        break;
    }
    case PT_BOOL:
        s = json_pack("{s:[o,o]}", "anyOf", json_pack("{s:s}", "type", "boolean"), ref_to("reference"));
        break;
    case PT_OBJECT:
    case PT_SESSION:
        s = ref_to("reference");
        break;
    case PT_STRING_LIST:    /* scalars become their text; ${list} var */
        s = json_pack("{s:[{s:s,s:{s:[s,s,s]}},o]}", "anyOf", "type", "array", "items", "type", "string",
                      "number", "boolean", ref_to("reference"));
        break;
    case PT_STRING_MAP:
        s = json_pack("{s:s,s:{s:[s,s,s]}}", "type", "object", "additionalProperties", "type", "string",
                      "number", "boolean");
        break;
    default:
        s = json_object();
    }
    json_t *desc = json_pack("{s:s}", "description", p->doc);
    if (p->type == PT_TEXT) {
        char *d = NULL;
        if (asprintf(&d, "%s — %s", p->doc, text_syntax_doc(p->text)) >= 0) {
            json_object_set_new(desc, "description", json_string(d));
            free(d);
        }
    }
    if (p->def)
        json_object_set_new(desc, "default", json_string(p->def));
    /* The description lives beside the type in an allOf so $ref stays valid in draft-07. */
    return json_pack("{s:[o,o]}", "allOf", s, desc);
}

static json_t *step_schema(const step_def *d)
{
    json_t *props = json_object(), *req = json_array();
    for (const param_spec *p = d->params; p && p->name; p++) {
        json_object_set_new(props, p->name, param_schema(p));
        if (p->flags & PF_REQUIRED)
            json_array_append_new(req, json_string(p->name));
    }
    json_t *params = json_pack("{s:s,s:s,s:o,s:b}", "description", d->doc, "type", "object",
                               "properties", props, "additionalProperties", 0);
    json_t *one_of = json_array();
    for (const param_spec *p = d->params; p && p->name; p++)
        if (p->flags & PF_ONE_OF)
            json_array_append_new(one_of, json_pack("{s:[s]}", "required", p->name));
    if (json_array_size(one_of))
        json_object_set_new(params, "oneOf", one_of);
    else
        json_decref(one_of);
    bool all_optional = json_array_size(req) == 0 && !json_object_get(params, "oneOf");
    if (!all_optional)
        json_object_set_new(params, "required", req);
    else
        json_decref(req);
    if (all_optional) {
        /* a step without required parameters may be written "- esapi.startup:" (null) */
        json_t *alt = json_pack("{s:[o,{s:s}]}", "anyOf", params, "type", "null");
        params = alt;
    }
    json_t *s = json_pack("{s:s,s:[s],s:{s:o,s:o,s:o,s:o},s:b}", "type", "object", "required", d->name,
                          "properties", d->name, params, "name", json_pack("{s:s}", "type", "string"),
                          "save", json_pack("{s:s,s:s}", "type", "string", "pattern", "^[A-Za-z_][A-Za-z0-9_]*$"),
                          "expect", ref_to("expect"),
                          "additionalProperties", 0);
    if (d->needs & NEED_ESYS)
        json_object_set_new(json_object_get(s, "properties"), "sessions",
                            json_pack("{s:s,s:s,s:i,s:i,s:{s:s}}", "description",
                                      "sessions for the command, in order: ${session} or password", "type", "array",
                                      "minItems", 1, "maxItems", 3, "items", "type", "string"));
    if (d->needs & (NEED_ESYS | NEED_PROGRAM | NEED_FAPI))
        json_object_set_new(json_object_get(s, "properties"), "tpm",
                            json_pack("{s:s,s:s,s:s}", "description",
                                      (d->needs & NEED_FAPI) ? "the TPM to run on: FAPI runs on the first in tpms: only"
                                                             : "the TPM to run on: a name declared in tpms: (default: the first)",
                                      "type", "string", "pattern", "^[A-Za-z_][A-Za-z0-9_]*$"));
    return s;
}

char *registry_schema_json(void)
{
    size_t n;
    const step_def *const *rows = registry_all(&n);
    json_t *steps = json_array();
    for (size_t i = 0; i < n; i++)
        if (!(rows[i]->needs & NEED_TEST))
            json_array_append_new(steps, step_schema(rows[i]));

    json_t *bytes = json_pack(
        "{s:s,s:[{s:s},{s:s,s:{s:{s:s}},s:[s],s:b},{s:s,s:{s:{s:s}},s:[s],s:b},{s:s,s:{s:{s:s}},s:[s],s:b}]}",
        "description", "UTF-8 text, {hex: ...}, {base64: ...}, {file: path} relative to the scenario, or a ${reference}",
        "anyOf", "type", "string",
        "type", "object", "properties", "hex", "type", "string", "required", "hex", "additionalProperties", 0,
        "type", "object", "properties", "base64", "type", "string", "required", "base64", "additionalProperties", 0,
        "type", "object", "properties", "file", "type", "string", "required", "file", "additionalProperties", 0);
    json_t *reference = json_pack("{s:s,s:s,s:s}", "type", "string", "pattern", "^\\$\\{[^}]+\\}$",
                                  "description", "${name} or ${name.field}: a value a previous step saved, a var, ${env.NAME} or ${workdir}");
    json_t *expect = json_pack("{s:s,s:{s:{s:[{s:s},{s:s}]},s:{s:s},s:{s:s,s:i,s:i,s:s}},s:b}",
                               "type", "object", "properties",
                               "rc", "anyOf", "type", "string", "type", "integer",
                               "outputs", "type", "object",
                               "exit", "type", "integer", "minimum", 0, "maximum", 255, "description",
                               "exec: the program's exit status (default 0)",
                               "additionalProperties", 0);
    json_t *schema = json_pack(
        "{s:s,s:s,s:s,s:s,s:[s],s:b,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s,s:{s:s}},s:{s:s},s:{s:s,s:o}},s:{s:o,s:o,s:o}}",
        "$schema", "http://json-schema.org/draft-07/schema#",
        "$id", "https://tpmrun.invalid/schemas/scenario.schema.json",
        "title", "tpmrun scenario",
        "description", "A TPM 2.0 scenario: steps run in order against a TPM. Generated by tpmrun --schema; do not edit.",
        "required", "steps",
        "additionalProperties", 0,
        "properties",
        "scenario", "type", "string",
        "description", "type", "string",
        "origin", "type", "string",
        "tags", "type", "array", "items", "type", "string",
        "vars", "type", "object",
        "steps", "type", "array", "items", json_pack("{s:o}", "oneOf", steps),
        "definitions", "bytes", bytes, "reference", reference, "expect", expect);
    json_object_set_new(json_object_get(schema, "properties"), "fapi", fapi_conf_schema());
    json_t *tpm_settings = json_pack("{s:[{s:s},{s:s,s:{s:{s:s,s:s}},s:b}]}", "anyOf", "type", "null", "type",
                                     "object", "properties", "ek_cert", "type", "boolean", "description",
                                     "manufacture it with EK certificates (swtpm_setup --create-ek-cert, ~1 s)",
                                     "additionalProperties", 0);
    json_object_set_new(json_object_get(schema, "properties"), "tpms",
                        json_pack("{s:s,s:s,s:i,s:{s:s},s:o}", "description",
                                  "several TPMs, each its own private swtpm: name -> settings; steps pick one with "
                                  "tpm: NAME, the first is the default",
                                  "type", "object", "minProperties", 1, "propertyNames", "pattern",
                                  "^[A-Za-z_][A-Za-z0-9_]*$", "additionalProperties", tpm_settings));
    char *out = NULL;
    if (schema) {
        char *s = json_dumps(schema, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s && asprintf(&out, "%s\n", s) < 0)
            out = NULL;
        free(s);
    }
    json_decref(schema);
    return out;
}
