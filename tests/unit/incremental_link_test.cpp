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

// A small population: persons 0..7, of whom 2 and 3 are twins (same name, birth and sex), and
// 6 shares 5's name and birth but not the sex. Person p's ID is valid.
struct Person {
  std::string id, name, birth, sex;
};

std::vector<Person> population() {
  std::vector<Person> persons;
  const char* names[] = {"张三", "李四", "王五", "王五", "赵六", "钱七", "钱七", "孙八"};
  for (int idx = 0; idx < 8; ++idx) {
    int birth = 19800101 + idx;
    if (idx == 3) birth = 19800103;  // twin of 2
    if (idx == 6) birth = 19800106;  // 5's name and birth
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
  size_t incremental = 0, with_pending = 0;
  for (const int threads : {1, 2}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
    for (uint32_t seed = 1; seed <= 150; ++seed) {
      std::mt19937 rng(seed);
      const std::vector<Feed> feeds = random_feeds(rng);
      TempDir tmp;
      Segments segments;
      ingest(tmp, feeds, segments);
      if (HasFatalFailure()) return;
      LinkResult whole;
      link_fallback(segments.list, whole);
      const std::string expected = describe(whole);
      for (uint32_t first_new = 1; first_new < segments.list.size(); ++first_new) {
        const std::vector<const Segment*> earlier(segments.list.begin(), segments.list.begin() + first_new);
        LinkResult before, after;
        link_fallback(earlier, before);
        link_new_feeds(segments.list, first_new, before, after);
        EXPECT_EQ(describe(after), expected) << "seed " << seed << ", new feeds from " << first_new;
        ++incremental;
      }
      // One delivery at a time, each from the links before it (as `canbao apply` does).
      LinkResult chained;
      link_fallback({segments.list.front()}, chained);
      for (uint32_t first_new = 1; first_new < segments.list.size(); ++first_new) {
        const std::vector<const Segment*> upto(segments.list.begin(), segments.list.begin() + first_new + 1);
        LinkResult next;
        link_new_feeds(upto, first_new, chained, next);
        chained = std::move(next);
      }
      EXPECT_EQ(describe(chained), expected) << "seed " << seed << ", one feed at a time";
      with_pending += whole.linked.size() + whole.unlinked.size() + whole.newborns.size() > 0 ? 1 : 0;
    }
  }
  // The generator reaches what the test is about: pending records, links and removals.
  EXPECT_GT(incremental, 500u);
  EXPECT_GT(with_pending, 250u);
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
  link_fallback({segments.list[0]}, before);
  ASSERT_EQ(before.linked.size(), 1u);
  EXPECT_EQ(before.linked[0].method, LinkMethod::kNameBirth);
  link_new_feeds(segments.list, 1, before, after);
  EXPECT_TRUE(after.linked.empty());
  ASSERT_EQ(after.unlinked.size(), 1u);
  EXPECT_TRUE(after.unlinked[0].ambiguous);
}

}  // namespace
}  // namespace canbao
