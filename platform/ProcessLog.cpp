// SPDX-License-Identifier: GPL-2.0-or-later
#include "platform/ProcessLog.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMutex>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace re6st::platform {

namespace {

// The Qt message handler is a plain function: this is the one process-wide state.
struct LogState
{
    QMutex mutex;
    FILE *file = nullptr;
    QString path;
    int verbose = 2;
    bool toStderr = false;
};

LogState &state()
{
    static LogState s;
    return s;
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    LogState &s = state();
    int level = 0;
    const char *name = "";
    switch (type) {
    case QtDebugMsg: level = 3; name = "DEBUG"; break;
    case QtInfoMsg: level = 2; name = "INFO"; break;
    case QtWarningMsg: level = 1; name = "WARNING"; break;
    case QtCriticalMsg: level = 1; name = "ERROR"; break;
    case QtFatalMsg: level = 0; name = "CRITICAL"; break;
    }
    if (type != QtFatalMsg && level > s.verbose) return;
    const bool named = context.category && qstrcmp(context.category, "default");
    const QByteArray line = QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd hh:mm:ss")).toUtf8() + ' '
        + QByteArray(name).leftJustified(9, ' ') + (named ? QByteArray(context.category) + ": " : QByteArray())
        + message.toUtf8() + '\n';
    QMutexLocker lock(&s.mutex);
    if (s.file) {
        fwrite(line.constData(), 1, size_t(line.size()), s.file);
        fflush(s.file);
    }
    if (s.toStderr || !s.file) fwrite(line.constData(), 1, size_t(line.size()), stderr);
}

} // namespace

QString ProcessLog::install(const QString &path, int verbose, bool alsoStderr)
{
    LogState &s = state();
    s.path = path;
    s.verbose = verbose;
    s.toStderr = alsoStderr;
    qInstallMessageHandler(handler);
    return reopen();
}

QString ProcessLog::reopen()
{
    LogState &s = state();
    QMutexLocker lock(&s.mutex);
    if (s.file) fclose(s.file);
    s.file = nullptr;
    if (s.path.isEmpty()) return {};
    const QFileInfo info(s.path);
    if (!QDir().mkpath(info.absolutePath()))
        return QStringLiteral("cannot create the log directory %1; logging to stderr").arg(info.absolutePath());
    s.file = fopen(QFile::encodeName(s.path).constData(), "a");
    if (!s.file)
        return QStringLiteral("cannot open the log file %1 (%2); logging to stderr")
            .arg(s.path, QString::fromLocal8Bit(strerror(errno)));
    return {};
}

int ProcessLog::verbose()
{
    return state().verbose;
}

} // namespace re6st::platform
