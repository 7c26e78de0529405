/* schema: the JSON Schema of scenario files, generated from the registry
 * rows and the syntax table (tpmrun --schema, schemas/scenario.schema.json).
 * Text syntaxes get an enum of their words (an editor offers them) and a
 * pattern (an editor flags `sha265` or `ownerwirte`). */
#include "load/schema.h"
#include "load/fapi_conf.h"
#include "load/faults.h"
#include "load/registry.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *ref_to(const char *def)
{
    char path[96];
    snprintf(path, sizeof path, "#/definitions/%s", def);
    return json_pack("{s:s}", "$ref", path);
}

/* ---- patterns ------------------------------------------------------------- */

/* Makes a regular expression over lowercase text match either case:
 * letters outside classes become [xX], classes get the upper-case letters
 * (and ranges) too. */
static char *any_case(const char *re)
{
    size_t n = strlen(re);
    char *out = malloc(n * 4 + 1), *o = out;
    if (!out)
        return NULL;
    bool in_class = false;
    for (size_t i = 0; i < n; i++) {
        char c = re[i];
        if (c == '\\' && i + 1 < n) {
            *o++ = c;
            *o++ = re[++i];
        } else if (in_class) {
            if (c == ']') {
                in_class = false;
                *o++ = c;
            } else if (islower((unsigned char)c) && i + 2 < n && re[i + 1] == '-' && islower((unsigned char)re[i + 2])) {
                o += sprintf(o, "%c-%c%c-%c", c, re[i + 2], toupper((unsigned char)c), toupper((unsigned char)re[i + 2]));
                i += 2;
            } else if (islower((unsigned char)c)) {
                *o++ = c;
                *o++ = (char)toupper((unsigned char)c);
            } else {
                *o++ = c;
            }
        } else if (c == '[') {
            in_class = true;
            *o++ = c;
        } else if (islower((unsigned char)c)) {
            o += sprintf(o, "[%c%c]", c, toupper((unsigned char)c));
        } else {
            *o++ = c;
        }
    }
    *o = 0;
    return out;
}

/* "(?:w1|w2|...|0x[0-9a-f]+|[0-9]+)" of lowercased words (regex characters escaped). */
static char *alternation(const char *const *words, bool numbers)
{
    size_t cap = 64;
    for (size_t i = 0; words[i]; i++)
        cap += strlen(words[i]) * 2 + 1;
    char *out = malloc(cap), *o = out;
    if (!out)
        return NULL;
    o += sprintf(o, "(?:");
    for (size_t i = 0; words[i]; i++) {
        if (i)
            *o++ = '|';
        for (const char *c = words[i]; *c; c++) {
            if (strchr(".^$|?*+()[]{}\\", *c))
                *o++ = '\\';
            *o++ = (char)tolower((unsigned char)*c);
        }
    }
    o += sprintf(o, "%s)", numbers ? "|0x[0-9a-f]+|[0-9]+" : "");
    return out;
}

