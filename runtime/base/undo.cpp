#include "runtime/base/undo.h"

#include <exception>

#include "runtime/base/log.h"

namespace vessel {

void UndoStack::rollback() noexcept
{
    while (!steps_.empty()) {
        auto [what, undo] = std::move(steps_.back());
        steps_.pop_back();
        try {
            undo();
        } catch (const std::exception& e) {
            log::warning("rollback: " + what + ": " + e.what());
        }
    }
}

}  // namespace vessel
