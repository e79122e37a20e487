// SPDX-License-Identifier: GPL-2.0-or-later
#include "RoutesModel.h"

#include "NodeModel.h"
#include "node1proxy.h"

#include <QLocale>

namespace re6st::gui {

namespace {
const QString kRtt = QStringLiteral("rtt"); // computed, not a record key
}

RoutesModel::RoutesModel(NodeModel *node, QObject *parent)
    : RecordsModel(node, QStringLiteral("Routes"),
                   {{QStringLiteral("destination"), tr("Destination"), Format::Text},
                    {QStringLiteral("source"), tr("Source"), Format::Text},
                    {QStringLiteral("next_hop"), tr("Next hop"), Format::Text},
                    {QStringLiteral("interface"), tr("Interface"), Format::Text},
                    {QStringLiteral("metric"), tr("Metric"), Format::Number},
                    {kRtt, tr("RTT"), Format::Number},
                    {QStringLiteral("installed"), tr("Installed"), Format::YesNo}},
                   parent)
{
    auto fetchNeighbours = [this] { fetchContext(QStringLiteral("Neighbours"), &m_neighbours); };
    connect(node->proxy(), &Node1Proxy::RoutesChanged, this, &RoutesModel::reload);
    connect(node->proxy(), &Node1Proxy::RoutesChanged, this, fetchNeighbours);
    connect(node, &NodeModel::servicePresenceChanged, this, [fetchNeighbours](bool present) {
        if (present)
            fetchNeighbours();
    });
    if (node->servicePresent())
        fetchNeighbours();
}

double RoutesModel::rttMs(const QVariantMap &route) const
{
    const QString nextHop = route.value(QStringLiteral("next_hop")).toString();
    const QString interface = route.value(QStringLiteral("interface")).toString();
    for (const QVariantMap &n : m_neighbours)
        if (n.value(QStringLiteral("address")).toString() == nextHop
            && n.value(QStringLiteral("interface")).toString() == interface)
            return n.value(QStringLiteral("rtt_ms")).toDouble();
    return -1;
}

QVariant RoutesModel::display(const QVariantMap &record, const Column &column) const
{
    if (column.key == kRtt) {
        const double rtt = rttMs(record);
        return rtt < 0 ? QString() : tr("%1 ms").arg(QLocale().toString(rtt, 'f', 1));
    }
    if (column.key == QLatin1String("source") && record.value(column.key).toString() == QLatin1String("::/0"))
        return tr("any");
    return RecordsModel::display(record, column);
}

QVariant RoutesModel::sortValue(const QVariantMap &record, const Column &column) const
{
    if (column.key == kRtt) {
        const double rtt = rttMs(record);
        return rtt < 0 ? 1e12 : rtt; // unknown last
    }
    return RecordsModel::sortValue(record, column);
}

} // namespace re6st::gui
