// SPDX-License-Identifier: GPL-2.0-or-later
#include "RouteCheck.h"

#include "core/Addressing.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>

namespace re6st::conf {

std::optional<bool> RouteCheck::parse(const QByteArray &ipJson, const QByteArray &networkBits, QString *error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(ipJson, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isArray()) {
        *error = QStringLiteral("unexpected output of 'ip -6 -json route get': %1").arg(pe.errorString());
        return std::nullopt;
    }
    const QJsonArray routes = doc.array();
    if (routes.isEmpty())
        return false;
    const QString prefsrc = routes.first().toObject().value(QLatin1String("prefsrc")).toString();
    if (prefsrc.isEmpty())
        return false;
    const std::optional<QByteArray> bits = addressing::bitsFromIpv6(prefsrc);
    return bits && bits->startsWith(networkBits);
}

std::optional<bool> RouteCheck::insideNetwork(const QByteArray &networkBits, QString *error)
{
    const std::optional<QString> base = addressing::ipv6FromBits(networkBits);
    if (!base) {
        *error = QStringLiteral("the network prefix is not a valid IPv6 prefix");
        return std::nullopt;
    }
    // `ip` lives in /usr/sbin or /sbin, often not in a user's PATH.
    // RE6ST_IP_COMMAND replaces the command (tests give a script answering like iproute2).
    QString program = qEnvironmentVariable("RE6ST_IP_COMMAND");
    if (program.isEmpty())
        program = QStandardPaths::findExecutable(QStringLiteral("ip"));
    if (program.isEmpty())
        program = QStandardPaths::findExecutable(QStringLiteral("ip"), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin"),
                                                                      QStringLiteral("/usr/bin"), QStringLiteral("/bin")});
    if (program.isEmpty()) {
        *error = QStringLiteral("cannot find the 'ip' command: install iproute2");
        return std::nullopt;
    }
    QProcess ip;
    ip.start(program, {QStringLiteral("-6"), QStringLiteral("-json"), QStringLiteral("route"),
                                    QStringLiteral("get"), *base});
    if (!ip.waitForStarted(10000)) {
        *error = QStringLiteral("cannot run 'ip' (%1): install iproute2").arg(ip.errorString());
        return std::nullopt;
    }
    if (!ip.waitForFinished(10000)) {
        ip.kill();
        ip.waitForFinished(1000);
        *error = QStringLiteral("'ip -6 -json route get %1' did not finish").arg(*base);
        return std::nullopt;
    }
    if (ip.exitStatus() != QProcess::NormalExit) {
        *error = QStringLiteral("'ip -6 -json route get %1' crashed").arg(*base);
        return std::nullopt;
    }
    if (ip.exitCode() != 0) // e.g. "Network is unreachable": certainly not inside re6st
        return false;
    return parse(ip.readAllStandardOutput(), networkBits, error);
}

} // namespace re6st::conf
