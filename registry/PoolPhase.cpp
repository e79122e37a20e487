// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/PoolPhase.h"
#include <QMetaObject>
#include <QThreadPool>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>

namespace re6st::registry {

struct PoolPhase::State
{
    qsizetype count = 0;
    std::function<void(qsizetype)> work;
    std::function<void()> done;
    QObject *context = nullptr;
    std::atomic<qsizetype> next{0};
    std::mutex mutex;
    std::condition_variable finished;
    int running = 0;        // workers not returned yet (under mutex)
    bool cancelled = false; // context's thread only
};

void PoolPhase::start(qsizetype count, std::function<void(qsizetype)> work, QObject *context,
                      std::function<void()> done)
{
    auto state = std::make_shared<State>();
    state->count = count;
    state->work = std::move(work);
    state->done = std::move(done);
    state->context = context;
    m_state = state;
    const auto finish = [state] {
        QMetaObject::invokeMethod(
            state->context, [state] { if (!state->cancelled) state->done(); }, Qt::QueuedConnection);
    };
    QThreadPool *pool = QThreadPool::globalInstance();
    const int threads = int(std::min<qsizetype>(count, std::max(1, pool->maxThreadCount())));
    if (threads <= 0) return finish();
    state->running = threads;
    for (int t = 0; t < threads; ++t) {
        pool->start([state, finish] {
            for (qsizetype i = state->next++; i < state->count; i = state->next++) state->work(i);
            std::lock_guard lock(state->mutex);
            if (--state->running == 0) {
                finish(); // posted before cancelAndWait() can return: it then drops it
                state->finished.notify_all();
            }
        });
    }
}

void PoolPhase::cancelAndWait()
{
    if (!m_state) return;
    m_state->cancelled = true;
    std::unique_lock lock(m_state->mutex);
    m_state->finished.wait(lock, [this] { return m_state->running == 0; });
}

} // namespace re6st::registry
