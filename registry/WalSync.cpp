// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/WalSync.h"

#include <QtConcurrent/QtConcurrentRun>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace re6st::registry {

WalSync::WalSync(QObject *parent) : QObject(parent)
{
    m_pool.setMaxThreadCount(1); // one fdatasync at a time: later ones cover more
    connect(&m_watcher, &QFutureWatcher<QString>::finished, this, &WalSync::onFinished);
}

WalSync::~WalSync()
{
    m_watcher.disconnect(this); // a sync still running finishes without callbacks
    m_pool.waitForDone();
}

QString WalSync::syncFile(const QString &path)
{
    const QByteArray name = path.toLocal8Bit();
    const int fd = ::open(name.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return QStringLiteral("cannot open %1: %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));
    // fdatasync flushes the file, whichever descriptor wrote it (SQLite's).
    QString error;
    if (::fdatasync(fd) != 0)
        error = QStringLiteral("fdatasync %1: %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));
    ::close(fd);
    return error;
}

void WalSync::whenDurable(const QString &walPath, Done done)
{
    m_path = walPath;
    m_next.push_back(std::move(done));
    if (!m_running)
        start();
}

void WalSync::start()
{
    m_inFlight.swap(m_next);
    m_running = true;
    ++m_syncs;
    const QString path = m_path;
    m_watcher.setFuture(QtConcurrent::run(&m_pool, [path] { return syncFile(path); }));
}

void WalSync::onFinished()
{
    const QString error = m_watcher.result();
    m_running = false;
    std::vector<Done> done;
    done.swap(m_inFlight);
    if (!m_next.empty())
        start();
    for (Done &d : done) d(error);
}

} // namespace re6st::registry
