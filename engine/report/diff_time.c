/* diff_time: medians, because one slow command (a swtpm that had to wait
 * for the machine) must not make a regression; and a floor in
 * milliseconds, because 20% of a 0.05 ms GetCapability is noise. */
#include "report/diff_time.h"
#include "report/latency.h"
#include "report/termtext.h"

#include <stdbool.h>

static void only_in(FILE *f, const char *side, const latency *a, const latency *b)
{
    bool any = false;
    for (size_t i = 0; i < a->n; i++) {
        if (latency_find(b, a->rows[i].code))
            continue;
        if (any)
            fputs(", ", f);
        else
            fprintf(f, "  only in %s: ", side);
        termtext_put(f, a->rows[i].command);
        any = true;
    }
    if (any)
        fputc('\n', f);
}

void diff_time_print(FILE *f, json_t *const *old, size_t n_old, json_t *const *new_, size_t n_new,
                     const diff_time_opts *o, size_t *n_slower, size_t *n_faster)
{
    latency a, b;
    if (!latency_collect(old, n_old, &a))
        return;
    if (!latency_collect(new_, n_new, &b)) {
        latency_free(&a);
        return;
    }
    fprintf(f, "TPM time per command (median; SLOWER: more than %g%% and %g ms up, each side %zu or more "
               "commands):\n", o->slower * 100, o->min_ms, o->min_count);
    fprintf(f, "  %-28s %8s %8s %12s %12s %9s\n", "command", "OLD n", "NEW n", "OLD ms", "NEW ms", "change");
    for (size_t i = 0; i < b.n; i++) {
        const latency_row *rn = &b.rows[i], *ro = latency_find(&a, rn->code);
        if (!ro)
            continue;
        double mo = ro->st.median, mn = rn->st.median, delta = mn - mo;
        double change = mo > 0 ? delta / mo : 0;
        bool judged = ro->st.n >= o->min_count && rn->st.n >= o->min_count;
        bool is_slower = judged && change > o->slower && delta >= o->min_ms;
        bool is_faster = judged && -change > o->slower && -delta >= o->min_ms;
        termtext_printf(f, "  %-28s %8zu %8zu %12.3f %12.3f %+8.1f%%%s\n", rn->command, ro->st.n, rn->st.n, mo, mn,
                        change * 100, is_slower ? "  SLOWER" : is_faster ? "  faster" : judged ? "" : "  few");
        *n_slower += is_slower;
        *n_faster += is_faster;
    }
    only_in(f, "OLD", &a, &b);
    only_in(f, "NEW", &b, &a);
    latency_free(&a);
    latency_free(&b);
}
