// `vessel list`: vzlist's fields, headers, alignment, sorting and JSON.
// The field table in list_format.cpp is the one place a column is defined.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/lifecycle/ct_info.h"

namespace vessel::cli {

struct ListOptions {
    std::vector<std::string> fields;  // empty: vzlist's default ctid,numproc,status,ip,hostname
    bool header = true;               // -H clears
    bool json = false;                // -j
    bool names = false;               // -n: default columns start with smart_name (the name, else the CTID)
    bool no_trim = false;             // -t: do not trim long fields
    std::string sort_field;           // -s [-]field; "" = by ctid; a leading '-' also reverses
    bool sort_reverse = false;
};

// Error(InvalidParameter) "unknown field: X" for a field vzlist does not have
// (a .m/.b/.l/.f suffix on a non-UBC field is one), for -o and -s alike;
// "field X is not available in JSON output" for a suffixed field with -j.
void check_fields(const ListOptions& opts);

// Whether the fields asked for include live beancounter figures (held,
// maxheld, failcnt) beyond numproc, so that the caller reads them.
bool needs_ubc_rows(const ListOptions& opts);

std::string format_list(std::vector<lifecycle::CtInfo> cts, const ListOptions& opts);

// Every field name accepted by -o (for --help and the man page).
std::vector<std::string> list_field_names();

// vzlist -L: one "name header" line per field, names padded to 15 columns.
std::string format_field_list();

}  // namespace vessel::cli
