// Names, addresses, labels and the UTF-8 → GBK table of the synthetic city.
#include <iconv.h>

#include <array>
#include <cstring>
#include <mutex>

#include "synth_internal.h"

namespace canbao::synth {

namespace {

// Surnames as UTF-8 strings of one character each (Fujian-flavoured frequencies by repetition).
constexpr const char* kSurnames[] = {
    "陈", "陈", "陈", "林", "林", "林", "黄", "黄", "张", "张", "李", "李", "王", "王", "吴", "吴",
    "刘", "郑", "郑", "杨", "蔡", "蔡", "许", "洪", "曾", "周", "谢", "苏", "庄", "柯", "颜", "施",
    "翁", "卓", "游", "詹", "康", "赖", "叶", "朱", "徐", "何", "胡", "郭", "高", "罗", "梁", "宋",
    "唐", "韩", "冯", "邓", "彭", "肖", "潘", "余", "杜", "程", "魏", "吕", "丁", "沈", "姚", "卢",
    "钟", "汪", "范", "江", "邱", "傅", "方", "戴", "孙", "赵", "马", "邹", "熊", "萧", "尤", "连"};

constexpr const char* kGivenMale[] = {
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "鑫",
    "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "欢", "阳", "建",
    "国", "志", "文", "海", "清", "泉", "金", "水", "生", "荣", "福", "德", "晨", "然", "洋", "远"};
constexpr const char* kGivenFemale[] = {
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "桂", "梅", "琳", "雪", "婷", "慧",
    "莹", "颖", "倩", "琪", "欣", "怡", "佳", "嘉", "雨", "思", "萍", "红", "英", "华", "秀", "芬",
    "兰", "珍", "丹", "悦", "涵", "晴", "彤", "瑶", "萱", "妍", "璐", "洁", "蓉", "薇", "月", "春"};

// Given-name characters of newborns without ID: none is in kGivenMale or kGivenFemale (checked by a
// test), so a newborn's name never equals a make_name() name.
constexpr const char* kNewbornGiven[] = {"睿", "宸", "昊", "诺", "瑾", "煊", "铭", "钰", "琰", "珺", "晞", "沁",
                                         "芮", "霖", "熠", "璇", "皓", "彦", "蔚", "妤", "婕", "翎", "筱", "槿"};

constexpr const char* kMinorityFirst[] = {"迪丽热巴", "阿依古丽", "古丽娜扎", "艾尔肯", "买买提",
                                          "帕提古丽", "努尔", "热依拉", "阿不都", "玉素甫"};
constexpr const char* kMinorityLast[] = {"艾力", "买买提", "热合曼", "吐尔逊", "艾山", "阿不都",
                                         "沙吾提", "依明", "卡德尔", "斯拉木"};

// Compound surnames reserved for distinctive names: 0–7 linkable persons, 8–11 ghosts.
constexpr const char* kCompound[] = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙",
                                     "慕容", "长孙", "宇文", "令狐"};
// 64 characters for the code digits of distinctive names.
constexpr const char* kCodeChars[] = {
    "安", "柏", "昌", "丹", "尔", "凡", "冠", "恒", "吉", "季", "锦", "靖", "炯", "珂", "岚", "朗",
    "立", "琅", "苗", "沐", "楠", "宁", "沛", "琦", "谦", "溶", "瑞", "森", "舒", "泰", "恬", "桐",
    "威", "闻", "曦", "湘", "逸", "毓", "源", "韵", "铮", "卓", "子", "梓", "竹", "祯", "哲", "湛",
    "昀", "煜", "翊", "奕", "屹", "淞", "朔", "蕴", "骁", "弈", "峥", "琛", "璟", "晟", "骏", "澄"};

constexpr const char* kRoads[] = {"湖滨南路", "厦禾路",   "嘉禾路",   "仙岳路", "莲前西路", "吕岭路",
                                  "环岛路",   "中山路",   "思明南路", "禾祥西路", "集美大道", "同集路",
                                  "海沧大道", "翔安南路", "滨海西大道", "杏林湾路", "银湖中路", "五缘湾道",
                                  "枋湖路",   "金尚路",   "马銮湾大道", "新阳大道", "银城路", "大同路"};
constexpr const char* kCompounds[] = {"金山", "书香", "阳光", "海景", "莲花", "瑞景", "万科", "禹洲"};
constexpr const char* kEthnic[] = {"汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族",
                                   "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族",
                                   "畲族", "回族", "满族", "壮族", "苗族", "土家族", "维吾尔族", "高山族"};

struct GbkTable {
  // Code point → GBK bytes (0 when unmapped); ASCII passes through.
  std::array<uint16_t, 65536> code{};
  GbkTable() {
    iconv_t cd = iconv_open("GBK", "UTF-32LE");
    if (cd == reinterpret_cast<iconv_t>(-1)) return;
    for (uint32_t cp = 0x80; cp < 0x10000; ++cp) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      char in[4] = {static_cast<char>(cp & 0xFF), static_cast<char>((cp >> 8) & 0xFF), 0, 0};
      char out[8];
      char* in_ptr = in;
      char* out_ptr = out;
      size_t in_left = 4, out_left = sizeof(out);
      if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) != static_cast<size_t>(-1) &&
          sizeof(out) - out_left == 2)
        code[cp] = static_cast<uint16_t>((static_cast<unsigned char>(out[0]) << 8) |
                                         static_cast<unsigned char>(out[1]));
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
    iconv_close(cd);
  }
};

