/* scenario_files: what to load from the paths of a command line. */
#include "load/scenario_files.h"
#include "base/node.h"
#include "base/node_load.h"
#include "base/slurp.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool has_ext(const char *name, const char *ext)
{
    const char *dot = strrchr(name, '.');
    return dot && !strcmp(dot, ext);
}

static bool scenario_ext(const char *name)
{
    return has_ext(name, ".yaml") || has_ext(name, ".yml") || has_ext(name, ".json");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void push(char ***v, size_t *n, const char *path)
{
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv)
        return;
    *v = nv;
    if (((*v)[*n] = strdup(path)))
        (*n)++;
}

/* A .json file that cannot be a scenario: its top level is not a mapping
 * with `steps`, or has `status`.  It is read as the loader's YAML reader
 * reads it (leniently: the FAPI profiles Debian ships have trailing
 * commas); text that does not parse at all is left to the loader, which
 * says what is wrong with it. */
static bool json_not_scenario(const char *path)
{
    uint8_t *text = NULL;
    size_t len = 0;
    if (slurp_file(path, DOC_MAX_BYTES, &text, &len) != 0 || memchr(text, 0, len)) {
        free(text);
        return false;
    }
    document doc;
    diag d = { 0 };
    bool parsed = node_load_text(path, (const char *)text, &doc, &d);
    free(text);
    diag_clear(&d);
    if (!parsed)
        return false;
    const node *root = doc.root;
    bool not = !root || root->kind != NODE_MAP || !node_get(root, "steps") || node_get(root, "status");
    node_free_document(&doc);
    return not;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Directories are walked in name order so runs are reproducible. */
static void walk(scenario_files *f, const char *path, bool top, const struct stat *results)
{
    struct stat st;
    if (!top && f->no_links && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        return;     /* a link in an untrusted tree may point anywhere */
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (top)
            push(&f->paths, &f->n, path);   /* a missing file is reported by the loader */
        else if (scenario_ext(path) && S_ISREG(st.st_mode) && has_ext(path, ".json") && json_not_scenario(path))
            push(&f->skipped, &f->n_skipped, path);
        else if (scenario_ext(path))
            push(&f->paths, &f->n, path);
        return;
    }
    if (!top && results && same_file(&st, results))
        return;
    DIR *d = opendir(path);
    if (!d)
        return;
    char **sub = NULL;
    size_t n_sub = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *p = NULL;
        if (asprintf(&p, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", e->d_name) >= 0)
            push(&sub, &n_sub, p);
        free(p);
    }
    closedir(d);
    if (n_sub)
        qsort(sub, n_sub, sizeof *sub, cmp_str);
    for (size_t i = 0; i < n_sub; i++) {
        walk(f, sub[i], false, results);
        free(sub[i]);
    }
    free(sub);
}

void scenario_files_collect(scenario_files *f, const char *path, const char *results_dir)
{
    struct stat rs;
    bool have_results = results_dir && stat(results_dir, &rs) == 0 && S_ISDIR(rs.st_mode);
    walk(f, path, true, have_results ? &rs : NULL);
}

void scenario_files_free(scenario_files *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->paths[i]);
    for (size_t i = 0; i < f->n_skipped; i++)
        free(f->skipped[i]);
    free(f->paths);
    free(f->skipped);
    *f = (scenario_files){ 0 };
}
