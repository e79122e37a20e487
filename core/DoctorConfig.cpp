// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/DoctorConfig.h"

#include "core/OptionFile.h"

#include <QDir>

namespace re6st::doctor {

std::optional<DoctorConfig> DoctorConfig::parse(const QString &text, const QString &baseDir, QString *error)
{
    DoctorConfig c;
    const QDir base(baseDir);
    auto path = [&](const QString &p) { return p.isEmpty() ? p : QDir::cleanPath(base.absoluteFilePath(p)); };
    int lineNo = 0;
    for (const QString &raw : text.split(u'\n')) {
        ++lineNo;
        const QString line = raw.trimmed();
        if (line.isEmpty() || line.startsWith(u'#')) continue;
        QString splitError;
        const std::optional<QStringList> split = OptionFile::shellSplit(line, &splitError); // §1.2: as shlex
        if (!split) {
            if (error) *error = QStringLiteral("line %1 (`%2`): %3").arg(lineNo).arg(line, splitError);
            return std::nullopt;
        }
        QStringList w = *split;
        if (w.isEmpty()) continue;
        QString name = w.takeFirst();
        while (name.startsWith(u'-')) name.remove(0, 1);
        auto bad = [&](const QString &what) {
            if (error) *error = QStringLiteral("line %1 (`%2`): %3").arg(lineNo).arg(line, what);
            return std::nullopt;
        };
        auto one = [&](QString *target) {
            if (w.size() != 1) return false;
            *target = w.first();
            return true;
        };
        auto number = [&](std::optional<int> *target) {
            bool ok = false;
            const int n = w.value(0).toInt(&ok);
            if (w.size() != 1 || !ok || n < 0) return false;
            *target = n;
            return true;
        };
        if (name == QLatin1String("registry")) {
            if (!one(&c.registry)) return bad(QStringLiteral("registry takes one URL"));
        } else if (name == QLatin1String("country")) {
            if (!one(&c.country)) return bad(QStringLiteral("country takes one country code"));
        } else if (name == QLatin1String("ca") || name == QLatin1String("cert") || name == QLatin1String("key")) {
            QString v;
            if (!one(&v)) return bad(QStringLiteral("%1 takes one file").arg(name));
            (name == QLatin1String("ca") ? c.ca : name == QLatin1String("cert") ? c.cert : c.key) = path(v);
        } else if (name == QLatin1String("r") || name == QLatin1String("run")) {
            QString v;
            if (!one(&v)) return bad(QStringLiteral("run takes one directory"));
            c.run = path(v);
        } else if (name == QLatin1String("i") || name == QLatin1String("interface")) {
            if (w.size() != 1) return bad(QStringLiteral("interface takes one name"));
            c.interfaces << w.first();
        } else if (name == QLatin1String("pp")) {
            bool ok = false;
            const int port = w.value(0).toInt(&ok);
            if (w.size() != 2 || !ok || port < 1 || port > 65535)
                return bad(QStringLiteral("pp takes PORT PROTO, e.g. `pp 1194 tcp`"));
            c.pp.append({port, w.at(1)});
        } else if (name == QLatin1String("disable-proto")) {
            if (w.size() != 1) return bad(QStringLiteral("disable-proto takes one protocol"));
            c.disableProto << w.first();
        } else if (name == QLatin1String("client")) {
            if (!one(&c.client)) return bad(QStringLiteral("client takes HOST,PORT,PROTO[;...]"));
        } else if (name == QLatin1String("client-count")) {
            if (!number(&c.clientCount)) return bad(QStringLiteral("client-count takes a number"));
        } else if (name == QLatin1String("max-clients")) {
            if (!number(&c.maxClients)) return bad(QStringLiteral("max-clients takes a number"));
        } else if (name == QLatin1String("gateway")) {
            c.gateway = true;
        }
    }
    return c;
}

QStringList DoctorConfig::effectiveDisabled() const
{
    if (disableProto.contains(QLatin1String("none"))) return {};
    if (disableProto.isEmpty()) return {QStringLiteral("udp"), QStringLiteral("udp6")};
    return disableProto;
}

QList<QPair<int, QString>> DoctorConfig::serverPorts() const
{
    if (!client.isEmpty() || maxClients == 0) return {};
    const QStringList disabled = effectiveDisabled();
    QList<QPair<int, QString>> given = pp;
    if (given.isEmpty()) given = {{1194, QStringLiteral("udp")}, {1194, QStringLiteral("tcp")}};
    QList<QPair<int, QString>> out;
    QStringList seen;
    for (const auto &[port, proto] : given) {
        if (disabled.contains(proto) || seen.contains(proto)) continue;
        seen << proto;
        out.append({port, proto});
    }
    return out;
}

QStringList DoctorConfig::babelInterfaces(int defaultClientCount) const
{
    QStringList out = interfaces;
    if (!client.isEmpty()) return out << QStringLiteral("re6stnet");
    for (const auto &[port, proto] : serverPorts()) out << QStringLiteral("re6stnet-") + proto;
    const int n = clientCount.value_or(defaultClientCount);
    for (int i = 1; i <= n; ++i) out << QStringLiteral("re6stnet%1").arg(i);
    return out;
}

} // namespace re6st::doctor
