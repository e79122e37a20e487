// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QObject>
#include <functional>
#include <memory>

namespace re6st::registry {

// One phase of an issuance batch on worker threads (RegistryIssuance.cpp):
// work(i) for every i in [0, count) on the global QThreadPool, on as many
// threads as it has, then done() once, queued on the context's thread.
//
// What QtConcurrent::map and a QFutureWatcher did, with one event posted per
// phase instead of about five (started, progress, finished, each waking the
// event loop through its eventfd, a system call apiece on both sides).
class PoolPhase final
{
public:
    PoolPhase() = default;
    PoolPhase(const PoolPhase &) = delete;
    PoolPhase &operator=(const PoolPhase &) = delete;
    ~PoolPhase() { cancelAndWait(); }

    // The previous phase must be over (its done() called or cancelled).
    // `work` runs on several threads at once, each i exactly once.
    void start(qsizetype count, std::function<void(qsizetype)> work, QObject *context,
               std::function<void()> done);
    // Blocks until the workers of the current phase have returned; its done()
    // will not run. Call from the context's thread.
    void cancelAndWait();

private:
    struct State;
    std::shared_ptr<State> m_state;
};

} // namespace re6st::registry
