// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QObject>
#include <QString>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace re6st::registry {

// Group commit for the registry database's write-ahead log (registry-protocol.md
// §18.7: nothing is answered before it is on disk). A COMMIT made with
// synchronous=NORMAL has written its frames to the WAL file but not synced them;
// committed() says so, and a thread of its own fdatasyncs the WAL while the
// event loop goes on. whenDurable() runs its callback, on the event loop, once
// every commit made before the call is on disk: commits that arrive during one
// fdatasync share the next one. fdatasync applies to the file, whichever
// descriptor names it, so this one is opened read-only beside SQLite's (and
// opened again if the path names another file, e.g. after a restore).
class WalSync final : public QObject
{
    Q_OBJECT

public:
    // error: empty once the commits are on disk, else why they may not be
    // (the WAL could not be opened or synced); the caller must not answer as
    // if they were.
    using Done = std::function<void(const QString &error)>;

    explicit WalSync(QString walPath, QObject *parent = nullptr);
    ~WalSync() override; // waits for an fdatasync under way; callbacks not yet run are dropped

    void committed();            // a COMMIT just wrote the WAL without syncing it
    void whenDurable(Done done); // now if nothing waits, else after the next sync
    bool isDurable() const { return m_durable >= m_committed; }
    int syncCount() const { return m_syncs; } // fdatasync calls so far (tests, metrics)
    // Tests: runs on the sync thread before each fdatasync (may block to hold it).
    void setSyncHook(std::function<void()> hook);

private:
    void startSync();                                // event loop
    void finished(quint64 upTo, const QString &error); // event loop
    void run();                                      // sync thread
    QString syncOnce();                              // sync thread

    const QByteArray m_path;
    // Event loop: commits counted, the last one on disk, the one a running
    // sync covers (0: none running), callbacks waiting for a commit number.
    quint64 m_committed = 0;
    quint64 m_durable = 0;
    quint64 m_syncing = 0;
    int m_syncs = 0;
    std::deque<std::pair<quint64, Done>> m_waiting;

    // Shared with the sync thread.
    std::mutex m_mutex;
    std::condition_variable m_wake;
    quint64 m_requested = 0; // commit number the sync thread is asked to cover
    bool m_stop = false;
    std::function<void()> m_hook;

    int m_fd = -1; // sync thread only
    std::thread m_thread;
};

} // namespace re6st::registry
