/* Header-only helpers for adapter authors (built-in or third-party): what every line-oriented
 * adapter needs and must not get from the engine, since a plugin links only the C library.
 * Pure, thread-safe, no allocation. */
#ifndef CANBAO_ADAPTER_UTIL_H
#define CANBAO_ADAPTER_UTIL_H

#include <stddef.h>
#include <string.h>

/* Copies a message into the ABI's err buffer, truncated and NUL-terminated. */
static inline void canbao_write_err(char* err, size_t err_size, const char* msg, size_t msg_size) {
  if (err == NULL || err_size == 0) return;
  size_t len = msg_size < err_size - 1 ? msg_size : err_size - 1;
  memcpy(err, msg, len);
  err[len] = '\0';
}

/* chunk_end for formats whose records are single physical lines: the end of the line holding
 * byte begin + target - 1 (or the file size), so a chunk never splits a line. */
static inline size_t canbao_line_chunk_end(const char* data, size_t size, size_t begin, size_t target) {
  if (begin >= size) return size;
  if (target == 0) target = 1;
  if (target >= size - begin) return size;
  size_t pos = begin + target;
  if (data[pos - 1] == '\n') return pos;
  const void* newline = memchr(data + pos, '\n', size - pos);
  return newline != NULL ? (size_t)((const char*)newline - data) + 1 : size;
}

#endif /* CANBAO_ADAPTER_UTIL_H */
