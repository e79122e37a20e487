// SPDX-License-Identifier: GPL-2.0-or-later
#include "TextTable.h"

namespace re6st::ctl {

QString TextTable::render() const
{
    const qsizetype columns = m_headers.size();
    QList<qsizetype> width(columns, 0);
    auto measure = [&](const QStringList &cells) {
        for (qsizetype c = 0; c < columns && c < cells.size(); ++c)
            width[c] = std::max(width[c], cells.at(c).size());
    };
    measure(m_headers);
    for (const QStringList &row : m_rows)
        measure(row);

    QString out;
    auto put = [&](const QStringList &cells) {
        QString lineText;
        for (qsizetype c = 0; c < columns; ++c) {
            const QString cell = c < cells.size() ? cells.at(c) : QString();
            if (c > 0)
                lineText += QStringLiteral("  ");
            if (m_right.contains(int(c)))
                lineText += cell.rightJustified(width[c]);
            else
                lineText += cell.leftJustified(width[c]);
        }
        while (lineText.endsWith(u' '))
            lineText.chop(1);
        out += lineText + u'\n';
    };
    put(m_headers);
    for (const QStringList &row : m_rows)
        put(row);
    return out;
}

} // namespace re6st::ctl
