// SPDX-License-Identifier: GPL-2.0-or-later
#include "RoutesModel.h"

#include "NodeModel.h"
#include "core/PeerRoute.h"
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
                   // babeld may hold several routes to one destination (source-specific,
                   // through several neighbours).
                   {QStringLiteral("destination"), QStringLiteral("source"), QStringLiteral("next_hop"),
                    QStringLiteral("interface")},
                   parent)
{
    connect(node->proxy(), &Node1Proxy::RoutesChanged, this, &RoutesModel::refresh);
    connect(node, &NodeModel::servicePresenceChanged, this, [this](bool present) {
        if (present)
            refreshContext();
    });
    if (node->servicePresent())
        refreshContext();
}

void RoutesModel::refreshContext()
{
    fetchContext(QStringLiteral("Neighbours"), &m_neighbours);
}

double RoutesModel::rttMs(const QVariantMap &route) const
{
    const QString nextHop = route.value(QStringLiteral("next_hop")).toString();
    if (nextHop.isEmpty())
        return -1;
    return PeerRoute::neighbourOn(m_neighbours, route.value(QStringLiteral("interface")).toString(), nextHop).rttMs;
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
