/* canbao adapter ABI, version 1.
 *
 * An adapter turns one feed file into SPEC §3 records. The built-in adapters (NDJSON, CSV) and
 * third-party shared libraries implement this same table; the engine's adapter registry treats
 * them alike. A plugin exports one symbol, declared with CANBAO_ADAPTER_EXPORT:
 *
 *   CANBAO_ADAPTER_EXPORT const canbao_adapter* canbao_adapter_entry(void);
 *
 * The loader (dlopen RTLD_NOW|RTLD_LOCAL) calls it, then checks abi_version and struct_size before
 * using any other member.
 *
 * Version policy:
 *  - abi_version is the MAJOR version and must equal CANBAO_ADAPTER_ABI_VERSION exactly. It changes
 *    only when an existing member, type, value or rule below changes meaning or layout; a plugin
 *    built for another major version is refused with a clear error.
 *  - MINOR growth is compatible and needs no version change: members are only ever appended at
 *    the end of canbao_adapter (and of canbao_feed_options / canbao_record_sink, which the engine
 *    allocates), new canbao_field values are appended before CANBAO_F_COUNT, new
 *    canbao_value_kind values are appended. struct_size says which members a plugin's table has:
 *    the engine reads a member only when struct_size covers it (a table smaller than the version-1
 *    table is refused). A plugin never emits a field number it does not know, and the engine
 *    ignores field numbers >= its own CANBAO_F_COUNT; an unknown value kind counts as INVALID.
 *
 * Lifetimes (who owns what, and for how long):
 *  - The canbao_adapter table and its `name` are the plugin's, static, valid until the library is
 *    unloaded (the engine keeps it loaded for the whole process).
 *  - open(): `options` and every string and array it points to (path, agency, encoding,
 *    column_names and its strings) are the engine's and valid only during the call: copy what is
 *    needed later. `data` (the whole file, mapped read-only) stays valid until close(ctx).
 *  - The context returned by open() is the plugin's; the engine passes it to every later call and
 *    calls close() exactly once, after the last parse() has returned.
 *  - parse(): `sink` and its `user` pointer are the engine's and valid only during the call;
 *    emit()/reject() may be called only from inside that parse() call, on the thread running it.
 *    The canbao_kv array, the bytes its `data` members point to, `reason` and `raw_id` need stay
 *    valid only until emit()/reject() returns (the engine copies what it keeps); they may point
 *    into `data` or into the plugin's own buffers.
 *  - `err` buffers are the engine's, `err_size` bytes, valid during the call; write at most
 *    err_size bytes including the NUL (canbao_write_err in adapter_util.h does this).
 *
 * Contract:
 *  - Adapters emit field values as UTF-8 text; the engine decodes them (enum labels, dates, IDs),
 *    so an adapter knows nothing of SPEC semantics beyond field names.
 *  - No exception, longjmp or abort may cross the boundary, in either direction: errors are return
 *    values. The engine's emit()/reject() never throw (they catch everything and return non-zero).
 *  - chunk_end() is called serially; parse() is called concurrently for disjoint chunks on the
 *    same context and must be thread-safe for that. Each parse() call gets its own sink.
 *  - Lines are physical lines ('\n'-terminated). Line numbers passed to the sink are 0-based
 *    offsets from the first line of the chunk; the engine adds the chunk's base.
 *  - The engine checks what an adapter hands over (line numbers inside the chunk, the chunk's line
 *    count for plugins, reasons as short tokens, UTF-8 text): a violation stops the run with one
 *    line naming the adapter ("returned garbage").
 *  - canbao/adapter_util.h has header-only helpers (line-based chunk_end, error text) that a
 *    plugin can use without linking the engine.
 */
#ifndef CANBAO_ADAPTER_ABI_H
#define CANBAO_ADAPTER_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CANBAO_ADAPTER_ABI_VERSION 1u
#define CANBAO_ADAPTER_ENTRY_SYMBOL "canbao_adapter_entry"

#ifdef __cplusplus
#define CANBAO_EXTERN_C extern "C"
#else
#define CANBAO_EXTERN_C
#endif
#define CANBAO_ADAPTER_EXPORT CANBAO_EXTERN_C __attribute__((visibility("default")))

