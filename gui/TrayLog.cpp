// SPDX-License-Identifier: GPL-2.0-or-later
#include "TrayLog.h"

#include "core/TextChars.h"

#include <cstdio>

namespace re6st::gui {
namespace {

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QByteArray line = qFormatLogMessage(type, context, TrayLog::inert(message)).toLocal8Bit() + '\n';
    fwrite(line.constData(), 1, size_t(line.size()), stderr);
    fflush(stderr);
}

} // namespace

QString TrayLog::inert(const QString &message)
{
    if (message.size() <= kMaxMessageChars) return text::escaped(message);
    return text::escaped(QStringView(message).left(kMaxMessageChars))
         + QStringLiteral(" [%1 more characters not logged]").arg(message.size() - kMaxMessageChars);
}

void TrayLog::install()
{
    qInstallMessageHandler(handler);
}

} // namespace re6st::gui
