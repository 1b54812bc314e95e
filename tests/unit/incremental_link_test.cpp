// SPEC §7 "The same feeds give the same outputs whether they are run in one manifest or applied to an
// earlier run's index one delivery at a time", at the level of the link stage (issue #13): linking
// the new feeds from the earlier feeds' links (link_new_feeds) gives exactly what linking every feed
// from scratch (link_fallback) gives — the §3/§7 record_id screen (duplicates, replaced and deleted
// records) and §2/§9 fallback linking (checksum_repair, name_birth, ambiguous, newborns without ID)
// — for random small feeds in which later feeds make earlier pending records link, become
// ambiguous (a twin delivered later), repair, or be replaced.
#include <gtest/gtest.h>

#include <oneapi/tbb/global_control.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "canbao/identity/citizen_id.h"
#include "canbao/match/linker.h"
#include "segment_test_util.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::TempDir;

using Feed = testing::NdjsonFeed;
using testing::Segments;

void ingest(const TempDir& tmp, const std::vector<Feed>& feeds, Segments& out) { testing::ingest_ndjson(tmp, feeds, out); }

// One text per LinkResult, every field of every entry: equal texts are equal results.
std::string describe(const LinkResult& links) {
  std::ostringstream out;
  out << "linked:";
  for (const LinkedRef& ref : links.linked)
    out << " " << ref.key << "@" << ref.segment << "." << ref.pending << ":" << static_cast<int>(ref.method)
        << (ref.removed ? "R" : "") << "/" << ref.origin.line;
  out << "\nunlinked:";
  for (const UnlinkedRef& ref : links.unlinked) out << " " << ref.segment << "." << ref.pending << (ref.ambiguous ? "A" : "");
  out << "\nduplicates:";
  for (const DuplicateRecordRef& ref : links.duplicate_ids)
    out << " " << ref.segment << "." << ref.index << (ref.pending ? "p" : "") << "/" << ref.line << ":" << ref.key;
  out << "\nexcluded:";
  for (const ExcludedRef& ref : links.excluded) out << " " << ref.key << "@" << ref.segment << "." << ref.index;
  out << "\nnewborns:";
  for (const UnlinkedRef& ref : links.newborns) out << " " << ref.segment << "." << ref.pending;
  out << "\nremoved:";
  for (const RemovedRef& ref : links.removed)
    out << " " << ref.segment << "." << ref.index << (ref.pending ? "p" : "") << ">" << ref.by_segment
        << (ref.deleted ? "D" : "") << ":" << ref.key;
  out << "\nremoved_direct:";
  for (const ExcludedRef& ref : links.removed_direct) out << " " << ref.key << "@" << ref.segment << "." << ref.index;
  return out.str();
}

// A small population: persons 0..9, of whom 2 and 3 are twins (same name, birth and sex), and
// 6 shares 5's name and birth but not the sex. Person p's ID is valid, but those of 8 and 9 only
// from their births after the feeds' as_of (2026-12-05 and 2027-01-02: SPEC §2 bad_birthdate
// until a later as_of reaches them).
struct Person {
  std::string id, name, birth, sex;
};

std::vector<Person> population() {
  std::vector<Person> persons;
  const char* names[] = {"张三", "李四", "王五", "王五", "赵六", "钱七", "钱七", "孙八", "周九", "吴十"};
  for (int idx = 0; idx < 10; ++idx) {
    int birth = 19800101 + idx;
    if (idx == 3) birth = 19800103;  // twin of 2
    if (idx == 6) birth = 19800106;  // 5's name and birth
    if (idx == 8) birth = 20261205;
    if (idx == 9) birth = 20270102;
    const bool male = idx != 6 && idx % 2 == 0;
    // Sequence digits: odd for men (SPEC §2: the 17th digit's parity is the sex).
    const int sequence = 100 + 2 * idx + (male ? 1 : 0);
    const uint64_t key = (350203ULL * 100000000 + static_cast<uint64_t>(birth)) * 1000 + static_cast<uint64_t>(sequence);
    const std::string text_birth = std::to_string(birth);
    persons.push_back({format_citizen_id(key), names[idx],
                       text_birth.substr(0, 4) + "-" + text_birth.substr(4, 2) + "-" + text_birth.substr(6, 2),
                       male ? "男" : "女"});
  }
  return persons;
}

std::string bad_checksum(std::string id) {
  id.back() = id.back() == '0' ? '1' : '0';
  if (id.back() == 'X') id.back() = '2';
  return id;
}

