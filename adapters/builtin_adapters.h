// The built-in adapters (SPEC §1 `format`: ndjson, csv). They implement the same C ABI
// (canbao/adapter_abi.h) as loaded plugins, so the engine's registry treats all adapters alike.
//
// The two entry points have C++ linkage and live in the global namespace, named like the ABI
// itself. Each returns a pointer to a static, immutable table (never NULL); calling it is
// thread-safe and cheap.
//
// Conventions both adapters follow (besides those of the ABI header):
///  - `options->encoding`: "utf-8" (also "utf8", or NULL) or "gbk" (also "cp936"), any case;
///    anything else makes open() fail. A UTF-8 BOM at the start of the file is skipped.
///  - `options->column_names[f]` (or the SPEC name when NULL) is matched byte-for-byte against
///    JSON keys / trimmed CSV header cells. Several fields may share one key.
///  - Values are passed through as raw UTF-8 text; only the CSV quoting / JSON escaping is undone.
///  - Blank (empty or whitespace-only) lines are not records; they are still counted as lines.
///  - Reject reasons: "bad_json" (NDJSON: not one valid JSON object on the line),
///    "bad_encoding" (bytes invalid in the feed's encoding), "bad_columns" (CSV: cell count differs
///    from the header's), "bad_quote" (CSV: a quoted cell never closed before the chunk's end).
///  - Thread safety: parse() may run concurrently on one context for disjoint chunks; each call
///    uses its own (or a thread-local, non-reentrant-safe) scratch and its own iconv descriptor.
#pragma once

#include "canbao/adapter_abi.h"

/// NDJSON / JSON Lines (`.ndjson`, `.jsonl`): one JSON object per physical line (simdjson
/// On-Demand). Name "ndjson".
const canbao_adapter* canbao_ndjson_adapter();

/// RFC 4180 CSV with a header line (`.csv`). Name "csv".
const canbao_adapter* canbao_csv_adapter();
