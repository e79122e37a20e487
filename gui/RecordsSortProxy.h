// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QSortFilterProxyModel>

namespace re6st::gui {

class RecordsModel;

// Sorts a RecordsModel by its SortRole values, and its prefix columns (Format::Prefix)
// by their bits, as re6stctl does (PrefixOrder: 2/16 before 10/16), not as text.
class RecordsSortProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecordsSortProxy)
public:
    explicit RecordsSortProxy(RecordsModel *source, QObject *parent = nullptr);

protected:
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    RecordsModel *m_source;
};

} // namespace re6st::gui
