// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "RecordsModel.h"

namespace re6st::gui {

// The peers known to the daemon (Peers()) as a table, reloaded on PeersChanged, with
// how each is reached and babel's rtt (PeerReach, from Tunnels(), Routes() and
// Neighbours(), re-read on TunnelsChanged / RoutesChanged). last_seen and rtt_ms raise
// no signal: refresh() re-reads all four.
class PeersModel final : public RecordsModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PeersModel)
public:
    enum ColumnIndex { PrefixColumn, AddressColumn, CountryColumn, ReachColumn, RttColumn, LastSeenColumn,
                       ProtocolColumn };
    explicit PeersModel(NodeModel *node, QObject *parent = nullptr);

protected:
    QVariant display(const QVariantMap &record, const Column &column) const override;
    QVariant sortValue(const QVariantMap &record, const Column &column) const override;
    void clearContext() override;
    void refreshContext() override;

private:
    QList<QVariantMap> m_tunnels;
    QList<QVariantMap> m_routes;
    QList<QVariantMap> m_neighbours;
};

} // namespace re6st::gui
