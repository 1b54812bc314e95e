// The built-in adapters (SPEC §1 `format`: ndjson, csv). They implement the same C ABI
// (canbao/adapter_abi.h) as loaded plugins, so the engine's registry treats all adapters alike.
//
// The two entry points have C++ linkage and live in the global namespace, named like the ABI
// itself. Each returns a pointer to a static, immutable table (never NULL); calling it is
// thread-safe and cheap.
//
// Conventions both adapters follow (besides those of the ABI header):
//  - `options->encoding`: "utf-8" (also "utf8", "" or NULL) or "gbk" (also "cp936"), any case;
//    anything else makes open() fail. A UTF-8 BOM at the start of a UTF-8 file is skipped.
//  - `options->column_names[f]` (or the SPEC name when NULL) is matched byte-for-byte against
//    JSON keys (after unescaping) / trimmed CSV header cells. Several fields may share one key;
//    a renamed field no longer answers to its SPEC name. Unknown keys/columns are ignored.
//  - Values are raw UTF-8 text; only CSV quoting / JSON escaping is undone. NDJSON: a number is
//    its literal token, true/false are "true"/"false", null is omitted (or, after an earlier
//    value of the same key, empty text), an object/array is CANBAO_VALUE_INVALID, "" is empty
//    text. CSV: every mapped cell is emitted, an empty cell as empty text.
//  - Blank (empty or whitespace-only) lines are not records; they are still counted as lines.
//  - Reject reasons (the engine quarantines with them verbatim):
//      "bad_json"     NDJSON: the line is not exactly one valid JSON object (also: over 16 MiB);
//      "bad_encoding" bytes invalid in the feed's encoding (UTF-8 or GBK);
//      "bad_columns"  CSV: the row's cell count differs from the header's;
//      "bad_quote"    CSV: a quoted cell is not closed before the end of the chunk (file).
//    raw_id is the ID text when it can be found cheaply (<= 64 bytes, valid UTF-8), else NULL.
//  - CSV: the header is line 1 (body_start() gives first_line 2); a record's line is its first
//    physical line; a header naming one column twice maps the first. open() fails with
//    "<path>:1: column '<name>' (field <field>) not in header" for an explicitly mapped column.
//  - Thread safety: parse() may run concurrently on one context for disjoint chunks; each call
//    has its own iconv descriptor and scratch buffers (NDJSON reuses a thread-local simdjson
//    parser, with a private one for a nested call on the same thread).
#pragma once

#include "canbao/adapter_abi.h"

/// NDJSON / JSON Lines (`.ndjson`, `.jsonl`): one JSON object per physical line (simdjson
/// On-Demand). Name "ndjson".
const canbao_adapter* canbao_ndjson_adapter();

/// RFC 4180 CSV with a header line (`.csv`). Name "csv".
const canbao_adapter* canbao_csv_adapter();
