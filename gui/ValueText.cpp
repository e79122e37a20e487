// SPDX-License-Identifier: GPL-2.0-or-later
#include "ValueText.h"

#include <QDateTime>
#include <QLocale>
#include <QTextDocument>

namespace re6st::gui {

QString ValueText::time(qint64 unixSeconds, const QString &whenZero)
{
    if (unixSeconds <= 0)
        return whenZero;
    return QLocale().toString(QDateTime::fromSecsSinceEpoch(unixSeconds).toLocalTime(), QLocale::ShortFormat);
}

QString ValueText::toolTip(const QString &plain)
{
    // "<p>...</p>" with <, > and & escaped and line breaks as <br>: always rich text,
    // showing exactly `plain`.
    return plain.isEmpty() ? QString() : Qt::convertFromPlainText(plain, Qt::WhiteSpaceNormal);
}

QString ValueText::bytes(quint64 bytes)
{
    return QLocale().formattedDataSize(qint64(qMin<quint64>(bytes, quint64(std::numeric_limits<qint64>::max()))));
}

QString ValueText::yesNo(bool value)
{
    return value ? tr("yes") : tr("no");
}

QString ValueText::orUnknown(const QString &text)
{
    return text.isEmpty() ? tr("unknown") : text;
}

} // namespace re6st::gui
