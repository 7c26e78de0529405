/* faults: `faults:` rules and --fault options -> fault_rule (see faults.h). */
#include "load/faults.h"
#include "base/node_load.h"
#include "base/text.h"
#include "tpm/tpm_cc.h"
#include "tpm/tpm_rc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = { "warning", "delay_ms", "drop", "truncate", "garbage", NULL };
static const char *const conditions[] = { "every", "times", "commands", "clients", "steps", NULL };
static const char *const all_keys[] = { "warning", "delay_ms", "drop", "truncate", "garbage",
                                        "every",   "times",    "commands", "clients", "steps", NULL };

static bool unknown_key(const node *k, diag *d)
{
    const char *near = text_nearest(k->str, all_keys);
    diag_set(d, k->loc, "unknown key '%s' in a fault%s%s%s", k->str, near ? " (did you mean '" : "",
             near ? near : "", near ? "'?)" : "");
    return false;
}

/* A whole number from min to max. */
static bool want_uint(const node *v, const char *key, unsigned min, unsigned max, unsigned *out, diag *d)
{
    unsigned long n = 0;
    if (v->kind != NODE_SCALAR || !v->plain || !text_parse_uint(v->str, max, &n) || n < min) {
        diag_set(d, v->loc, "fault %s must be a whole number from %u to %u", key, min, max);
        return false;
    }
    *out = (unsigned)n;
    return true;
}

/* drop: and garbage: take true (or nothing: --fault drop). */
static bool want_true(const node *v, const char *key, diag *d)
{
    if (node_is_null(v) || (v->kind == NODE_SCALAR && v->plain && !strcmp(v->str, "true")))
        return true;
    diag_set(d, v->loc, "fault %s takes true (leave the rule out for no fault)", key);
    return false;
}

/* A list of strings (or one string). */
static bool want_names(const node *v, const char *key, char ***out, size_t *n, diag *d)
{
    size_t count = v->kind == NODE_SEQ ? v->count : 1;
    if ((v->kind != NODE_SEQ && (v->kind != NODE_SCALAR || node_is_null(v))) || count == 0) {
        diag_set(d, v->loc, "fault %s must be a list of names", key);
        return false;
    }
    if (!(*out = calloc(count, sizeof **out)))
        return false;
    for (size_t i = 0; i < count; i++) {
        const node *it = v->kind == NODE_SEQ ? v->items[i] : v;
        if (it->kind != NODE_SCALAR || node_is_null(it) || !*it->str) {
            diag_set(d, it->loc, "fault %s must be a list of names, not %s", key, node_kind_name(it));
            return false;
        }
        if (!((*out)[(*n)++] = strdup(it->str)))
            return false;
    }
    return true;
}

