// The counter page (issue #14): engine/src/serve/counter_page.html, one self-contained page (inline
// CSS and JS, no external fetch), embedded into the binary at build time (counter_page.cpp.in).
#pragma once

#include <string_view>

namespace canbao {

std::string_view counter_page_html();

}  // namespace canbao
