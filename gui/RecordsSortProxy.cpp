// SPDX-License-Identifier: GPL-2.0-or-later
#include "RecordsSortProxy.h"

#include "RecordsModel.h"
#include "core/PrefixOrder.h"

namespace re6st::gui {

RecordsSortProxy::RecordsSortProxy(RecordsModel *source, QObject *parent)
    : QSortFilterProxyModel(parent), m_source(source)
{
    setSourceModel(source);
    setSortRole(RecordsModel::SortRole);
}

bool RecordsSortProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    if (m_source->format(left.column()) == RecordsModel::Format::Prefix)
        return PrefixOrder::lessThan(left.data(RecordsModel::SortRole).toString(),
                                     right.data(RecordsModel::SortRole).toString());
    return QSortFilterProxyModel::lessThan(left, right);
}

} // namespace re6st::gui
