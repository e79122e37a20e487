// SPDX-License-Identifier: GPL-2.0-or-later
#include "platform/ProcessLog.h"

#include "core/TextChars.h"

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
    if (type != QtFatalMsg && ProcessLog::level(type) > s.verbose) return;
    const QByteArray line = ProcessLog::line(type, context.category, message, QDateTime::currentDateTime());
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

int ProcessLog::level(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg: return 3;
    case QtInfoMsg: return 2;
    case QtWarningMsg:
    case QtCriticalMsg: return 1;
    case QtFatalMsg: return 0;
    }
    return 3;
}

QByteArray ProcessLog::line(QtMsgType type, const char *category, const QString &message, const QDateTime &when)
{
    const char *name = "";
    switch (type) {
    case QtDebugMsg: name = "DEBUG"; break;
    case QtInfoMsg: name = "INFO"; break;
    case QtWarningMsg: name = "WARNING"; break;
    case QtCriticalMsg: name = "ERROR"; break;
    case QtFatalMsg: name = "CRITICAL"; break;
    }
    const bool named = category && qstrcmp(category, "default");
    // Messages carry text from peers, the registry's clients, NetworkManager, UPnP
    // gateways...: a line break would forge a record (journald splits on each one and
    // reads a leading "<N>" as its priority) and ESC would drive the terminal of
    // whoever reads the log. Escaped here once for every message (audit F3, F8).
    QString body = text::escaped(QStringView(message).left(kMaxMessageChars));
    if (message.size() > kMaxMessageChars)
        body += QStringLiteral(" [%1 more characters not logged]").arg(message.size() - kMaxMessageChars);
    return when.toString(QStringLiteral("yyyy-MM-dd hh:mm:ss")).toUtf8() + ' '
        + QByteArray(name).leftJustified(9, ' ') + (named ? QByteArray(category) + ": " : QByteArray())
        + body.toUtf8() + '\n';
}

int ProcessLog::verbose()
{
    return state().verbose;
}

} // namespace re6st::platform
