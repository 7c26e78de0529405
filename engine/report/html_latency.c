/* html_latency: one row per command code.  TPM latencies span four orders
 * of magnitude (GetCapability against an RSA CreatePrimary), so the chart
 * has a log scale: the bar reaches the median, a line the p95, a dot the
 * maximum. */
#include "report/html_latency.h"
#include "report/html_text.h"

#include <math.h>

#define CHART_W 900.0
#define LABEL_W 170.0
#define ROW_H 18.0
#define TOP 22.0
#define CHART_ROWS 40       /* the codes with the most TPM time; the table has them all */

typedef struct scale {
    double lo, hi;      /* decades */
} scale;

static scale scale_of(const latency *l)
{
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->rows[i].st.min > 0 && l->rows[i].st.min < lo)
            lo = l->rows[i].st.min;
        if (l->rows[i].st.max > hi)
            hi = l->rows[i].st.max;
    }
    if (!isfinite(lo) || lo < 0.001)
        lo = 0.001;
    if (hi <= lo)
        hi = lo * 10;
    return (scale){ floor(log10(lo)), ceil(log10(hi)) };
}

static double x_of(const scale *s, double ms)
{
    if (ms < pow(10, s->lo))
        ms = pow(10, s->lo);
    return LABEL_W + (CHART_W - LABEL_W - 20) * (log10(ms) - s->lo) / (s->hi - s->lo);
}

static void axis(FILE *f, const scale *s, double height)
{
    for (double d = s->lo; d <= s->hi; d++) {
        double x = x_of(s, pow(10, d));
        fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, TOP - 6, x, height);
        fprintf(f, "<text x=\"%.1f\" y=\"12\" text-anchor=\"%s\">%g ms</text>\n", x,
                d + 1 > s->hi ? "end" : "middle", pow(10, d));
    }
}

static void chart(FILE *f, const latency *l)
{
    scale s = scale_of(l);
    size_t rows = l->n < CHART_ROWS ? l->n : CHART_ROWS;
    double height = TOP + ROW_H * (double)rows + 4;
    fprintf(f, "<svg id=\"latency-chart\" role=\"img\" aria-label=\"TPM time per command, log scale\" "
               "width=\"100%%\" viewBox=\"0 0 %.0f %.0f\" preserveAspectRatio=\"xMinYMin meet\">\n", CHART_W, height);
    axis(f, &s, height);
    for (size_t i = 0; i < rows; i++) {
        const latency_row *r = &l->rows[i];
        double y = TOP + ROW_H * (double)i, x0 = x_of(&s, pow(10, s.lo));
        fprintf(f, "<g class=\"row\"><title>");
        html_text_printf(f, "%s: %zu commands, median %.3f ms, p95 %.3f ms, max %.3f ms", r->command, r->st.n,
                         r->st.median, r->st.p95, r->st.max);
        fprintf(f, "</title><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", LABEL_W - 8, y + 12);
        html_text_put(f, r->command);
        fprintf(f, "</text><rect class=\"med\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\" rx=\"2\"/>", x0,
                y + 4, x_of(&s, r->st.median) - x0 + 1);
        fprintf(f, "<line class=\"p95\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x_of(&s, r->st.median),
                y + 9, x_of(&s, r->st.p95), y + 9);
        fprintf(f, "<circle class=\"max\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"/></g>\n", x_of(&s, r->st.max), y + 9);
    }
    fputs("</svg>\n", f);
    if (rows < l->n)
        fprintf(f, "<p class=\"muted\">The chart shows the %zu command codes with the most TPM time; the table "
                   "has all %zu.</p>\n", rows, l->n);
}

static void num_cell(FILE *f, double v)
{
    fprintf(f, "<td class=\"num\" data-v=\"%.6f\">%.3f</td>", v, v);
}

static void table(FILE *f, const latency *l)
{
    fputs("<table id=\"latency-table\"><thead><tr><th>command</th><th>code</th><th class=\"num\">count</th>"
          "<th class=\"num\">median ms</th><th class=\"num\">p95 ms</th><th class=\"num\">max ms</th>"
          "<th class=\"num\">total ms</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < l->n; i++) {
        const latency_row *r = &l->rows[i];
        fputs("<tr class=\"cmd\"><td>", f);
        html_text_put(f, r->command);
        fputs("</td><td><code>", f);
        html_text_put(f, r->code);
        fprintf(f, "</code></td><td class=\"num\" data-v=\"%zu\">%zu</td>", r->st.n, r->st.n);
        num_cell(f, r->st.median), num_cell(f, r->st.p95), num_cell(f, r->st.max), num_cell(f, r->st.sum);
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

void html_latency_write(FILE *f, const latency *l)
{
    size_t total = 0;
    for (size_t i = 0; i < l->n; i++)
        total += l->rows[i].st.n;
    fprintf(f, "<section id=\"latency\"><h2>TPM time per command (%zu commands, %zu codes)</h2>\n", total, l->n);
    if (!l->n) {
        fputs("<p class=\"muted\">No TPM commands were recorded.</p></section>\n", f);
        return;
    }
    fputs("<p class=\"legend\"><span><i style=\"background:var(--tpm)\"></i>median</span>"
          "<span>&mdash; p95</span><span><i style=\"background:var(--eng);border-radius:6px\"></i>max</span>"
          "<span class=\"muted\">time in the TPM as the proxy measured it, every client; click a column to "
          "sort</span></p>\n", f);
    chart(f, l);
    table(f, l);
    fputs("</section>\n", f);
}