// Random feeds: enrollment (append or update, with repeated record_ids and delete rows) and health
// births (some without ID, which link by name_birth or stand as newborns).
std::vector<Feed> random_feeds(std::mt19937& rng) {
  const std::vector<Person> persons = population();
  const auto pick = [&](int below) { return static_cast<int>(rng() % static_cast<unsigned>(below)); };
  std::vector<Feed> feeds(3 + pick(4));
  for (size_t feed_idx = 0; feed_idx < feeds.size(); ++feed_idx) {
    Feed& feed = feeds[feed_idx];
    feed.agency = pick(5) == 0 ? Agency::kHealth : Agency::kEnrollment;
    feed.mode = feed_idx > 0 && pick(2) == 0 ? FeedMode::kUpdate : FeedMode::kAppend;
    for (int line = 0, lines = 1 + pick(6); line < lines; ++line) {
      const Person& person = persons[static_cast<size_t>(pick(static_cast<int>(persons.size())))];
      std::string id;  // by ID form
      switch (pick(6)) {
        case 0: id = bad_checksum(person.id); break;
        case 1: id = ""; break;  // missing: name_birth
        default: id = person.id;
      }
      const bool with_birth = pick(4) != 0;
      const bool with_sex = pick(2) == 0;
      std::string row = "{";
      if (feed.agency == Agency::kHealth) {
        row += "\"kind\":\"birth\",\"birth_cert\":\"C" + std::to_string(pick(4)) + "\",\"birth\":\"" + person.birth + "\"";
      } else {
        const bool is_delete = feed.mode == FeedMode::kUpdate && pick(5) == 0;
        row += "\"record_id\":\"R" + std::to_string(pick(6)) + "\"";
        if (is_delete) {
          feed.text += row + ",\"op\":\"delete\"}\n";
          continue;
        }
        row += ",\"scheme\":\"resident\",\"region\":\"350203\",\"status\":\"active\",\"start\":\"2020-01-01\"";
        if (with_birth) row += ",\"birth\":\"" + person.birth + "\"";
      }
      if (!id.empty()) row += ",\"id\":\"" + id + "\"";
      row += ",\"name\":\"" + person.name + "\"";
      if (with_sex) row += ",\"sex\":\"" + person.sex + "\"";
      feed.text += row + "}\n";
    }
  }
  return feeds;
}

TEST(IncrementalLink, NewFeedsLinkedFromTheEarlierLinksEqualLinkingEverything) {  // SPEC §7, §2, §3, §9
  size_t incremental = 0, with_pending = 0, valid_later = 0;
  for (const int threads : {1, 2}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
    for (uint32_t seed = 1; seed <= 150; ++seed) {
      std::mt19937 rng(seed);
      const std::vector<Feed> feeds = random_feeds(rng);
      TempDir tmp;
      Segments segments;
      ingest(tmp, feeds, segments);
      if (HasFatalFailure()) return;
      // The runs' as_of moves forward from the feeds' (SPEC §2: IDs of persons 8 and 9 become valid).
      const Day first_as_of = testing::default_as_of();
      const Day last_as_of = first_as_of + static_cast<Day>(rng() % 60);
      const auto as_of_between = [&] { return first_as_of + static_cast<Day>(rng() % (last_as_of - first_as_of + 1)); };
      LinkResult whole;
      link_fallback(segments.list, last_as_of, whole);
      EXPECT_TRUE(whole.holds_for(last_as_of));
      const std::string expected = describe(whole);
      // New feeds from first_new on (none when it is the count: only as_of moved).
      for (uint32_t first_new = 1; first_new <= segments.list.size(); ++first_new) {
        const std::vector<const Segment*> earlier(segments.list.begin(), segments.list.begin() + first_new);
        LinkResult before, after;
        link_fallback(earlier, as_of_between(), before);
        link_new_feeds(segments.list, first_new, before, last_as_of, after);
        EXPECT_EQ(describe(after), expected) << "seed " << seed << ", new feeds from " << first_new;
        ++incremental;
      }
      // One delivery at a time, each from the links before it (as `canbao apply` does), as_of
      // moving forward with them.
      const auto step_as_of = [&](uint32_t step) {
        return first_as_of + (last_as_of - first_as_of) * static_cast<Day>(step) / static_cast<Day>(segments.list.size() - 1);
      };
      LinkResult chained;
      link_fallback({segments.list.front()}, step_as_of(0), chained);
      for (uint32_t first_new = 1; first_new < segments.list.size(); ++first_new) {
        const std::vector<const Segment*> upto(segments.list.begin(), segments.list.begin() + first_new + 1);
        LinkResult next;
        link_new_feeds(upto, first_new, chained, step_as_of(first_new), next);
        chained = std::move(next);
      }
      EXPECT_EQ(describe(chained), expected) << "seed " << seed << ", one feed at a time";
      with_pending += whole.linked.size() + whole.unlinked.size() + whole.newborns.size() > 0 ? 1 : 0;
      for (const LinkedRef& ref : whole.linked) valid_later += ref.method == LinkMethod::kDirect ? 1 : 0;
    }
  }
  // The generator reaches what the test is about: pending records, links and removals.
  EXPECT_GT(incremental, 500u);
  EXPECT_GT(with_pending, 250u);
  EXPECT_GT(valid_later, 50u);  // IDs valid from a day after the feeds' as_of, accepted by the linker
}

