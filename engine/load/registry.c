/* registry: the step families' tables; lookup and the catalogue. */
#include "load/registry.h"
#include "base/text.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const step_def *const *families;
static size_t n_families;

void registry_set_families(const step_def *const *f, size_t n)
{
    families = f;
    n_families = n;
}

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
        for (size_t f = 0; f < n_families; f++)
            for (const step_def *d = families[f]; d->name; d++)
                n++;
        all_rows = calloc(n + 1, sizeof *all_rows);
        if (!all_rows) {
            *count = 0;
            return NULL;
        }
        for (size_t f = 0; f < n_families; f++)
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
    const char *best = text_nearest(name, names);
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

const param_spec *registry_param(const step_def *d, const char *name)
{
    for (const param_spec *p = d->params; p && p->name; p++)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

const output_spec *registry_output(const step_def *d, const char *name)
{
    for (const output_spec *o = d->outputs; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

size_t registry_param_count(const step_def *d)
{
    size_t n = 0;
    for (const param_spec *p = d->params; p && p->name; p++)
        n++;
    return n;
}

static const char *type_name(param_type t, tpm_struct st, syntax_id sx)
{
    switch (t) {
    case PT_BYTES: return "bytes";
    case PT_STRING: return "string";
    case PT_INT: return "integer";
    case PT_BOOL: return "boolean";
    case PT_OBJECT: return "object";
    case PT_SESSION: return "session";
    case PT_STRUCT: return tpm_struct_name(st);
    case PT_SYNTAX: return syntax_get(sx)->name;
    case PT_POLICY: return "json-policy";
    case PT_ANY: return "any";
    case PT_STRING_LIST: return "string-list";
    case PT_STRING_MAP: return "string-map";
    case PT_BYTES_LIST: return "bytes-list";
    }
    return "?";
}

const char *registry_param_type_name(const param_spec *p) { return type_name(p->type, p->st, p->syntax); }
const char *registry_output_type_name(const output_spec *o) { return type_name(o->type, o->st, 0); }

/* ---- catalogue ---------------------------------------------------------- */
static void print_row(FILE *f, const step_def *d, bool verbose)
{
    fprintf(f, "%-28s %s\n", d->name, d->doc);
    if (!verbose)
        return;
    for (const param_spec *p = d->params; p && p->name; p++) {
        fprintf(f, "    %-20s %-16s %s%s%s", p->name, registry_param_type_name(p),
                (p->flags & PF_REQUIRED) ? "required. " : "", (p->flags & PF_SECRET) ? "secret. " : "", p->doc);
        if (p->def)
            fprintf(f, " (default: %s)", p->def);
        fputc('\n', f);
    }
    for (const output_spec *o = d->outputs; o && o->name; o++)
        fprintf(f, "    -> %-17s %-16s %s%s\n", o->name, registry_output_type_name(o),
                (o->flags & PF_SECRET) ? "secret. " : "", o->doc);
}

bool registry_print_catalogue(FILE *f, bool verbose, char *const *names, size_t n)
{
    size_t count;
    const step_def *const *rows = registry_all(&count);
    bool ok = true;
    for (size_t k = 0; k < n; k++) {
        const step_def *d = registry_find(names[k]);
        if (d) {
            print_row(f, d, verbose);
            continue;
        }
        const char *near = registry_nearest(names[k]);
        fprintf(stderr, "tpmrun: no step '%s'%s%s%s\n", names[k], near ? " (did you mean '" : "", near ? near : "",
                near ? "'?)" : "");
        ok = false;
    }
    for (size_t i = 0; !n && i < count; i++)
        print_row(f, rows[i], verbose);
    return ok;
}