/* SPEC §3 field names, in this order (canbao_field_name() in the engine gives the text). */
typedef enum canbao_field {
  CANBAO_F_RECORD_ID = 0,
  CANBAO_F_ID,
  CANBAO_F_NAME,
  CANBAO_F_SCHEME,
  CANBAO_F_REGION,
  CANBAO_F_STATUS,
  CANBAO_F_START,
  CANBAO_F_END,
  CANBAO_F_CATEGORY,
  CANBAO_F_UNIT,
  CANBAO_F_FUNDED,
  CANBAO_F_FROM,
  CANBAO_F_TO,
  CANBAO_F_PAID_ON,
  CANBAO_F_BACK_PAY,
  CANBAO_F_AMOUNT,
  CANBAO_F_PAYER,
  CANBAO_F_TYPE,
  CANBAO_F_PENSION_STATUS,
  CANBAO_F_SEX,
  CANBAO_F_BIRTH,
  CANBAO_F_HUKOU_REGION,
  CANBAO_F_RESIDENCE_REGION,
  CANBAO_F_PERMIT_REGION,
  CANBAO_F_PERMIT_EXPIRY,
  CANBAO_F_DEATH_DATE,
  CANBAO_F_ADDRESS,
  CANBAO_F_SCHOOL,
  CANBAO_F_LEVEL,
  CANBAO_F_ENTRY_YEAR,
  CANBAO_F_CERTIFIED_ON,
  /* SPEC §9 market (minor growth of ABI 1: appended) */
  CANBAO_F_REGISTERED_ON,
  CANBAO_F_CLOSED_ON,
  /* SPEC §9 health (minor growth of ABI 1: appended) */
  CANBAO_F_KIND,
  CANBAO_F_BIRTH_CERT,
  CANBAO_F_MOTHER_ID,
  /* SPEC §7 update feeds (minor growth of ABI 1: appended) */
  CANBAO_F_OP,
  CANBAO_F_COUNT
} canbao_field;

/* Kinds of value. TEXT: data/size hold UTF-8 text (a JSON number or boolean as its literal).
 * INVALID: the source held something that cannot be a field value (a JSON object or array);
 * the engine quarantines the record if the field is one it needs. Absent values are simply not
 * emitted (an empty string or JSON null may be emitted as TEXT of size 0: the engine treats both
 * as absent). */
typedef enum canbao_value_kind { CANBAO_VALUE_TEXT = 0, CANBAO_VALUE_INVALID = 1 } canbao_value_kind;

typedef struct canbao_kv {
  uint32_t field; /* canbao_field */
  uint32_t kind;  /* canbao_value_kind */
  const char* data;
  size_t size;
} canbao_kv;

/* Receives the records of one chunk. Return 0 to continue, non-zero to stop parsing. */
typedef struct canbao_record_sink {
  void* user;
  /* One record on physical line `line` (0-based within the chunk); fields in any order, a field
   * given twice keeps the last value. The arrays are valid only during the call. */
  int (*emit)(void* user, uint64_t line, const canbao_kv* fields, size_t field_count);
  /* A record the adapter could not read (reason e.g. "bad_json", "bad_encoding",
   * "bad_columns"); raw_id is the record's ID text if the adapter could find it (may be NULL). */
  int (*reject)(void* user, uint64_t line, const char* reason, const char* raw_id, size_t raw_id_size);
} canbao_record_sink;

typedef struct canbao_feed_options {
  const char* path;     /* the feed path as resolved by the engine */
  const char* agency;   /* "enrollment", "tax", ... */
  const char* encoding; /* "utf-8" or "gbk" */
  /* Source key or column name for each canbao_field (array of CANBAO_F_COUNT); NULL entries
   * mean the SPEC name itself. */
  const char* const* column_names;
} canbao_feed_options;

typedef struct canbao_adapter {
  uint32_t abi_version; /* CANBAO_ADAPTER_ABI_VERSION */
  uint32_t struct_size; /* sizeof(canbao_adapter) */
  const char* name;     /* e.g. "ndjson", "csv", "legacy-fixed-width" */

  /* Prepares to read `data` (the whole file). Returns a context, or NULL with a one-line message
   * in err (NUL-terminated, at most err_size bytes) for a file-level problem. */
  void* (*open)(const canbao_feed_options* options, const char* data, size_t size, char* err,
                size_t err_size);
  /* Byte offset where records start (after any header) and, in *first_line, the 1-based line
   * number of that offset. */
  size_t (*body_start)(void* ctx, uint64_t* first_line);
  /* End of the chunk that starts at `begin`: a record boundary at or after begin + target
   * (or the file size). Must make progress (return > begin when begin < size). */
  size_t (*chunk_end)(void* ctx, size_t begin, size_t target);
  /* Parses the records in [begin, end). Returns the number of physical lines the chunk spans
   * (the count of '\n' in it, plus one if it ends without one), or -1 with a message in err for
   * a file-level problem that stops the run. */
  int64_t (*parse)(void* ctx, size_t begin, size_t end, const canbao_record_sink* sink, char* err,
                   size_t err_size);
  void (*close)(void* ctx);
} canbao_adapter;

typedef const canbao_adapter* (*canbao_adapter_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* CANBAO_ADAPTER_ABI_H */