TEST(IncrementalLink, ATwinDeliveredLaterMakesAnEarlierNameBirthLinkAmbiguous) {  // SPEC §2 name_birth
  const std::vector<Person> persons = population();
  const auto enrollment = [](const std::string& record_id, const std::string& id, const Person& person) {
    return "{\"record_id\":\"" + record_id + "\"" + (id.empty() ? "" : ",\"id\":\"" + id + "\"") + ",\"name\":\"" +
           person.name + "\",\"birth\":\"" + person.birth +
           "\",\"scheme\":\"resident\",\"region\":\"350203\",\"status\":\"active\",\"start\":\"2020-01-01\"}\n";
  };
  // Feed 0: twin 2 by ID, and a record of that name and birth without ID (links to 2).
  // Feed 1: twin 3 by ID: the record now matches two persons.
  const std::vector<Feed> feeds = {
      {Agency::kEnrollment, FeedMode::kAppend, enrollment("A", persons[2].id, persons[2]) + enrollment("B", "", persons[2])},
      {Agency::kEnrollment, FeedMode::kAppend, enrollment("C", persons[3].id, persons[3])}};
  TempDir tmp;
  Segments segments;
  ingest(tmp, feeds, segments);
  LinkResult before, after;
  link_fallback({segments.list[0]}, testing::default_as_of(), before);
  ASSERT_EQ(before.linked.size(), 1u);
  EXPECT_EQ(before.linked[0].method, LinkMethod::kNameBirth);
  link_new_feeds(segments.list, 1, before, testing::default_as_of(), after);
  EXPECT_TRUE(after.linked.empty());
  ASSERT_EQ(after.unlinked.size(), 1u);
  EXPECT_TRUE(after.unlinked[0].ambiguous);
}

TEST(IncrementalLink, AnIdValidFromALaterDayIsAcceptedDirectlyOnceAsOfReachesIt) {  // SPEC §2 validity, §7
  const std::vector<Person> persons = population();
  const Person& later = persons[8];  // born 2026-12-05, after the feeds' as_of 2026-11-22
  // Feed 0: person 8 by ID (bad_birthdate at ingestion), and a record of that name and birth
  // without ID, which can link to person 8 only once 8's ID is valid.
  const std::string with_id = "{\"record_id\":\"A\",\"id\":\"" + later.id + "\",\"name\":\"" + later.name +
                              "\",\"scheme\":\"resident\",\"region\":\"350203\",\"status\":\"active\",\"start\":\"2026-12-05\"}\n";
  const std::string without_id = "{\"record_id\":\"B\",\"name\":\"" + later.name + "\",\"birth\":\"" + later.birth +
                                 "\",\"scheme\":\"resident\",\"region\":\"350203\",\"status\":\"active\",\"start\":\"2026-12-05\"}\n";
  TempDir tmp;
  Segments segments;
  ingest(tmp, {{Agency::kEnrollment, FeedMode::kAppend, with_id + without_id}}, segments);
  const Segment& segment = *segments.list[0];
  ASSERT_EQ(segment.record_count(), 0u);
  ASSERT_EQ(segment.pending_count(), 2u);
  EXPECT_EQ(pending_valid_on(segment.pending_info()[0]), day_from_ymd(2026, 12, 5));
  EXPECT_EQ(pending_valid_on(segment.pending_info()[1]), kNoDay);
  // The segment is not tied to the as_of it was read at (index/format.h segment_valid_for).
  EXPECT_TRUE(segment_valid_for(segment.header(), day_from_ymd(2027, 6, 1)));

  LinkResult before;
  link_fallback(segments.list, day_from_ymd(2026, 12, 4), before);
  EXPECT_TRUE(before.linked.empty());
  ASSERT_EQ(before.unlinked.size(), 2u);  // bad_birthdate, and missing (nobody to link to)
  EXPECT_EQ(before.valid_from, kNoDay);
  EXPECT_EQ(before.valid_before, day_from_ymd(2026, 12, 5));
  EXPECT_FALSE(before.holds_for(day_from_ymd(2026, 12, 5)));

  for (const bool incremental : {false, true}) {
    LinkResult after;
    if (incremental) {
      link_new_feeds(segments.list, 1, before, day_from_ymd(2026, 12, 5), after);
    } else {
      link_fallback(segments.list, day_from_ymd(2026, 12, 5), after);
    }
    ASSERT_EQ(after.linked.size(), 2u) << incremental;
    const PersonKey key = after.linked[0].key;
    EXPECT_EQ(format_citizen_id(key), later.id);
    EXPECT_EQ(after.linked[0].method, LinkMethod::kDirect);  // accepted by its own ID
    EXPECT_EQ(after.linked[1].key, key);
    EXPECT_EQ(after.linked[1].method, LinkMethod::kNameBirth);  // its person is known now
    EXPECT_TRUE(after.unlinked.empty());
    EXPECT_EQ(after.valid_from, day_from_ymd(2026, 12, 5));
    EXPECT_EQ(after.valid_before, INT32_MAX);
  }
}

}  // namespace
}  // namespace canbao
