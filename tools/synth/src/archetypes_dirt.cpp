// SPEC §2 dirty records: extra copies of the person's records whose ID (or a required field) is
// spoiled, to be quarantined or linked by fallback (checksum_repair, name_birth).
#include "canbao/adapter_abi.h"

#include "archetypes_internal.h"

namespace canbao::synth {

void Builder::attach_dirt(Dirt dirt) {
  DirtySpec spec;
  const std::string id = p_.id_text();
  const Day d = d_;
  // Which feed receives the copy.
  std::vector<int> feeds;
  if (!no_enr_dirt_ && p_.intent_state != State::kNone && age_ >= 20 && !p_.enr.empty()) feeds.push_back(kFeedEnrollment);
  if (!p_.tax.empty()) feeds.push_back(kFeedTax);
  bool has_employment = false;
  for (const SHr& h : p_.hr) has_employment |= h.type == HrType::kEmployment;
  if (has_employment) feeds.push_back(kFeedHr);
  if (!p_.ps.empty()) feeds.push_back(kFeedPs);
  if (!p_.edu.empty()) feeds.push_back(kFeedEducation);
  if (!p_.dis.empty()) feeds.push_back(kFeedDisability);
  if (!p_.civ.empty()) feeds.push_back(kFeedCivil);
  if (!p_.market.empty()) feeds.push_back(kFeedMarket);
  // Health: the person's own records. A copy of a birth keeps a valid ID (bad fields) or is meant
  // to link: a birth without ID is no `missing` record (it links by name_birth or stands as a
  // newborn without ID, SPEC §9), and one with a rejected ID carries name and birth, so SPEC §2's
  // name_birth fallback would link it whenever the name is unique that day. Deaths take any dirt.
  const bool birth_ok = dirt == Dirt::kBadField || dirt == Dirt::kHealthBad || dirt == Dirt::kLinkChecksum ||
                        dirt == Dirt::kLinkNameBirth;
  std::vector<size_t> health;
  for (size_t k = 0; k < p_.health.size(); ++k) {
    const SHealth& h = p_.health[k];
    if (!h.foreign && h.dirty < 0 && (h.death || birth_ok)) health.push_back(k);
  }
  if (!health.empty()) feeds.push_back(kFeedHealth);
  if (dirt == Dirt::kHealthBad) feeds.assign(1, kFeedHealth);
  if (dirt == Dirt::kBadField) feeds.erase(std::remove(feeds.begin(), feeds.end(), int{kFeedPs}), feeds.end());
  if (feeds.empty() || (feeds[0] == kFeedHealth && health.empty())) return;
  const int feed = feeds[rng_.below(static_cast<uint32_t>(feeds.size()))];

  switch (dirt) {
    case Dirt::kMissing:
      spec.reason = "missing";
      spec.id_present = false;
      break;
    case Dirt::kExcelSci: {
      spec.reason = "excel_mangled";
      spec.raw_id = id.substr(0, 1) + "." + id.substr(1, 5) + (rng_.chance(0.7) ? "E+17" : "e+17");
      break;
    }
    case Dirt::kExcelZero:
      spec.reason = "excel_mangled";
      spec.raw_id = id.substr(0, 15) + "000";
      break;
    case Dirt::kBadLength:
      spec.reason = "bad_length";
      spec.raw_id = rng_.chance(0.6) ? id.substr(0, 17) : id + std::to_string(rng_.below(10));
      break;
    case Dirt::kBadChar: {
      spec.reason = "bad_char";
      spec.raw_id = id;
      const size_t pos = 6 + rng_.below(11);
      static constexpr char kLetters[] = "OlIZSB";
      spec.raw_id[pos] = kLetters[rng_.below(6)];
      break;
    }
    case Dirt::kBadRegion: {
      spec.reason = "bad_region";
      static constexpr const char* kBad[] = {"20", "00", "39", "72", "80", "19"};
      spec.raw_id = id_with_check(kBad[rng_.below(6)] + id.substr(2, 15));
      break;
    }
    case Dirt::kBadBirth: {
      spec.reason = "bad_birthdate";
      std::string prefix = id.substr(0, 17);
      const uint32_t r = rng_.below(3);
      if (r == 0) prefix.replace(10, 4, "0230");                     // 30 February
      else if (r == 1) prefix.replace(6, 4, "1885");                 // before 1900
      else prefix.replace(6, 4, std::to_string(ymd_from_day(d).year + 1 + rng_.below(3)));  // future
      spec.raw_id = id_with_check(prefix);
      break;
    }
    case Dirt::kBadChecksum: {
      spec.reason = "bad_checksum";
      // A sequence of 900–999 is never issued: the prefix belongs to nobody.
      std::string prefix = id.substr(0, 14) + "9" + id.substr(15, 2);
      const char good = id_check_char(std::stoull(prefix));
      const char wrong = good == '1' ? '2' : '1';
      spec.raw_id = prefix + wrong;
      break;
    }
    case Dirt::kBadField:
    case Dirt::kHealthBad:
      break;
    case Dirt::kLinkChecksum: {
      spec.kind = DirtKind::kLinkChecksum;
      const char good = id.back();
      static constexpr char kChars[] = "0123456789X";
      char wrong = kChars[rng_.below(11)];
      if (wrong == good) wrong = good == '5' ? '6' : '5';
      if (wrong == '0' && id[15] == '0' && id[16] == '0') wrong = good == '7' ? '8' : '7';
      spec.raw_id = id.substr(0, 17) + wrong;
      // A name spelled with extra spaces or another middle dot; same after normalisation.
      std::string name = p_.name;
      const size_t dot = name.find("·");
      if (dot != std::string::npos) name.replace(dot, std::string("·").size(), feed == kFeedPs ? "．" : (rng_.chance(0.5) ? "•" : "."));
      else name = (rng_.chance(0.5) ? " " : "") + name + (rng_.chance(0.5) ? "\xE3\x80\x80" : "  ");
      spec.name = name;
      break;
    }
    case Dirt::kLinkNameBirth:
      spec.kind = DirtKind::kLinkNameBirth;
      spec.id_present = false;
      spec.with_birth = true;
      spec.with_sex = rng_.chance(0.7);
      spec.sex_male = p_.male;
      break;
    case Dirt::kNbSexMismatch:
      spec.reason = "missing";
      spec.id_present = false;
      spec.with_birth = true;
      spec.with_sex = true;
      spec.sex_male = !p_.male;
      break;
    case Dirt::kAmbiguous:
      spec.reason = "ambiguous";
      spec.id_present = false;
      spec.with_birth = true;
      spec.with_sex = false;
      break;
    case Dirt::kNbGhost:
      spec.reason = "missing";
      spec.id_present = false;
      spec.with_birth = true;
      spec.with_sex = true;
      spec.sex_male = p_.male;
      spec.name = distinctive_name(1, p_.id.day_rank);
      break;
    default:
      return;
  }
  if (!spec.id_present && rng_.chance(0.4)) {
    // An empty id value rather than a missing key: same reason.
    spec.id_present = true;
    spec.raw_id.clear();
  }

  if (spec.kind == DirtKind::kQuarantine && !spec.raw_id.empty()) {
    // The spoiled ID must give exactly the planted reason (e.g. a zeroed tail can pass the check).
    const IdResult parsed = parse_citizen_id(spec.raw_id, d);
    if (id_reject_name(parsed.reject) != spec.reason) {
      spec.reason = "missing";
      spec.raw_id.clear();
    }
  }
  const int dirty_idx = static_cast<int>(p_.dirty.size());
  // Bad field: a required field garbled on a record with a valid ID.
  auto bad_field = [&](int field, const char* name) {
    spec.bad_field = field;
    spec.reason = std::string("bad_field:") + name;
    spec.raw_id = id;
  };
  switch (feed) {
    case kFeedEnrollment: {
      const SEnroll& src = p_.enr[rng_.below(static_cast<uint32_t>(p_.enr.size()))];
      // An old, terminated record (harmless when linked).
      const Day lo = std::max(years_after_birth(18), ymd(y_ - 25, 1, 1));
      const Day start = snap(between(lo, std::max(lo, d - 2500)));
      const Day end = std::min(start + rng_.range(200, 1500), d - 700);
      if (end <= start) return;
      if (dirt == Dirt::kBadField) {
        static constexpr int kFields[] = {CANBAO_F_REGION, CANBAO_F_SCHEME, CANBAO_F_RECORD_ID, CANBAO_F_STATUS, CANBAO_F_START};
        static constexpr const char* kNames[] = {"region", "scheme", "record_id", "status", "start"};
        const uint32_t k = rng_.below(5);
        bad_field(kFields[k], kNames[k]);
      }
      const size_t idx = enroll(src.np, src.region, src.scheme, src.category, start, end, EnrollStatus::kTerminated,
                                src.unit, Funded::kNone);
      p_.enr[idx].dirty = dirty_idx;
      break;
    }
    case kFeedTax: {
      STax copy = p_.tax[rng_.below(static_cast<uint32_t>(p_.tax.size()))];
      if (dirt == Dirt::kBadField) {
        static constexpr int kFields[] = {CANBAO_F_PAID_ON, CANBAO_F_FROM, CANBAO_F_SCHEME, CANBAO_F_REGION};
        static constexpr const char* kNames[] = {"paid_on", "from", "scheme", "region"};
        const uint32_t k = rng_.below(4);
        bad_field(kFields[k], kNames[k]);
      }
      copy.dirty = dirty_idx;
      p_.tax.push_back(copy);
      break;
    }
    case kFeedHr: {
      for (const SHr& h : p_.hr)
        if (h.type == HrType::kEmployment) {
          SHr copy = h;
          copy.dirty = dirty_idx;
          if (dirt == Dirt::kBadField) bad_field(CANBAO_F_TYPE, "type");
          p_.hr.push_back(copy);
          break;
        }
      break;
    }
    case kFeedPs: {
      SPs copy = p_.ps[0];
      copy.dirty = dirty_idx;
      p_.ps.push_back(copy);
      break;
    }
    case kFeedEducation: {
      SEdu copy = p_.edu[0];
      copy.dirty = dirty_idx;
      if (dirt == Dirt::kBadField) bad_field(CANBAO_F_SCHOOL, "school");
      p_.edu.push_back(copy);
      break;
    }
    case kFeedDisability: {
      SDis copy = p_.dis[0];
      copy.dirty = dirty_idx;
      if (dirt == Dirt::kBadField) bad_field(CANBAO_F_LEVEL, "level");
      p_.dis.push_back(copy);
      break;
    }
    case kFeedCivil: {
      SCiv copy = p_.civ[0];
      copy.dirty = dirty_idx;
      if (dirt == Dirt::kBadField) bad_field(CANBAO_F_CATEGORY, "category");
      p_.civ.push_back(copy);
      break;
    }
    case kFeedMarket: {
      SMarket copy = p_.market[rng_.below(static_cast<uint32_t>(p_.market.size()))];
      copy.dirty = dirty_idx;
      if (dirt == Dirt::kBadField) {
        if (rng_.chance(0.5)) bad_field(CANBAO_F_UNIT, "unit");
        else bad_field(CANBAO_F_REGION, "region");
      }
      p_.market.push_back(copy);
      break;
    }
    case kFeedHealth: {
      SHealth copy = p_.health[health[rng_.below(static_cast<uint32_t>(health.size()))]];
      copy.dirty = dirty_idx;
      if (dirt == Dirt::kBadField || dirt == Dirt::kHealthBad) {
        // The required fields of SPEC §9 (`kind` first, then birth_cert, birth or death_date),
        // or, for a death, no ID at all (a death follows SPEC §2: `missing`).
        const uint32_t r = rng_.below(3);
        if (r == 0) bad_field(kFieldKind, "kind");
        else if (!copy.death) bad_field(r == 1 ? kFieldBirthCert : CANBAO_F_BIRTH, r == 1 ? "birth_cert" : "birth");
        else if (r == 1 || dirt == Dirt::kBadField) bad_field(CANBAO_F_DEATH_DATE, "death_date");
        else {
          spec.reason = "missing";
          spec.id_present = false;
          spec.raw_id.clear();
        }
      }
      p_.health.push_back(copy);
      break;
    }
    default:
      return;
  }
  p_.dirty.push_back(std::move(spec));
}

}  // namespace canbao::synth
