// Everything known about one person: their records from every agency, gathered by the
// cross-match (match/) and read by the rules (rules/). Vectors are reused from person to person
// by each worker, so filling a view allocates nothing once warmed up.
#pragma once

#include <string>
#include <vector>

#include "canbao/records/records.h"
#include "canbao/records/settings.h"

namespace canbao {

struct PersonView {
  PersonKey key = kNoPerson;
  // Each vector is in (feed, line) order: manifest feed order, then line.
  std::vector<Enrollment> enrollment;
  std::vector<Tax> tax;
  std::vector<Hr> hr;
  std::vector<PublicSecurity> public_security;
  std::vector<Education> education;
  std::vector<Disability> disability;
  std::vector<CivilAffairs> civil_affairs;

  bool empty() const {
    return enrollment.empty() && tax.empty() && hr.empty() && public_security.empty() && education.empty() &&
           disability.empty() && civil_affairs.empty();
  }

  void clear() {
    key = kNoPerson;
    enrollment.clear();
    tax.clear();
    hr.clear();
    public_security.clear();
    education.clear();
    disability.clear();
    civil_affairs.clear();
  }
};

}  // namespace canbao