static bool want_commands(const node *v, fault_rule *r, diag *d)
{
    char **names = NULL;
    size_t n = 0;
    bool ok = want_names(v, "commands", &names, &n, d);
    if (ok && !(r->commands = calloc(n, sizeof *r->commands)))
        ok = false;
    for (size_t i = 0; ok && i < n; i++) {
        const node *it = v->kind == NODE_SEQ ? v->items[i] : v;
        diag e = { 0 };
        if (!tpm_cc_parse(names[i], &r->commands[r->n_commands++], &e)) {
            diag_set(d, it->loc, "fault commands: %s", e.msg ? e.msg : "unknown command code");
            ok = false;
        }
        diag_clear(&e);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return ok;
}

/* The one key that says what the fault is. */
static bool load_kind(const node *k, const node *v, fault_rule *r, diag *d)
{
    char buf[96];
    if (!strcmp(k->str, "warning")) {
        diag e = { 0 };
        if (v->kind != NODE_SCALAR || node_is_null(v) || !tpm_rc_parse(v->str, &r->rc, &e)) {
            diag_set(d, v->loc, "fault warning: %s", e.msg ? e.msg : "a response code like yielded, retry or testing");
            diag_clear(&e);
            return false;
        }
        r->kind = FAULT_WARNING;
        const char *name = tpm_rc_name(r->rc);
        snprintf(buf, sizeof buf, "warning %s", name ? name : v->str);
    } else if (!strcmp(k->str, "delay_ms")) {
        if (!want_uint(v, "delay_ms", 1, 600000, &r->ms, d))
            return false;
        r->kind = FAULT_DELAY;
        snprintf(buf, sizeof buf, "delay %u ms", r->ms);
    } else if (!strcmp(k->str, "truncate")) {
        if (!want_uint(v, "truncate", 0, 65535, &r->keep, d))
            return false;
        r->kind = FAULT_TRUNCATE;
        snprintf(buf, sizeof buf, "response truncated to %u bytes", r->keep);
    } else {
        if (!want_true(v, k->str, d))
            return false;
        r->kind = !strcmp(k->str, "drop") ? FAULT_DROP : FAULT_GARBAGE;
        snprintf(buf, sizeof buf, "%s", r->kind == FAULT_DROP ? "connection dropped" : "garbage response");
    }
    return (r->what = strdup(buf)) != NULL;
}

static bool load_condition(const node *k, const node *v, fault_rule *r, diag *d)
{
    if (!strcmp(k->str, "every"))
        return want_uint(v, "every", 1, 1000000, &r->every, d);
    if (!strcmp(k->str, "times"))
        return want_uint(v, "times", 1, 1000000, &r->times, d);
    if (!strcmp(k->str, "commands"))
        return want_commands(v, r, d);
    if (!strcmp(k->str, "clients"))
        return want_names(v, "clients", &r->clients, &r->n_clients, d);
    return want_names(v, "steps", &r->steps, &r->n_steps, d);
}

static void rule_free(fault_rule *r)
{
    free(r->commands);
    for (size_t i = 0; i < r->n_clients; i++)
        free(r->clients[i]);
    free(r->clients);
    for (size_t i = 0; i < r->n_steps; i++)
        free(r->steps[i]);
    free(r->steps);
    free(r->what);
}

static bool load_rule(const node *n, fault_rule *r, diag *d)
{
    memset(r, 0, sizeof *r);
    r->every = 1;
    if (n->kind != NODE_MAP) {
        diag_set(d, n->loc, "a fault must be a mapping like {warning: yielded, every: 2}, not %s",
                 node_kind_name(n));
        return false;
    }
    const node *kind = NULL;
    for (size_t i = 0; i < n->count; i++) {
        const node *k = n->pairs[i].key, *v = n->pairs[i].val;
        if (text_in_list(k->str, kinds)) {
            if (kind) {
                diag_set(d, k->loc, "a fault is one of warning, delay_ms, drop, truncate, garbage: '%s' and '%s' "
                         "make two rules", kind->str, k->str);
                return false;
            }
            kind = k;
            if (!load_kind(k, v, r, d))
                return false;
        } else if (text_in_list(k->str, conditions)) {
            if (!load_condition(k, v, r, d))
                return false;
        } else {
            return unknown_key(k, d);
        }
    }
    if (!kind) {
        diag_set(d, n->loc, "a fault needs one of warning, delay_ms, drop, truncate, garbage");
        return false;
    }
    return true;
}

bool faults_load(const node *n, fault_list *out, diag *d)
{
    if (node_is_null(n))
        return true;
    if (n->kind != NODE_SEQ) {
        diag_set(d, n->loc, "faults must be a list of faults like [{warning: yielded, every: 2}], not %s",
                 node_kind_name(n));
        return false;
    }
    fault_rule *rules = realloc(out->rules, (out->n + n->count + 1) * sizeof *rules);
    if (!rules)
        return false;
    out->rules = rules;
    for (size_t i = 0; i < n->count; i++) {
        if (!load_rule(n->items[i], &out->rules[out->n], d)) {
            rule_free(&out->rules[out->n]);
            return false;
        }
        out->n++;
    }
    return true;
}

/* "warning=retry,every=3,commands=Sign+Quote" ->
 * "{warning: retry, every: 3, commands: [Sign, Quote]}"; a flow mapping
 * stays as it is. */
static char *as_flow_mapping(const char *text)
{
    const char *t = text;
    while (*t == ' ')
        t++;
    if (*t == '{')
        return strdup(text);
    size_t len = strlen(text);
    char *s = malloc(3 * len + 3), *o = s;
    if (!s)
        return NULL;
    *o++ = '{';
    bool in_value = false, in_list = false;
    for (const char *c = text; *c; c++) {
        if (*c == '=' && !in_value) {
            in_value = true;
            *o++ = ':';
            *o++ = ' ';
            const char *end = strchr(c, ',');
            const char *plus = strchr(c, '+');
            if (plus && (!end || plus < end)) {
                *o++ = '[';
                in_list = true;
            }
        } else if (*c == ',') {
            if (in_list)
                *o++ = ']';
            in_value = in_list = false;
            *o++ = ',';
            *o++ = ' ';
        } else if (*c == '+' && in_list) {
            *o++ = ',';
            *o++ = ' ';
        } else {
            *o++ = *c;
        }
    }
    if (in_list)
        *o++ = ']';
    *o++ = '}';
    *o = 0;
    return s;
}

bool faults_parse_option(const char *text, const char *name, fault_list *out, diag *d)
{
    char *flow = as_flow_mapping(text);
    if (!flow)
        return false;
    document doc;
    bool ok = node_load_text(name, flow, &doc, d);
    free(flow);
    if (!ok)
        return false;
    if (!doc.root) {
        diag_set(d, (srcloc){ doc.file, 1, 1 }, "an empty fault");
        node_free_document(&doc);
        return false;
    }
    fault_rule *rules = realloc(out->rules, (out->n + 1) * sizeof *rules);
    if (rules) {
        out->rules = rules;
        ok = load_rule(doc.root, &out->rules[out->n], d);
        if (ok)
            out->n++;
        else
            rule_free(&out->rules[out->n]);
    }
    node_free_document(&doc);
    return rules && ok;
}

void faults_free(fault_list *l)
{
    for (size_t i = 0; l && i < l->n; i++)
        rule_free(&l->rules[i]);
    if (l) {
        free(l->rules);
        l->rules = NULL;
        l->n = 0;
    }
}

json_t *faults_schema(void)
{
    json_t *props = json_pack(
        "{s:{s:[s,s],s:s},s:{s:s,s:i,s:i,s:s},s:{s:[s,s],s:[b],s:s},s:{s:s,s:i,s:s},s:{s:[s,s],s:[b],s:s},"
        "s:{s:s,s:i,s:s},s:{s:s,s:i,s:s}}",
        "warning", "type", "string", "integer", "description",
        "answer with this response code (yielded, retry, testing, TPM2_RC_...) instead of sending the command",
        "delay_ms", "type", "integer", "minimum", 1, "maximum", 600000, "description",
        "hold the command this many milliseconds before sending it",
        "drop", "type", "boolean", "null", "enum", 1, "description", "close the client's connection, no answer",
        "truncate", "type", "integer", "minimum", 0, "description", "send only this many bytes of the answer",
        "garbage", "type", "boolean", "null", "enum", 1, "description", "answer with bytes that are no TPM response",
        "every", "type", "integer", "minimum", 1, "description", "every Nth matching command (default 1)",
        "times", "type", "integer", "minimum", 1, "description", "at most this many times (default: no limit)");
    static const char *const filters[][2] = {
        { "commands", "only these TPM commands (GetRandom, Sign, TPM2_CC_..., or numbers)" },
        { "clients", "only these clients: tpmrun, fapi, or a program's name" },
        { "steps", "only in these steps: a step's name: or its type (esapi.sign)" },
    };
    for (size_t i = 0; i < sizeof filters / sizeof *filters; i++)
        json_object_set_new(props, filters[i][0],
                            json_pack("{s:[{s:s},{s:s,s:{s:s},s:i}],s:s}", "anyOf", "type", "string", "type", "array",
                                      "items", "type", "string", "minItems", 1, "description", filters[i][1]));
    json_t *one_of = json_array();
    for (size_t i = 0; kinds[i]; i++)
        json_array_append_new(one_of, json_pack("{s:[s]}", "required", kinds[i]));
    return json_pack("{s:s,s:s,s:{s:s,s:o,s:b,s:o}}", "description",
                     "faults the TPM proxy injects for every client (tpmrun, fapi, programs run by exec)", "type",
                     "array", "items", "type", "object", "properties", props, "additionalProperties", 0, "oneOf",
                     one_of);
}
