// A stack of undo actions: each step that creates something pushes how to
// remove it; unless commit() is called, the destructor runs them newest
// first. A failing undo is reported and the rest still run.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace vessel {

class UndoStack {
public:
    UndoStack() = default;
    UndoStack(const UndoStack&) = delete;
    UndoStack& operator=(const UndoStack&) = delete;
    ~UndoStack() { rollback(); }

    void push(std::string what, std::function<void()> undo)
    {
        steps_.emplace_back(std::move(what), std::move(undo));
    }
    void commit() noexcept { steps_.clear(); }
    void rollback() noexcept;

private:
    std::vector<std::pair<std::string, std::function<void()>>> steps_;
};

}  // namespace vessel
