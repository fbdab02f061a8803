#include "runtime/bc/ubc_table.h"

#include <array>
#include <cctype>
#include <string>

namespace vessel::bc {

namespace {

using config::Unit;

// Index = kernel resource id. The dummies keep the ids of resources the
// kernel retired, so the table lines up with /proc/user_beancounters.
constexpr std::array kParams{
    UbcParam{0, "kmemsize", "KMEMSIZE", Unit::Bytes},
    UbcParam{1, "lockedpages", "LOCKEDPAGES", Unit::Pages},
    UbcParam{2, "privvmpages", "PRIVVMPAGES", Unit::Pages},
    UbcParam{3, "shmpages", "SHMPAGES", Unit::Pages},
    UbcParam{4, "dummy", "", Unit::Items},
    UbcParam{5, "numproc", "NUMPROC", Unit::Items},
    UbcParam{6, "physpages", "PHYSPAGES", Unit::Pages},
    UbcParam{7, "vmguarpages", "VMGUARPAGES", Unit::Pages},
    UbcParam{8, "oomguarpages", "OOMGUARPAGES", Unit::Pages},
    UbcParam{9, "numtcpsock", "NUMTCPSOCK", Unit::Items},
    UbcParam{10, "numflock", "NUMFLOCK", Unit::Items},
    UbcParam{11, "numpty", "NUMPTY", Unit::Items},
    UbcParam{12, "numsiginfo", "NUMSIGINFO", Unit::Items},
    UbcParam{13, "tcpsndbuf", "TCPSNDBUF", Unit::Bytes},
    UbcParam{14, "tcprcvbuf", "TCPRCVBUF", Unit::Bytes},
    UbcParam{15, "othersockbuf", "OTHERSOCKBUF", Unit::Bytes},
    UbcParam{16, "dgramrcvbuf", "DGRAMRCVBUF", Unit::Bytes},
    UbcParam{17, "numothersock", "NUMOTHERSOCK", Unit::Items},
    UbcParam{18, "dcachesize", "DCACHESIZE", Unit::Bytes},
    UbcParam{19, "numfile", "NUMFILE", Unit::Items},
    UbcParam{20, "dummy", "", Unit::Items},
    UbcParam{21, "dummy", "", Unit::Items},
    UbcParam{22, "dummy", "", Unit::Items},
    UbcParam{23, "numiptent", "NUMIPTENT", Unit::Items},
    UbcParam{24, "swappages", "SWAPPAGES", Unit::Pages},
};

// Older config keys vzctl still reads.
struct Alias {
    std::string_view alias;
    std::string_view name;
};
constexpr std::array kAliases{
    Alias{"dcache", "dcachesize"},
    Alias{"iptentries", "numiptent"},
};

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::span<const UbcParam> ubc_params() { return kParams; }

const UbcParam* find_ubc(std::string_view name_or_key)
{
    std::string want = lower(name_or_key);
    for (const Alias& a : kAliases)
        if (want == a.alias)
            want = a.name;
    for (const UbcParam& p : kParams)
        if (!p.key.empty() && p.name == want)
            return &p;
    return nullptr;
}

}  // namespace vessel::bc
