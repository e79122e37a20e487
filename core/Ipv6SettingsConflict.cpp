// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/Ipv6SettingsConflict.h"

namespace re6st {

namespace {
const QString kIpv6 = QStringLiteral("ipv6");
const QString kConnection = QStringLiteral("connection");
const QString kIgnoreAutoRoutes = QStringLiteral("ignore-auto-routes");
const QString kNeverDefault = QStringLiteral("never-default");

QString text(const QVariantMap &setting, const char *key)
{
    return setting.value(QLatin1String(key)).toString();
}
} // namespace

QVariantMap Ipv6SettingsConflict::toVariantMap() const
{
    return {{QStringLiteral("connection"), connection}, {QStringLiteral("name"), name},
            {QStringLiteral("interface"), interface},   {QStringLiteral("problem"), problem},
            {QStringLiteral("detail"), detail},         {QStringLiteral("fix"), fix}};
}

QList<Ipv6SettingsConflict> Ipv6SettingsConflict::find(const Settings &settings, uint connectionFlags)
{
    if (connectionFlags & (kFlagNmGenerated | kFlagExternal))
        return {};
    const QVariantMap connection = settings.value(kConnection);
    const QString uuid = text(connection, "uuid");
    const QString type = text(connection, "type");
    if (uuid.isEmpty() || type == QLatin1String("loopback"))
        return {};
    if (!text(connection, "master").isEmpty() || !text(connection, "controller").isEmpty())
        return {};
    if (!settings.contains(kIpv6))
        return {};
    const QVariantMap ipv6 = settings.value(kIpv6);
    // NetworkManager's default method is "auto" (GetSettings always sends it, but a
    // missing key means the default).
    const QString method = ipv6.contains(QStringLiteral("method")) ? text(ipv6, "method") : QStringLiteral("auto");
    const bool learns = method == QLatin1String("auto") || method == QLatin1String("dhcp");
    const bool gateway = method == QLatin1String("manual") && !text(ipv6, "gateway").isEmpty();
    if (!learns && !gateway)
        return {};

    Ipv6SettingsConflict base;
    base.connection = uuid;
    base.name = text(connection, "id");
    base.interface = text(connection, "interface-name");
    base.fix = QStringLiteral("set ipv6.ignore-auto-routes and ipv6.never-default to yes on this connection "
                              "(saved, and applied at once when it is active)");
    QList<Ipv6SettingsConflict> found;
    if (learns && !ipv6.value(kIgnoreAutoRoutes, false).toBool()) {
        Ipv6SettingsConflict c = base;
        c.problem = QLatin1String(kAutoRoutes);
        c.detail = QStringLiteral("NetworkManager installs IPv6 routes learnt from router advertisements or "
                                  "DHCPv6 on this connection; they compete with the routes babel sets for "
                                  "re6st and can send re6st traffic out of the tunnels");
        found << c;
    }
    if (!ipv6.value(kNeverDefault, false).toBool()) {
        Ipv6SettingsConflict c = base;
        c.problem = QLatin1String(kDefaultRoute);
        c.detail = gateway ? QStringLiteral("NetworkManager installs an IPv6 default route through ipv6.gateway "
                                            "on this connection; it competes with the default route re6st "
                                            "may provide")
                           : QStringLiteral("NetworkManager installs an IPv6 default route learnt on this "
                                            "connection; it competes with the default route re6st may provide");
        found << c;
    }
    return found;
}

Ipv6SettingsConflict::Settings Ipv6SettingsConflict::fixed(const Settings &settings)
{
    Settings out = settings;
    QVariantMap &ipv6 = out[kIpv6];
    ipv6.insert(kIgnoreAutoRoutes, true);
    ipv6.insert(kNeverDefault, true);
    return out;
}

} // namespace re6st
