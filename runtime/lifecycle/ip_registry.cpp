#include "runtime/lifecycle/ip_registry.h"

#include "runtime/base/error.h"
#include "runtime/config/ct_config.h"
#include "runtime/config/ctid.h"
#include "runtime/lifecycle/run_state.h"

namespace vessel::lifecycle {

void check_addresses_free(const config::GlobalConfig& global, config::CtId id, const std::vector<net::IpAddr>& addrs)
{
    if (addrs.empty())
        return;
    auto taken = [&](const std::vector<net::IpAddr>& held, config::CtId other) {
        for (const auto& a : addrs)
            for (const auto& h : held)
                if (a.same_address(h))
                    throw Error(ExitCode::IpInUse,
                                "IP address " + a.str() + " is already used by CT " + std::to_string(other));
    };
    for (auto other : config::list_ctids(global)) {
        if (other == id)
            continue;
        // A CT with a config we cannot read cannot be checked; start and set
        // of that CT will say what is wrong with it.
        std::vector<net::IpAddr> configured;
        try {
            auto ct = config::CtConfig::load(global, other);
            if (auto v = ct.get("IP_ADDRESS"))
                configured = net::parse_ip_list(*v);
        } catch (const Error&) {
        }
        taken(configured, other);
        if (auto st = load_run_state(global, other); st && st->venet && st->init.alive())
            taken(st->venet->addrs, other);
    }
}

}  // namespace vessel::lifecycle