/* anyOf: the words (enum, for completion), the grammar (pattern), a reference. */
static json_t *syntax_schema(syntax_id id)
{
    const syntax *sx = syntax_get(id);
    const char **words = syntax_words(id);
    char *alt = words ? alternation(words, sx->form != SCHEMA_CHOICE) : NULL;
    char *re = NULL;
    switch (sx->form) {
    case SCHEMA_WORDS:
    case SCHEMA_CHOICE:
        if (alt && asprintf(&re, "^\\s*%s\\s*$", alt) < 0)
            re = NULL;
        break;
    case SCHEMA_LIST:
        if (alt && asprintf(&re, "^\\s*(?:%s(?:\\s*\\|\\s*%s)*)?\\s*$", alt, alt) < 0)
            re = NULL;
        break;
    case SCHEMA_PATTERN:
        if (asprintf(&re, "^(?:%s)$", sx->pattern()) < 0)
            re = NULL;
        break;
    }
    char *ci = re ? any_case(re) : NULL;
    json_t *any = json_array();
    if (words) {
        json_t *e = json_array();
        for (size_t i = 0; words[i]; i++)
            json_array_append_new(e, json_string(words[i]));
        json_array_append_new(any, json_pack("{s:o}", "enum", e));
    }
    json_array_append_new(any, json_pack("{s:s,s:s}", "type", "string", "pattern", ci ? ci : ".*"));
    if (sx->form == SCHEMA_LIST) {  /* [a, b] as well as "a|b": each item one word */
        char *one = NULL, *one_ci = NULL;
        if (alt && asprintf(&one, "^\\s*%s\\s*$", alt) >= 0)
            one_ci = any_case(one);
        json_array_append_new(any, json_pack("{s:s,s:{s:s,s:s}}", "type", "array", "items", "type", "string",
                                             "pattern", one_ci ? one_ci : ".*"));
        free(one);
        free(one_ci);
    } else if (id == SX_LOCALITY) {     /* [zero, three] or [0, 3] (the loader joins the items) */
        json_array_append_new(any, json_pack("{s:s,s:{s:[s,s]}}", "type", "array", "items", "type", "string",
                                             "integer"));
    }
    json_array_append_new(any, ref_to("reference"));
    /* text with a ${...} inside ("srk-${alg}"): checked when the run has its value */
    json_array_append_new(any, json_pack("{s:s,s:s}", "type", "string", "pattern", "\\$\\{[^}]+\\}"));
    free(words);
    free(alt);
    free(re);
    free(ci);
    return json_pack("{s:o}", "anyOf", any);
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
    case PT_POLICY:     /* JSON text, an inline policy, or {file:} */
        s = json_pack("{s:[{s:s},{s:s},{s:s}]}", "anyOf", "type", "string", "type", "object", "type", "array");
        break;
    case PT_SYNTAX:
        s = syntax_schema(p->syntax);
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
    case PT_BYTES_LIST:
        s = json_pack("{s:[{s:s,s:o},o]}", "anyOf", "type", "array", "items", ref_to("bytes"), ref_to("reference"));
        break;
    case PT_STRING_MAP:
        s = json_pack("{s:s,s:{s:[s,s,s]}}", "type", "object", "additionalProperties", "type", "string",
                      "number", "boolean");
        break;
    default:
        s = json_object();
    }
    json_t *desc = json_pack("{s:s}", "description", p->doc);
    if (p->type == PT_SYNTAX) {
        char *d = NULL;
        if (asprintf(&d, "%s — %s", p->doc, syntax_get(p->syntax)->doc) >= 0) {
            json_object_set_new(desc, "description", json_string(d));
            free(d);
        }
    }
    if (p->def)
        json_object_set_new(desc, "default", json_string(p->def));
    /* The description lives beside the type in an allOf so $ref stays valid in draft-07. */
    return json_pack("{s:[o,o]}", "allOf", s, desc);
}

/* Sets the description of object_schema's property key. */
static void describe(json_t *object_schema, const char *key, const char *doc)
{
    json_t *p = json_object_get(json_object_get(object_schema, "properties"), key);
    if (p)
        json_object_set_new(p, "description", json_string(doc));
}


/* skip:, xfail:, requires: -- on a scenario and on every step. */
static void add_conditions(json_t *props)
{
    json_object_set_new(props, "skip", json_pack("{s:s,s:s}", "description", "skip it, for this reason", "type",
                                                 "string"));
    json_object_set_new(props, "xfail", json_pack("{s:s,s:s}", "description",
                                                  "a known failure, for this reason: xfailed (or xpassed), not failed",
                                                  "type", "string"));
    json_t *req = ref_to("requires");
    json_object_set_new(req, "description",
                        json_string("what the TPM and the machine must have (algorithms, curves, commands, "
                                    "properties, programs); unmet: skipped with the reason"));
    json_object_set_new(props, "requires", req);
}

static void add_timeout(json_t *props)
{
    json_object_set_new(props, "timeout", json_pack("{s:s,s:s,s:i,s:i}", "description",
                                                    "seconds the step may take; then the scenario ends as an error "
                                                    "(exec's own timeout: parameter fails only the step)",
                                                    "type", "number", "exclusiveMinimum", 0, "maximum", 86400));
}

