// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/WalSync.h"

#include <QLoggingCategory>
#include <QMetaObject>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace re6st::registry {

Q_DECLARE_LOGGING_CATEGORY(lcStore) // RegistryStore.cpp: the store logs as one category

WalSync::WalSync(QString walPath, QObject *parent) : QObject(parent), m_path(walPath.toLocal8Bit())
{
    m_thread = std::thread([this] { run(); });
}

WalSync::~WalSync()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_one();
    m_thread.join();
    if (m_fd >= 0) ::close(m_fd);
}

void WalSync::setSyncHook(std::function<void()> hook)
{
    std::lock_guard lock(m_mutex);
    m_hook = std::move(hook);
}

void WalSync::committed()
{
    ++m_committed;
    startSync();
}

void WalSync::whenDurable(Done done)
{
    if (isDurable()) return done(QString());
    m_waiting.emplace_back(m_committed, std::move(done));
    startSync();
}

void WalSync::startSync()
{
    if (m_syncing != 0 || isDurable()) return; // the running sync's end starts the next
    m_syncing = m_committed;
    {
        std::lock_guard lock(m_mutex);
        m_requested = m_syncing;
    }
    m_wake.notify_one();
}

void WalSync::finished(quint64 upTo, const QString &error)
{
    ++m_syncs;
    m_syncing = 0;
    m_durable = std::max(m_durable, upTo); // on failure too: waiting again would not bring the data back
    if (!error.isEmpty())
        qCCritical(lcStore).noquote() << error << "- the answers that depended on it are refused";
    // Callbacks may commit or wait again: take each one off the queue first.
    while (!m_waiting.empty() && m_waiting.front().first <= upTo) {
        Done done = std::move(m_waiting.front().second);
        m_waiting.pop_front();
        done(error);
    }
    startSync();
}

void WalSync::run()
{
    quint64 handled = 0;
    for (;;) {
        quint64 target = 0;
        std::function<void()> hook;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop || m_requested > handled; });
            if (m_stop) return;
            target = m_requested;
            hook = m_hook;
        }
        if (hook) hook();
        const QString error = syncOnce();
        handled = target;
        QMetaObject::invokeMethod(this, [this, target, error] { finished(target, error); }, Qt::QueuedConnection);
    }
}

QString WalSync::syncOnce()
{
    // The WAL file SQLite writes now: reopen if the path names another inode.
    struct stat byPath {}, byFd {};
    const bool pathOk = ::stat(m_path.constData(), &byPath) == 0;
    if (m_fd >= 0 && (!pathOk || ::fstat(m_fd, &byFd) != 0 || byFd.st_ino != byPath.st_ino
                      || byFd.st_dev != byPath.st_dev)) {
        ::close(m_fd);
        m_fd = -1;
    }
    if (m_fd < 0) m_fd = ::open(m_path.constData(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0)
        return QStringLiteral("cannot open the database's write-ahead log %1 to sync it: %2")
            .arg(QString::fromLocal8Bit(m_path), QString::fromLocal8Bit(std::strerror(errno)));
    int rc;
    do rc = ::fdatasync(m_fd);
    while (rc != 0 && errno == EINTR);
    if (rc != 0)
        return QStringLiteral("cannot sync the database's write-ahead log %1 to disk: %2")
            .arg(QString::fromLocal8Bit(m_path), QString::fromLocal8Bit(std::strerror(errno)));
    return QString();
}

} // namespace re6st::registry
