// SPEC §9 newborns.csv for the oracle: the newborns without ID whose birth records this person's
// block wrote (mostly her own children), each birth_cert by its latest such record.
#include "canbao/core/text.h"
#include "oracle_internal.h"

namespace canbao::synth::oracle {

void newborns_without_id(Ctx& c) {
  const SPerson& p = c.p;
  for (size_t k = 0; k < p.health.size(); ++k) {
    const SHealth& h = p.health[k];
    if (!h.foreign) continue;
    // Only the latest record of a birth_cert counts.
    bool later = false;
    for (size_t j = k + 1; j < p.health.size(); ++j) later |= p.health[j].foreign && p.health[j].cert == h.cert;
    if (later) continue;
    // A standing birth record of a person carries it: the child has its ID and is a person.
    bool person = false;
    for (const SHealth* own : c.health) person |= !own->death && own->cert == h.cert;
    if (person) continue;
    if (h.birth < c.d - 364 || h.birth > c.d) continue;  // born in the 365 days up to d
    // The mother's home district when mother_id is the valid ID of a known person.
    Region home = 0;
    if (!h.mother.empty() && parse_citizen_id(h.mother, c.d).ok()) {
      if (h.mother_self) home = c.out.known ? c.out.home : 0;
      else if (h.mother_known) home = h.mother_home;
    }
    ONewborn row;
    row.cert = h.cert;
    row.name = std::string(trim_space(h.name));
    row.sex = h.sex < 0 ? "" : h.sex == 1 ? "M" : "F";
    row.birth = format_date(h.birth);
    row.mother_masked = h.mother.empty() ? std::string() : mask_id(h.mother);
    row.home = home ? std::to_string(home) : std::string();
    row.channel = home ? "community:" + std::to_string(home)
                       : "hospital:" + (h.region ? std::to_string(h.region) : std::string());
    c.out.newborns.push_back(std::move(row));
  }
}

}  // namespace canbao::synth::oracle
