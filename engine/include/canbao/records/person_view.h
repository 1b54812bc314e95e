// Everything known about one person: their records from every agency, gathered by the
// cross-match (match/) and read by the rules (rules/). Vectors are reused from person to person
// by each worker, so filling a view allocates nothing once warmed up.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "canbao/records/records.h"
#include "canbao/records/settings.h"

namespace canbao {

struct PersonView {
  PersonKey key = kNoPerson;
  // One vector per agency of CANBAO_AGENCIES (records/schema.h), named by its token:
  // enrollment, tax, hr, public_security, education, disability, civil_affairs. Each is in
  // (feed, line) order: manifest feed order, then line.
#define CANBAO_PERSON_VIEW_VECTOR(Enum, token, Type, FIELDS) std::vector<Type> token;
  CANBAO_AGENCIES(CANBAO_PERSON_VIEW_VECTOR)
#undef CANBAO_PERSON_VIEW_VECTOR

  /// The vector of agency A (records<Agency::kTax>() is `tax`).
  template <Agency A>
  std::vector<typename ResolvedOf<A>::type>& records() {
    return const_cast<std::vector<typename ResolvedOf<A>::type>&>(std::as_const(*this).template records<A>());
  }
  template <Agency A>
  const std::vector<typename ResolvedOf<A>::type>& records() const {
#define CANBAO_PERSON_VIEW_RECORDS(Enum, token, Type, FIELDS) \
  if constexpr (A == Agency::Enum) return token;
    CANBAO_AGENCIES(CANBAO_PERSON_VIEW_RECORDS)
#undef CANBAO_PERSON_VIEW_RECORDS
  }

  bool empty() const {
    bool none = true;
    for_each_agency([&](auto tag) { none = none && records<decltype(tag)::value>().empty(); });
    return none;
  }

  void clear() {
    key = kNoPerson;
    for_each_agency([&](auto tag) { records<decltype(tag)::value>().clear(); });
  }
};

}  // namespace canbao
