/* schema: the JSON Schema of scenario files, from the registry rows. */
#ifndef TPMRUN_LOAD_SCHEMA_H
#define TPMRUN_LOAD_SCHEMA_H

/* malloc'd, pretty, with a trailing newline; NULL when out of memory. */
char *schema_json(void);

#endif
