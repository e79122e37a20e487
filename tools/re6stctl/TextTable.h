// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QString>
#include <QStringList>

namespace re6st::ctl {

// An aligned plain-text table: a header line, then one line per row, columns
// separated by two spaces; right-aligned columns for numbers. Pure.
class TextTable final
{
public:
    explicit TextTable(const QStringList &headers) : m_headers(headers) {}

    void setRightAligned(int column) { m_right.append(column); }
    void addRow(const QStringList &cells) { m_rows.append(cells); }
    qsizetype rowCount() const { return m_rows.size(); }

    // Every line ends with '\n'; no trailing spaces.
    QString render() const;

private:
    QStringList m_headers;
    QList<QStringList> m_rows;
    QList<int> m_right;
};

} // namespace re6st::ctl
