// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "RecordsModel.h"

namespace re6st::gui {

// babeld's routes (Routes()) as a table, reloaded on RoutesChanged, with the rtt babel
// measured to each route's next hop (Neighbours(), which RoutesChanged also covers but
// for rtt_ms alone: refresh() re-reads it).
class RoutesModel final : public RecordsModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RoutesModel)
public:
    enum ColumnIndex { DestinationColumn, SourceColumn, NextHopColumn, InterfaceColumn, MetricColumn, RttColumn,
                       InstalledColumn };
    explicit RoutesModel(NodeModel *node, QObject *parent = nullptr);

protected:
    QVariant display(const QVariantMap &record, const Column &column) const override;
    QVariant sortValue(const QVariantMap &record, const Column &column) const override;
    void clearContext() override { m_neighbours.clear(); }
    void refreshContext() override;

private:
    double rttMs(const QVariantMap &route) const; // < 0: unknown

    QList<QVariantMap> m_neighbours;
};

} // namespace re6st::gui
