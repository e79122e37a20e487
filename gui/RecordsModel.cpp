// SPDX-License-Identifier: GPL-2.0-or-later
#include "RecordsModel.h"

#include "DaemonErrorText.h"
#include "NodeModel.h"
#include "ValueText.h"
#include "node1proxy.h"

#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>

namespace re6st::gui {

RecordsModel::RecordsModel(NodeModel *node, const QString &method, QList<Column> columns, QStringList rowKeys,
                           QObject *parent)
    : QAbstractTableModel(parent), m_node(node), m_method(method), m_columns(std::move(columns)),
      m_rowKeys(std::move(rowKeys))
{
    connect(node, &NodeModel::servicePresenceChanged, this, [this](bool present) {
        if (present)
            reload();
        else
            clear();
    });
    if (node->servicePresent())
        reload();
}

RecordsModel::~RecordsModel() = default;

void RecordsModel::clear()
{
    ++m_generation;
    ++m_contextGeneration;
    clearContext();
    m_inFlight = false;
    m_again = false;
    beginResetModel();
    m_records.clear();
    m_errorText.clear();
    endResetModel();
    Q_EMIT loaded();
}

void RecordsModel::reload()
{
    if (!m_node->servicePresent())
        return;
    if (m_inFlight) {
        m_again = true;
        return;
    }
    m_inFlight = true;
    const quint64 generation = ++m_generation;
    auto *watcher = new QDBusPendingCallWatcher(m_node->proxy()->asyncCall(m_method), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, generation](QDBusPendingCallWatcher *w) {
        w->deleteLater();
        if (generation != m_generation)
            return;
        m_inFlight = false;
        const QDBusPendingReply<QList<QVariantMap>> reply = *w;
        if (reply.isError())
            apply({}, DaemonErrorText::explain(reply.error().name(), reply.error().message()));
        else
            apply(reply.value(), {});
        if (m_again) {
            m_again = false;
            reload();
        }
    });
}

void RecordsModel::refresh()
{
    reload();
    refreshContext();
}

void RecordsModel::apply(QList<QVariantMap> records, const QString &errorText)
{
    if (records == m_records && errorText == m_errorText)
        return; // the periodic refresh usually brings nothing new: leave the views alone
    if (errorText == m_errorText && sameRows(records)) {
        for (int row = 0; row < records.size(); ++row)
            if (records.at(row) != m_records.at(row)) {
                m_records[row] = records.at(row);
                Q_EMIT dataChanged(index(row, 0), index(row, int(m_columns.size()) - 1));
            }
    } else {
        beginResetModel();
        m_records = std::move(records);
        m_errorText = errorText;
        endResetModel();
    }
    Q_EMIT loaded();
}

bool RecordsModel::sameRows(const QList<QVariantMap> &records) const
{
    if (m_rowKeys.isEmpty() || records.size() != m_records.size())
        return false;
    for (int row = 0; row < records.size(); ++row)
        for (const QString &key : m_rowKeys)
            if (records.at(row).value(key) != m_records.at(row).value(key))
                return false;
    return true;
}

int RecordsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

int RecordsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant RecordsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_records.size() || index.column() >= m_columns.size())
        return {};
    const QVariantMap &record = m_records.at(index.row());
    const Column &column = m_columns.at(index.column());
    if (role == SortRole)
        return sortValue(record, column);
    if (role == Qt::DisplayRole)
        return display(record, column);
    if (role == Qt::TextAlignmentRole && (column.format == Format::Number || column.format == Format::Bytes))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant RecordsModel::display(const QVariantMap &record, const Column &column) const
{
    const QVariant value = record.value(column.key);
    switch (column.format) {
    case Format::Text:
    case Format::Prefix: return value.toString();
    case Format::Number: return value.toString();
    case Format::Time: return ValueText::time(value.toLongLong(), tr("never"));
    case Format::Bytes: return ValueText::bytes(value.toULongLong());
    case Format::YesNo: return ValueText::yesNo(value.toBool());
    }
    return value;
}

QVariant RecordsModel::sortValue(const QVariantMap &record, const Column &column) const
{
    return record.value(column.key);
}

void RecordsModel::recomputed()
{
    if (!m_records.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_records.size()) - 1, int(m_columns.size()) - 1));
}

void RecordsModel::fetchContext(const QString &method, QList<QVariantMap> *into)
{
    if (!m_node->servicePresent())
        return;
    const quint64 generation = m_contextGeneration;
    auto *watcher = new QDBusPendingCallWatcher(m_node->proxy()->asyncCall(method), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, generation, into](QDBusPendingCallWatcher *w) {
        w->deleteLater();
        if (generation != m_contextGeneration)
            return;
        const QDBusPendingReply<QList<QVariantMap>> reply = *w;
        QList<QVariantMap> records = reply.isError() ? QList<QVariantMap>() : reply.value();
        if (records == *into)
            return; // nothing new (the periodic refresh): no repaint, no re-sort
        *into = std::move(records);
        recomputed();
    });
}

RecordsModel::Format RecordsModel::format(int column) const
{
    return column >= 0 && column < m_columns.size() ? m_columns.at(column).format : Format::Text;
}

QVariant RecordsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= m_columns.size())
        return {};
    return m_columns.at(section).header;
}

} // namespace re6st::gui
