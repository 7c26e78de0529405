/* identity: the TPM and versions of a set of runs. */
#include "report/identity.h"
#include "report/termtext.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *or(const char *s, const char *dflt)
{
    return s ? s : dflt;
}

char *identity_tpm(const json_t *t)
{
    const json_t *spec = json_object_get(t, "spec");
    bool priv = json_is_true(json_object_get(t, "private_swtpm"));
    char *s = NULL;
    if (asprintf(&s, "%s \"%s\", firmware %s, TPM %s rev %s, %s%s", or(str(t, "manufacturer"), "unknown"),
                 or(str(t, "vendor"), ""), or(str(t, "firmware"), "?"), or(str(spec, "family"), "2.0"),
                 or(str(spec, "revision"), "?"), priv ? "private swtpm" : "TCTI ",
                 priv ? "" : or(str(t, "tcti"), "?")) < 0)
        return NULL;
    return s;
}

static void count_in(json_t *set, const char *key)
{
    if (key)
        json_object_set_new(set, key, json_integer(json_integer_value(json_object_get(set, key)) + 1));
}

/* A run that ended before the TPM was asked who it is (a crash) says nothing. */
static void count_tpm(json_t *set, const json_t *tpm)
{
    if (!str(tpm, "manufacturer") && !str(tpm, "firmware"))
        return;
    char *id = identity_tpm(tpm);
    count_in(set, id);
    free(id);
}

json_t *identity_set(json_t *const *runs, size_t n, const char *what)
{
    json_t *set = json_object();
    for (size_t i = 0; set && i < n; i++) {
        if (strcmp(what, "tpm")) {
            count_in(set, str(json_object_get(runs[i], "versions"), what));
            continue;
        }
        const json_t *several = json_object_get(runs[i], "tpms");
        const char *name;
        json_t *t;
        if (!several)
            count_tpm(set, json_object_get(runs[i], "tpm"));
        json_object_foreach((json_t *)several, name, t)
            count_tpm(set, t);
    }
    return set;
}

/* The set's keys, joined with " | ". */
static char *joined(json_t *set)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    const char *k;
    json_t *v;
    bool first = true;
    json_object_foreach(set, k, v) {
        fprintf(m, "%s%s", first ? "" : " | ", k);
        first = false;
    }
    if (first)
        fputs("not recorded", m);
    fclose(m);
    return buf;
}

void identity_compare(FILE *f, json_t *const *old, size_t n_old, json_t *const *new_, size_t n_new)
{
    static const char *const what[] = { "tpm", "tpmrun", "tpm2-tss" };
    for (size_t i = 0; i < 3; i++) {
        json_t *a = identity_set(old, n_old, what[i]), *b = identity_set(new_, n_new, what[i]);
        char *x = a ? joined(a) : NULL, *y = b ? joined(b) : NULL;
        if (x && y && strcmp(x, y))
            termtext_printf(f, "%s: %s -> %s\n", i ? what[i] : "TPM", x, y);
        else if (x && y)
            termtext_printf(f, "%s: %s\n", i ? what[i] : "TPM", x);
        free(x);
        free(y);
        json_decref(a);
        json_decref(b);
    }
}
