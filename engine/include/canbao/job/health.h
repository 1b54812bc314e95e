// SPEC §9 across persons, between linking and the cross-match: the home districts of the mothers
// that birth records name (the last step of the §4 home district of a person under 1 year, and
// the district of a newborn without ID), and the rows of newborns.csv.
#pragma once

#include "canbao/core/ranks.h"

#include <unordered_map>
#include <vector>

#include "canbao/index/links.h"
#include "canbao/index/segment_reader.h"
#include "canbao/rules/rules.h"

namespace canbao {

/// SPEC §7 applied to health records across persons: which birth records stand.
struct HealthStanding {
  /// Per person, the last health *update* feed naming them (a record or a delete row, by valid ID
  /// or fallback link): their health records of earlier feeds do not stand.
  std::unordered_map<PersonKey, uint32_t> last_update;
  /// The newborns without ID that stand: links.newborns minus those whose birth_cert a birth record
  /// of a later health update feed carries.
  std::vector<UnlinkedRef> newborns;
  /// Per feed: the newborn records without ID its birth records replaced (counted for the first
  /// later update feed carrying the birth_cert).
  std::vector<uint64_t> replaced;
  bool stands(PersonKey key, uint32_t feed) const {
    const auto found = last_update.find(key);
    return found == last_update.end() || found->second <= feed;
  }
};
HealthStanding standing_health(const std::vector<const Segment*>& segments, const LinkResult& links);
/// Issue #17, across ranks (each with its key range's records and links, every pending record):
/// the birth_certs of persons' birth records are shared, so every rank gets the same newborns.
Status standing_health(const std::vector<const Segment*>& segments, const LinkResult& links, Ranks* ranks,
                       HealthStanding& out);

/// Every mother named by a health birth record whose child can be under 1 year at as_of (direct
/// or linked records of persons under 1, and newborns without ID), with her home district from
/// her own records (home_district_of). A mother the index does not know gets no entry.
/// Parallel; the same result at any thread count.
MotherDistricts collect_mother_districts(const std::vector<const Segment*>& segments, const LinkResult& links,
                                         const HealthStanding& standing, const RunSettings& settings);
/// Issue #17, across ranks: every rank's mothers, each looked up on the rank holding her records;
/// every rank gets them all.
Status collect_mother_districts(const std::vector<const Segment*>& segments, const LinkResult& links,
                                const HealthStanding& standing, const RunSettings& settings, Ranks* ranks,
                                MotherDistricts& out);

/// SPEC §9 newborns.csv rows, by birth_cert: for each birth_cert of a newborn without ID its latest
/// such record (feed order, then line), when its birth is in [d − 364, d] and no standing birth
/// record of a person (valid ID or linked) carries that birth_cert.
std::vector<NewbornRow> newborn_rows(const std::vector<const Segment*>& segments, const LinkResult& links,
                                     const HealthStanding& standing, const RunSettings& settings,
                                     const MotherDistricts& mothers);
/// Issue #17, across ranks: the birth_certs persons carry are shared; every rank gets every row.
Status newborn_rows(const std::vector<const Segment*>& segments, const LinkResult& links,
                    const HealthStanding& standing, const RunSettings& settings, const MotherDistricts& mothers,
                    Ranks* ranks, std::vector<NewbornRow>& rows);

}  // namespace canbao
