// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <functional>
#include <vector>

namespace re6st::registry {

// Group commit for the write-ahead log (registry-protocol.md §18.7: nobody is
// answered before the certificate is on disk). A transaction committed with
// synchronous=NORMAL is in the WAL but maybe not on disk yet; whenDurable() calls
// `done` once an fdatasync of the WAL that began after the call has finished. The
// fdatasync runs on a thread of its own, so the event loop (and the next batch's
// signatures) go on meanwhile; callers that arrive during one sync share the next.
class WalSync final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WalSync)
public:
    using Done = std::function<void(const QString &error)>; // empty error: durable

    explicit WalSync(QObject *parent = nullptr);
    ~WalSync() override;

    // `done` runs on this object's thread; never if this object is destroyed first.
    void whenDurable(const QString &walPath, Done done);
    int syncCount() const { return m_syncs; }

    // Blocking: opens `path` and fdatasyncs it. Error text, or empty.
    static QString syncFile(const QString &path);

private:
    void start();
    void onFinished();

    QThreadPool m_pool;
    QFutureWatcher<QString> m_watcher;
    bool m_running = false;
    QString m_path;
    std::vector<Done> m_inFlight; // covered by the running fdatasync
    std::vector<Done> m_next;     // committed after it began: wait for the next one
    int m_syncs = 0;
};

} // namespace re6st::registry
