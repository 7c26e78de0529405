/* loader: the shared state and helpers of one file's load. */
#include "load/loader.h"
#include "base/text.h"

void loader_unknown_key(loader *L, const node *key, const char *what, const char *const *valid)
{
    const char *near = text_nearest(key->str, valid);
    if (near)
        diag_set(L->d, key->loc, "unknown %s '%s' (did you mean '%s'?)", what, key->str, near);
    else
        diag_set(L->d, key->loc, "unknown %s '%s'", what, key->str);
}

bool loader_want_string(loader *L, const node *n, const char *what)
{
    if (n && n->kind == NODE_SCALAR && !node_is_null(n))
        return true;
    diag_set(L->d, n->loc, "%s must be a string, not %s", what, node_kind_name(n));
    return false;
}

void loader_locate(loader *L, diag *sub, const node *n)
{
    if (diag_failed(sub))
        diag_set(L->d, node_loc_at(n, sub->offset), "%s", sub->msg);
    diag_clear(sub);
}

const char *loader_tpm_name(const loader *L, int i)
{
    return i >= 0 && (size_t)i < L->n_tpms ? L->tpm_names[i] : "";
}
