// SPDX-License-Identifier: GPL-2.0-or-later
#include "StatusReport.h"
#include "PeerReachability.h"
#include "core/PrefixOrder.h"
#include "TextTable.h"
#include "ValueFormat.h"

namespace re6st::ctl {

namespace {

const char *const kStates[] = {"stopped", "starting", "connecting", "connected", "registry-unreachable", "stopping", "error"};

QString prop(const QVariantMap &p, const char *name)
{
    return p.value(QLatin1String(name)).toString();
}

} // namespace

QString StatusReport::stateText(const QVariantMap &p)
{
    QString state = ValueFormat::plain(prop(p, "State"));
    const QString detail = ValueFormat::plain(prop(p, "StateDetail").trimmed());
    bool known = false;
    for (const char *s : kStates)
        known = known || state == QLatin1String(s);
    if (state.isEmpty())
        return QStringLiteral("-");
    QStringList notes;
    if (!known) {
        // The contract: clients treat unknown states as "error".
        notes.append(QStringLiteral("unknown state \"%1\"").arg(state));
        state = QStringLiteral("error");
    }
    if (!detail.isEmpty())
        notes.append(detail);
    const QVariant enrolled = p.value(QStringLiteral("Enrolled"));
    if (enrolled.isValid() && !enrolled.toBool() && detail.isEmpty())
        notes.append(QStringLiteral("not enrolled: run `re6stctl enroll URL`"));
    return notes.isEmpty() ? state : QStringLiteral("%1 (%2)").arg(state, notes.join(QStringLiteral("; ")));
}

QString StatusReport::render() const
{
    const QVariantMap &p = properties;
    QList<std::pair<QString, QString>> lines;
    auto add = [&lines](const char *label, const QString &value) {
        lines.append({QLatin1String(label), value});
    };

    add("Address", ValueFormat::text(prop(p, "Address")));
    add("State", stateText(p));
    add("Prefix", ValueFormat::text(prop(p, "Prefix")));
    add("Subnet", ValueFormat::text(prop(p, "Subnet")));
    add("Network", ValueFormat::text(prop(p, "Network")));

    QString registry = ValueFormat::text(prop(p, "Registry"));
    const QVariant reachable = p.value(QStringLiteral("RegistryReachable"));
    if (!prop(p, "Registry").isEmpty() && reachable.isValid())
        registry += reachable.toBool() ? QStringLiteral(" (reachable)") : QStringLiteral(" (not reachable)");
    add("Registry", registry);

    const qint64 notAfter = p.value(QStringLiteral("CertificateNotAfter")).toLongLong();
    if (notAfter <= 0)
        add("Certificate", p.contains(QStringLiteral("CertificateNotAfter")) ? QStringLiteral("none") : QStringLiteral("-"));
    else if (notAfter <= now)
        add("Certificate", QStringLiteral("EXPIRED %1").arg(ValueFormat::timeAndRelative(notAfter, now, zone)));
    else
        add("Certificate", QStringLiteral("valid until %1").arg(ValueFormat::timeAndRelative(notAfter, now, zone)));
    add("Renewal", ValueFormat::timeAndRelative(p.value(QStringLiteral("NextRenewal")).toLongLong(), now, zone));

    const QVariant tunnelCount = p.value(QStringLiteral("TunnelCount"));
    const QVariant peerCount = p.value(QStringLiteral("PeerCount"));
    add("Tunnels", QStringLiteral("%1 up, %2 peers known")
                       .arg(tunnelCount.isValid() ? tunnelCount.toString() : QStringLiteral("-"),
                            peerCount.isValid() ? peerCount.toString() : QStringLiteral("-")));
    if (p.contains(QStringLiteral("Neighbours"))) {
        QStringList kept = p.value(QStringLiteral("Neighbours")).toStringList();
        std::sort(kept.begin(), kept.end(), PrefixOrder::lessThan);
        add("Neighbours", kept.isEmpty() ? QStringLiteral("-") : ValueFormat::plain(kept.join(QStringLiteral(", "))));
    }
    QString daemon = ValueFormat::text(prop(p, "Version"));
    if (p.contains(QStringLiteral("ProtocolVersion")))
        daemon += QStringLiteral(", protocol %1").arg(p.value(QStringLiteral("ProtocolVersion")).toUInt());
    add("Daemon", daemon);

    qsizetype width = 0;
    for (const auto &[label, value] : std::as_const(lines))
        width = std::max(width, label.size() + 1);
    QString out;
    for (const auto &[label, value] : std::as_const(lines))
        out += (label + u':').leftJustified(width + 1) + value + u'\n';
    out += u'\n';

    if (peers.isEmpty()) {
        out += QStringLiteral("No peers known.\n");
    } else {
        QList<QVariantMap> sorted = peers;
        PrefixOrder::sort(sorted, QStringLiteral("prefix"));
        const PeerReachability reach(tunnels, routes, neighbours);
        TextTable table({QStringLiteral("PREFIX"), QStringLiteral("ADDRESS"), QStringLiteral("RTT"),
                         QStringLiteral("REACHED"), QStringLiteral("COUNTRY")});
        table.setRightAligned(2);
        for (const QVariantMap &peer : std::as_const(sorted)) {
            const QString prefix = peer.value(QStringLiteral("prefix")).toString();
            const QString address = peer.value(QStringLiteral("address")).toString();
            const PeerReachability::Reach r = reach.reach(prefix, address);
            table.addRow({ValueFormat::text(prefix), ValueFormat::text(address), ValueFormat::rtt(r.rttMs),
                          r.how, ValueFormat::text(peer.value(QStringLiteral("country")).toString())});
        }
        out += table.render();
    }
    if (!routesProblem.isEmpty())
        out += QStringLiteral("\nNote: %1 (rtt and routes unknown).\n").arg(ValueFormat::plain(routesProblem));
    return out;
}

} // namespace re6st::ctl
