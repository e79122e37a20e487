// SPDX-License-Identifier: GPL-2.0-or-later
#include "NodeStatus.h"

namespace re6st::daemon {

namespace {
constexpr std::pair<NodeStatus::State, const char *> kStateNames[] = {
    {NodeStatus::State::Stopped, "stopped"},
    {NodeStatus::State::Starting, "starting"},
    {NodeStatus::State::Connecting, "connecting"},
    {NodeStatus::State::Connected, "connected"},
    {NodeStatus::State::RegistryUnreachable, "registry-unreachable"},
    {NodeStatus::State::Stopping, "stopping"},
    {NodeStatus::State::Error, "error"},
};
} // namespace

QString NodeStatus::toString(State state)
{
    for (const auto &[value, name] : kStateNames)
        if (value == state)
            return QString::fromLatin1(name);
    return QStringLiteral("error");
}

std::optional<NodeStatus::State> NodeStatus::stateFromString(const QString &text)
{
    for (const auto &[value, name] : kStateNames)
        if (text == QLatin1String(name))
            return value;
    return std::nullopt;
}

QVariantMap NodeStatus::properties() const
{
    // Explicit QVariant types: QtDBus derives the wire signature from them.
    return {
        {QStringLiteral("State"), toString(state)},
        {QStringLiteral("StateDetail"), stateDetail},
        {QStringLiteral("Prefix"), prefix},
        {QStringLiteral("Address"), address},
        {QStringLiteral("Subnet"), subnet},
        {QStringLiteral("Network"), network},
        {QStringLiteral("Registry"), registry},
        {QStringLiteral("RegistryReachable"), QVariant::fromValue<bool>(registryReachable)},
        {QStringLiteral("CertificateNotAfter"), QVariant::fromValue<qlonglong>(certificateNotAfter)},
        {QStringLiteral("NextRenewal"), QVariant::fromValue<qlonglong>(nextRenewal)},
        {QStringLiteral("Enrolled"), QVariant::fromValue<bool>(enrolled)},
        {QStringLiteral("ConfigDirectory"), configDirectory},
        {QStringLiteral("Neighbours"), QVariant::fromValue<QStringList>(neighbourPrefixes)},
        {QStringLiteral("PeerCount"), QVariant::fromValue<uint>(peerCount)},
        {QStringLiteral("TunnelCount"), QVariant::fromValue<uint>(tunnelCount)},
        {QStringLiteral("ProtocolVersion"), QVariant::fromValue<uint>(protocolVersion)},
        {QStringLiteral("Version"), version},
    };
}

QStringList NodeStatus::changedProperties(const NodeStatus &a, const NodeStatus &b)
{
    QStringList changed;
    auto check = [&](const char *name, bool differs) {
        if (differs)
            changed.append(QString::fromLatin1(name));
    };
    check("State", a.state != b.state);
    check("StateDetail", a.stateDetail != b.stateDetail);
    check("Prefix", a.prefix != b.prefix);
    check("Address", a.address != b.address);
    check("Subnet", a.subnet != b.subnet);
    check("Network", a.network != b.network);
    check("Registry", a.registry != b.registry);
    check("RegistryReachable", a.registryReachable != b.registryReachable);
    check("CertificateNotAfter", a.certificateNotAfter != b.certificateNotAfter);
    check("NextRenewal", a.nextRenewal != b.nextRenewal);
    check("Enrolled", a.enrolled != b.enrolled);
    check("ConfigDirectory", a.configDirectory != b.configDirectory);
    check("Neighbours", a.neighbourPrefixes != b.neighbourPrefixes);
    check("PeerCount", a.peerCount != b.peerCount);
    check("TunnelCount", a.tunnelCount != b.tunnelCount);
    check("ProtocolVersion", a.protocolVersion != b.protocolVersion);
    check("Version", a.version != b.version);
    return changed;
}

namespace {
// Lists equal but for values that move all the time (byte counters, last_seen, rtt):
// those are in every snapshot (taken every 2 s) but do not raise the *Changed signals.
bool sameRecords(const QList<QVariantMap> &a, const QList<QVariantMap> &b, std::initializer_list<const char *> volatileKeys)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        QVariantMap x = a[i], y = b[i];
        for (const char *key : volatileKeys) {
            x.remove(QLatin1String(key));
            y.remove(QLatin1String(key));
        }
        if (x != y)
            return false;
    }
    return true;
}
} // namespace

int NodeStatus::changedRecords(const NodeStatus &a, const NodeStatus &b)
{
    int changed = NoRecords;
    if (!sameRecords(a.peers, b.peers, {"last_seen"}))
        changed |= PeerRecords;
    if (!sameRecords(a.tunnels, b.tunnels, {"rx_bytes", "tx_bytes"}))
        changed |= TunnelRecords;
    const bool babel = a.babelReachable != b.babelReachable;
    if (babel || a.routes != b.routes)
        changed |= RouteRecords;
    if (babel || !sameRecords(a.neighbours, b.neighbours, {"rtt_ms"}))
        changed |= NeighbourRecords;
    return changed;
}

QVariantMap NodeStatus::peerRecord(const QString &prefix, const QString &address,
                                   const QString &country, quint32 protocol,
                                   qint64 lastSeen, bool connected)
{
    return {{QStringLiteral("prefix"), prefix},
            {QStringLiteral("address"), address},
            {QStringLiteral("country"), country},
            {QStringLiteral("protocol"), QVariant::fromValue<uint>(protocol)},
            {QStringLiteral("last_seen"), QVariant::fromValue<qlonglong>(lastSeen)},
            {QStringLiteral("connected"), QVariant::fromValue<bool>(connected)}};
}

QVariantMap NodeStatus::tunnelRecord(const QString &interface, const QString &peer,
                                     const QString &protocol, bool client, qint64 since,
                                     quint64 rxBytes, quint64 txBytes)
{
    return {{QStringLiteral("interface"), interface},
            {QStringLiteral("peer"), peer},
            {QStringLiteral("protocol"), protocol},
            {QStringLiteral("direction"), client ? QStringLiteral("client") : QStringLiteral("server")},
            {QStringLiteral("since"), QVariant::fromValue<qlonglong>(since)},
            {QStringLiteral("rx_bytes"), QVariant::fromValue<qulonglong>(rxBytes)},
            {QStringLiteral("tx_bytes"), QVariant::fromValue<qulonglong>(txBytes)}};
}

QVariantMap NodeStatus::routeRecord(const QString &destination, const QString &source,
                                    const QString &nextHop, const QString &interface,
                                    quint32 metric, bool installed)
{
    return {{QStringLiteral("destination"), destination},
            {QStringLiteral("source"), source},
            {QStringLiteral("next_hop"), nextHop},
            {QStringLiteral("interface"), interface},
            {QStringLiteral("metric"), QVariant::fromValue<uint>(metric)},
            {QStringLiteral("installed"), QVariant::fromValue<bool>(installed)}};
}

QVariantMap NodeStatus::neighbourRecord(const QString &address, const QString &interface,
                                        std::optional<double> rttMs, quint32 cost, quint16 reach)
{
    QVariantMap record{{QStringLiteral("address"), address},
                       {QStringLiteral("interface"), interface},
                       {QStringLiteral("cost"), QVariant::fromValue<uint>(cost)},
                       {QStringLiteral("reach"), QVariant::fromValue<ushort>(reach)}};
    if (rttMs) record.insert(QStringLiteral("rtt_ms"), QVariant::fromValue<double>(*rttMs));
    return record;
}

} // namespace re6st::daemon
