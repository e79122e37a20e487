// SPDX-License-Identifier: GPL-2.0-or-later
#include "PeersModel.h"

#include "NodeModel.h"
#include "PeerReach.h"
#include "node1proxy.h"

#include <QLocale>

namespace re6st::gui {

namespace {
const QString kReach = QStringLiteral("reach"); // computed columns, not record keys
const QString kRtt = QStringLiteral("rtt");
}

PeersModel::PeersModel(NodeModel *node, QObject *parent)
    : RecordsModel(node, QStringLiteral("Peers"),
                   {{QStringLiteral("prefix"), tr("Prefix"), Format::Prefix},
                    {QStringLiteral("address"), tr("Address"), Format::Text},
                    {QStringLiteral("country"), tr("Country"), Format::Text},
                    {kReach, tr("Reached"), Format::Text},
                    {kRtt, tr("RTT"), Format::Number},
                    {QStringLiteral("last_seen"), tr("Last seen"), Format::Time},
                    {QStringLiteral("protocol"), tr("Protocol"), Format::Number}},
                   {QStringLiteral("prefix")}, parent)
{
    connect(node->proxy(), &Node1Proxy::PeersChanged, this, &PeersModel::reload);
    connect(node->proxy(), &Node1Proxy::TunnelsChanged, this, [this] { fetchContext(QStringLiteral("Tunnels"), &m_tunnels); });
    connect(node->proxy(), &Node1Proxy::RoutesChanged, this, [this] {
        fetchContext(QStringLiteral("Routes"), &m_routes);
        fetchContext(QStringLiteral("Neighbours"), &m_neighbours);
    });
    connect(node, &NodeModel::servicePresenceChanged, this, [this](bool present) {
        if (present)
            refreshContext();
    });
    if (node->servicePresent())
        refreshContext();
}

void PeersModel::refreshContext()
{
    fetchContext(QStringLiteral("Tunnels"), &m_tunnels);
    fetchContext(QStringLiteral("Routes"), &m_routes);
    fetchContext(QStringLiteral("Neighbours"), &m_neighbours);
}

void PeersModel::clearContext()
{
    m_tunnels.clear();
    m_routes.clear();
    m_neighbours.clear();
}

QVariant PeersModel::display(const QVariantMap &record, const Column &column) const
{
    if (column.key == kReach || column.key == kRtt) {
        const PeerReach::Reach reach = PeerReach::of(record.value(QStringLiteral("prefix")).toString(),
                                                     record.value(QStringLiteral("address")).toString(),
                                                     m_tunnels, m_routes, m_neighbours);
        if (column.key == kReach)
            return reach.how;
        return reach.rttMs < 0 ? QString() : tr("%1 ms").arg(QLocale().toString(reach.rttMs, 'f', 1));
    }
    if (column.key == QLatin1String("country") && record.value(column.key).toString().isEmpty())
        return tr("unknown");
    // protocol 0: no session with the peer yet, so its version is not known.
    if (column.key == QLatin1String("protocol") && record.value(column.key).toUInt() == 0)
        return tr("unknown");
    return RecordsModel::display(record, column);
}

QVariant PeersModel::sortValue(const QVariantMap &record, const Column &column) const
{
    if (column.key == kReach || column.key == kRtt) {
        const PeerReach::Reach reach = PeerReach::of(record.value(QStringLiteral("prefix")).toString(),
                                                     record.value(QStringLiteral("address")).toString(),
                                                     m_tunnels, m_routes, m_neighbours);
        // Direct before routed before unknown; unknown rtt last.
        return column.key == kReach ? QVariant(int(reach.kind == PeerReach::Kind::Unknown ? 9 : int(reach.kind)))
                                    : QVariant(reach.rttMs < 0 ? 1e12 : reach.rttMs);
    }
    return RecordsModel::sortValue(record, column);
}

} // namespace re6st::gui
