/* untrusted: a walk over a loaded scenario for what --untrusted refuses. */
#include "load/untrusted.h"
#include "base/confine.h"
#include "load/ref.h"

#include <stdlib.h>
#include <string.h>

/* Does text hold ${env...}? */
static bool text_uses_env(const char *text)
{
    for (const char *p = text ? ref_find(text) : NULL; p; p = ref_find(p + 2)) {
        char *name = NULL, *field = NULL;
        diag d = { 0 };
        size_t n = ref_split(p, &name, &field, &d);
        bool env = n && name && !strcmp(name, "env");
        free(name);
        free(field);
        diag_clear(&d);
        if (env)
            return true;
    }
    return false;
}

static bool arg_uses_env(const arg_src *a)
{
    if (a->form == ARG_REF)
        return a->ref_name && !strcmp(a->ref_name, "env");
    if (a->form == ARG_INTERP)
        return text_uses_env(a->text);
    for (size_t i = 0; a->form == ARG_LIST && i < a->n_items; i++)
        if (arg_uses_env(&a->items[i]))
            return true;
    return false;
}

static bool refuse_env(const arg_src *a, diag *d)
{
    if (!arg_uses_env(a))
        return true;
    diag_set(d, a->loc, "${env.NAME} would copy tpmrun's environment (a CI token ...) into the results: "
                        "refused with --untrusted");
    return false;
}

/* A host path given as text: inside the work directory by its words. */
static bool refuse_path(const param_spec *p, const arg_src *a, diag *d)
{
    if (!(p->flags & PF_HOST_PATH) || a->form != ARG_LITERAL || !a->literal || a->literal->kind != VAL_STRING)
        return true;
    const char *path = (const char *)a->literal->bytes;
    if (path[0] == '/') {
        diag_set(d, a->loc, "'%s' is an absolute path: with --untrusted a scenario's files are in its work "
                            "directory (write a relative path)", path);
        return false;
    }
    if (!confine_name_stays_inside(path)) {
        diag_set(d, a->loc, "'%s' leads out of the work directory ('..'): refused with --untrusted", path);
        return false;
    }
    return true;
}

static bool check_step(const step *st, diag *d)
{
    if (st->def->needs & NEED_PROGRAM) {
        diag_set(d, st->loc, "%s runs a program with tpmrun's rights: refused with --untrusted", st->def->name);
        return false;
    }
    for (size_t i = 0; st->def->params && st->def->params[i].name; i++)
        if (!refuse_env(&st->args[i], d) || !refuse_path(&st->def->params[i], &st->args[i], d))
            return false;
    for (size_t i = 0; i < st->n_sessions; i++)
        if (!refuse_env(&st->sessions[i], d))
            return false;
    for (size_t i = 0; i < st->n_expect_outputs; i++)
        if (!refuse_env(&st->expect_outputs[i].want, d))
            return false;
    return true;
}

bool untrusted_check(const scenario *sc, diag *d)
{
    for (size_t i = 0; i < sc->n_steps; i++)
        if (!check_step(&sc->steps[i], d))
            return false;
    return true;
}