static json_t *requires_schema(void)
{
    json_t *names = json_pack("{s:[{s:s},{s:s,s:{s:s}}]}", "anyOf", "type", "string", "type", "array", "items",
                              "type", "string");
    json_t *r = json_pack("{s:s,s:s,s:{s:O,s:O,s:O,s:{s:s,s:{s:s,s:i}},s:O},s:b}",
                          "description", "what the TPM (TPM2_GetCapability) and the machine must have; unmet: skipped",
                          "type", "object", "properties", "algorithms", names, "curves", names, "commands", names,
                          "properties", "type", "object", "additionalProperties", "type", "integer", "minimum", 0,
                          "programs", names, "additionalProperties", 0);
    json_decref(names);
    static const char *const docs[][2] = {
        { "algorithms", "algorithms the TPM must implement (sha384, ecc, aes ...)" },
        { "curves", "ECC curves the TPM must have (nist_p384 ...)" },
        { "commands", "TPM commands it must implement (PolicyAuthorizeNV ...)" },
        { "properties", "TPM properties and their least values (TPM2_PT_NV_BUFFER_MAX: 1024)" },
        { "programs", "programs that must be on PATH (tpm2_quote ...)" },
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
        describe(r, docs[i][0], docs[i][1]);
    return r;
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
        /* a step without required parameters may be written "- esapi.startup:" (null);
         * the description goes on the alternatives too, for hover help */
        json_t *alt = json_pack("{s:s,s:[o,{s:s}]}", "description", d->doc, "anyOf", params, "type", "null");
        params = alt;
    }
    json_t *s = json_pack("{s:s,s:[s],s:{s:o,s:o,s:o,s:o},s:b}", "type", "object", "required", d->name,
                          "properties", d->name, params,
                          "name", json_pack("{s:s,s:s}", "type", "string", "description",
                                            "a name for the step in results, messages and faults: steps:"),
                          "save", json_pack("{s:s,s:s,s:s}", "type", "string", "pattern", "^[A-Za-z_][A-Za-z0-9_]*$",
                                            "description",
                                            "keep the outputs: ${name} is the first, ${name.field} any of them"),
                          "expect", ref_to("expect"),
                          "additionalProperties", 0);
    add_conditions(json_object_get(s, "properties"));
    add_timeout(json_object_get(s, "properties"));
    if (d->needs & NEED_ESYS)
        json_object_set_new(json_object_get(s, "properties"), "locality",
                            json_pack("{s:s,s:[{s:s,s:i,s:i},{s:s,s:i,s:i}]}", "description",
                                      "the locality the step's TPM commands are sent at", "anyOf", "type", "integer",
                                      "minimum", 0, "maximum", 4, "type", "integer", "minimum", 32, "maximum", 255));
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

/* The top-level keys tpmrun only reads (fapi:, faults:, tpms: describe themselves). */
static void describe_top(json_t *schema)
{
    static const char *const docs[][2] = {
        { "scenario", "the scenario's id: results/<id>.json, JUnit test name (default: the file name without extension)" },
        { "description", "what the scenario shows" },
        { "origin", "where it comes from: the test or example it ports" },
        { "tags", "words to sort scenarios by" },
        { "vars", "literal values every step can use as ${name}" },
        { "steps", "the steps, run in order: each a mapping whose one step key (esapi.sign ...) holds its parameters" },
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
        describe(schema, docs[i][0], docs[i][1]);
    json_object_set_new(json_object_get(schema, "properties"), "$schema",
                        json_pack("{s:s,s:s}", "type", "string", "description",
                                  "JSON files: this schema, for editors (YAML files use the # yaml-language-server "
                                  "comment); tpmrun ignores it"));
}

/* The use: step's keys described, for editors' hover help. */
static void describe_use(json_t *use)
{
    describe(use, "use", "a fragment file's steps here: its path (relative to this file), or {file, with, as, save}");
    json_t *form = json_array_get(json_object_get(json_object_get(json_object_get(use, "properties"), "use"),
                                                  "anyOf"), 1);
    static const char *const docs[][2] = {
        { "file", "the fragment file, relative to this file" },
        { "with", "the fragment's params: name -> value" },
        { "as", "a prefix: what the fragment saves becomes ${PREFIX_NAME}" },
        { "save", "the fragment's saved names -> the names they get here" },
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
        describe(form, docs[i][0], docs[i][1]);
}

char *schema_json(void)
{
    size_t n;
    const step_def *const *rows = registry_all(&n);
    json_t *steps = json_array();
    for (size_t i = 0; i < n; i++)
        if (!(rows[i]->needs & NEED_TEST))
            json_array_append_new(steps, step_schema(rows[i]));

    json_t *use = json_pack(
        "{s:s,s:s,s:[s],s:{s:{s:[{s:s},{s:s,s:[s],s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s,s:{s:s}}},s:b}]}},s:b}",
        "description", "the steps of a fragment file (fragment:, params:, steps:): use: FILE or {file, with, as, save}",
        "type", "object", "required", "use", "properties", "use", "anyOf", "type", "string", "type", "object",
        "required", "file", "properties", "file", "type", "string", "with", "type", "object", "as", "type", "string",
        "save", "type", "object", "additionalProperties", "type", "string", "additionalProperties", 0,
        "additionalProperties", 0);
    describe_use(use);
    json_array_append_new(steps, use);
    json_t *bytes = json_pack(
        "{s:s,s:[{s:s},{s:s,s:{s:{s:s}},s:[s],s:b},{s:s,s:{s:{s:s}},s:[s],s:b},{s:s,s:{s:{s:s}},s:[s],s:b},"
        "{s:s,s:{s:{s:s}},s:[s],s:b},{s:s,s:{s:{s:s}},s:[s]},{s:s,s:{s:{},s:{s:s},s:{s:s}},s:[s],s:b}]}",
        "description", "UTF-8 text, {hex: ...}, {base64: ...}, {text: ...}, {file: path} relative to the scenario, "
        "{concat: [...]}, {slice: ..., start: N, end: M}, or a ${reference}",
        "anyOf", "type", "string",
        "type", "object", "properties", "hex", "type", "string", "required", "hex", "additionalProperties", 0,
        "type", "object", "properties", "base64", "type", "string", "required", "base64", "additionalProperties", 0,
        "type", "object", "properties", "file", "type", "string", "required", "file", "additionalProperties", 0,
        "type", "object", "properties", "text", "type", "string", "required", "text", "additionalProperties", 0,
        "type", "object", "properties", "concat", "type", "array", "required", "concat",
        "type", "object", "properties", "slice", "start", "type", "integer", "end", "type", "integer",
        "required", "slice", "additionalProperties", 0);
    static const char *const byte_forms[][2] = {
        { "hex", "the bytes in hexadecimal (666f6f)" },
        { "base64", "the bytes in base64 (Zm9v)" },
        { "file", "a file's bytes: a path relative to the scenario file" },
        { "text", "the UTF-8 bytes of this text, even when it looks like hex" },
        { "concat", "these bytes joined in order" },
        { "slice", "bytes start..end of these (Python's indices; negative counts from the end)" },
    };
    for (size_t i = 0; i < sizeof byte_forms / sizeof *byte_forms; i++)
        describe(json_array_get(json_object_get(bytes, "anyOf"), i + 1), byte_forms[i][0], byte_forms[i][1]);
    json_t *slice = json_array_get(json_object_get(bytes, "anyOf"), 6);
    describe(slice, "start", "the first byte (from 0; negative: from the end)");
    describe(slice, "end", "the byte after the last (negative: from the end; absent: to the end)");
    json_t *reference = json_pack("{s:s,s:s,s:s}", "type", "string", "pattern", "^\\$\\{[^}]+\\}$",
                                  "description", "${name} or ${name.field}: a value a previous step saved, a var, ${env.NAME} or ${workdir}");
    json_t *expect = json_pack("{s:s,s:s,s:{s:{s:[{s:s},{s:s}],s:s},s:{s:s,s:s},s:{s:s,s:i,s:i,s:s}},s:b}",
                               "description", "what the step must give; without expect it must succeed",
                               "type", "object", "properties",
                               "rc", "anyOf", "type", "string", "type", "integer", "description",
                               "the response code the step must fail with: TPM2_RC_AUTH_FAIL, auth_fail or a number",
                               "outputs", "type", "object", "description",
                               "output name -> the value it must have (bytes as text, {hex:} ...)",
                               "exit", "type", "integer", "minimum", 0, "maximum", 255, "description",
                               "exec: the program's exit status (default 0)",
                               "additionalProperties", 0);
    for (int i = 0; i < 2; i++)
        json_object_set_new(json_object_get(expect, "properties"), i ? "stderr" : "stdout",
                            json_pack("{s:s}", "description",
                                      "exec: the program's output equals this, or {contains: ..., matches: REGEX, "
                                      "equals: ...}"));
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
    describe_top(schema);
    json_object_set_new(json_object_get(schema, "definitions"), "requires", requires_schema());
    add_conditions(json_object_get(schema, "properties"));
    json_object_set_new(json_object_get(schema, "properties"), "fapi", fapi_conf_schema());
    json_object_set_new(json_object_get(schema, "properties"), "faults", faults_schema());
    json_object_set_new(json_object_get(schema, "properties"), "fragment",
                        json_pack("{s:s,s:s}", "description",
                                  "this file is a fragment, used by scenarios (use:), not run on its own", "type",
                                  "string"));
    json_object_set_new(json_object_get(schema, "properties"), "params",
                        json_pack("{s:s,s:s}", "description", "a fragment's parameters: name -> default (~: required)",
                                  "type", "object"));
    json_object_set_new(json_object_get(schema, "properties"), "matrix",
                        json_pack("{s:s,s:s,s:i,s:{s:s,s:i,s:{s:[s,s,s]}}}", "description",
                                  "the scenario runs once per combination of these axes (each a var), as "
                                  "id[axis=value,...]",
                                  "type", "object", "minProperties", 1, "additionalProperties", "type", "array",
                                  "minItems", 1, "items", "type", "string", "number", "boolean"));
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