const GbkTable& gbk_table() {
  static const GbkTable table;
  return table;
}

}  // namespace

bool append_gbk(std::string& out, std::string_view utf8) {
  const GbkTable& table = gbk_table();
  bool ok = true;
  for (size_t pos = 0; pos < utf8.size();) {
    const auto b0 = static_cast<unsigned char>(utf8[pos]);
    if (b0 < 0x80) {
      out.push_back(static_cast<char>(b0));
      ++pos;
      continue;
    }
    uint32_t cp = 0;
    size_t len = 1;
    if ((b0 & 0xE0) == 0xC0) {
      cp = b0 & 0x1F;
      len = 2;
    } else if ((b0 & 0xF0) == 0xE0) {
      cp = b0 & 0x0F;
      len = 3;
    } else {
      ok = false;
      ++pos;
      continue;
    }
    for (size_t k = 1; k < len && pos + k < utf8.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[pos + k]) & 0x3F);
    pos += len;
    const uint16_t g = cp < 65536 ? table.code[cp] : 0;
    if (g == 0) {
      ok = false;
      out.push_back('?');
      continue;
    }
    out.push_back(static_cast<char>(g >> 8));
    out.push_back(static_cast<char>(g & 0xFF));
  }
  return ok;
}

std::string make_name(Rng& rng, bool male) {
  std::string name;
  if (rng.chance(0.004)) {
    name = kMinorityFirst[rng.below(std::size(kMinorityFirst))];
    name += "·";
    name += kMinorityLast[rng.below(std::size(kMinorityLast))];
    return name;
  }
  name = kSurnames[rng.below(std::size(kSurnames))];
  const int given = rng.chance(0.3) ? 1 : 2;
  for (int k = 0; k < given; ++k) {
    const bool from_male = rng.chance(0.85) ? male : !male;
    name += from_male ? kGivenMale[rng.below(std::size(kGivenMale))]
                      : kGivenFemale[rng.below(std::size(kGivenFemale))];
  }
  return name;
}

std::string newborn_name(Rng& rng) {
  std::string name = kSurnames[rng.below(std::size(kSurnames))];
  name += kNewbornGiven[rng.below(std::size(kNewbornGiven))];
  name += kNewbornGiven[rng.below(std::size(kNewbornGiven))];
  return name;
}

std::string distinctive_name(int family, uint32_t code) {
  // family 0: surnames 0–7 (8 * 4096 codes); family 1: surnames 8–11.
  const uint32_t surnames = family == 0 ? 8 : 4;
  // A bijection of [0, surnames * 4096) so that small codes do not all share their first characters.
  code = (code * 0x2F1u + 0x155u) & (surnames * 4096 - 1);
  const uint32_t surname = (family == 0 ? 0 : 8) + (code / 4096) % surnames;
  std::string name = kCompound[surname];
  name += kCodeChars[(code / 64) % 64];
  name += kCodeChars[code % 64];
  return name;
}

std::string_view district_name(Region district) {
  switch (district) {
    case 350203: return "思明区";
    case 350205: return "海沧区";
    case 350206: return "湖里区";
    case 350211: return "集美区";
    case 350212: return "同安区";
    case 350213: return "翔安区";
    default: return "";
  }
}

std::string make_address(Rng& rng, Region district) {
  std::string out = "福建省厦门市";
  out += district_name(district);
  out += kRoads[rng.below(std::size(kRoads))];
  out += std::to_string(rng.range(1, 499));
  out += "号";
  const uint32_t variant = rng.below(100);
  if (variant < 6) {
    out += ",";
    out += std::to_string(rng.range(1, 9));
    out += "单元";
  } else if (variant < 9) {
    out += "\"";
    out += kCompounds[rng.below(std::size(kCompounds))];
    out += "\"小区";
  } else if (variant < 40) {
    out += std::to_string(rng.range(1, 30));
    out += "0";
    out += std::to_string(rng.range(1, 8));
    out += "室";
  }
  return out;
}

std::string_view ethnic_label(Rng& rng) { return kEthnic[rng.below(std::size(kEthnic))]; }

}  // namespace canbao::synth
