// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/OpenVpnEvents.h"

namespace re6st {

namespace {

bool parseInt(QStringView s, int *out)
{
    bool ok = false;
    const int v = s.toInt(&ok);
    if (!ok || v < 0) return false;
    *out = v;
    return true;
}

// Only characters of an IP address (v4, v6, zone) go into a management
// command: nothing can break out of the quoted push line.
QString safeAddress(const QString &ip)
{
    QString out;
    for (const QChar c : ip)
        if (c.isLetterOrNumber() || c == QLatin1Char('.') || c == QLatin1Char(':') || c == QLatin1Char('%'))
            out += c;
    return out;
}

void deriveClientFields(OpenVpnEvents::Event &e)
{
    e.commonName = e.env.value(QStringLiteral("common_name"));
    e.device = e.env.value(QStringLiteral("dev"));
    e.serial = e.env.value(QStringLiteral("tls_serial_0"));
    for (const char *k : {"trusted_ip", "trusted_ip6", "untrusted_ip", "untrusted_ip6"}) {
        const QString v = e.env.value(QLatin1String(k));
        if (!v.isEmpty()) {
            e.externalIp = v;
            break;
        }
    }
}

} // namespace

QString OpenVpnEvents::pushedExternalIp(QStringView pushReply)
{
    static const QString key = QStringLiteral("setenv-safe external_ip ");
    QString result;
    for (QStringView option : pushReply.split(QLatin1Char(','))) {
        option = option.trimmed();
        if (option.startsWith(key)) result = option.mid(key.size()).trimmed().toString(); // last one wins, like env
    }
    return result;
}

std::optional<OpenVpnEvents::Event> OpenVpnEvents::feed(QByteArrayView raw)
{
    if (raw.endsWith('\r')) raw.chop(1);
    const QString line = QString::fromUtf8(raw);
    static const QString clientPrefix = QStringLiteral(">CLIENT:");
    static const QString envPrefix = QStringLiteral(">CLIENT:ENV,");

    if (line.startsWith(envPrefix)) {
        if (!m_pending) return std::nullopt; // stray ENV line: ignore
        const QStringView kv = QStringView(line).mid(envPrefix.size());
        if (kv == u"END") {
            Event e = std::move(*m_pending);
            m_pending.reset();
            deriveClientFields(e);
            return e;
        }
        const qsizetype eq = kv.indexOf(QLatin1Char('='));
        if (eq > 0 && m_pending->env.size() < MaxEnv)
            m_pending->env.insert(kv.left(eq).toString(), kv.mid(eq + 1).toString());
        return std::nullopt;
    }

    Event e;
    if (line.startsWith(clientPrefix)) {
        const QStringView body = QStringView(line).mid(clientPrefix.size());
        e.text = body.toString();
        const QList<QStringView> f = body.split(QLatin1Char(','));
        const QStringView type = f.value(0);
        bool needsKey = false, block = true;
        if (type == u"CONNECT") e.kind = Kind::ClientConnect, needsKey = true;
        else if (type == u"REAUTH") e.kind = Kind::ClientReauth, needsKey = true;
        else if (type == u"ESTABLISHED") e.kind = Kind::ClientEstablished;
        else if (type == u"DISCONNECT") e.kind = Kind::ClientDisconnect;
        else if (type == u"CR_RESPONSE") e.kind = Kind::ClientOther;
        else e.kind = Kind::ClientOther, block = false; // ADDRESS, PF, …: single line
        if (block) {
            if (f.size() < (needsKey ? 3 : 2) || !parseInt(f[1], &e.clientId)
                || (needsKey && !parseInt(f[2], &e.keyId))) {
                e.kind = Kind::Other; // malformed header: report it raw, no block
                return e;
            }
            m_pending = std::move(e);
            return std::nullopt;
        }
        if (f.size() > 1) parseInt(f[1], &e.clientId);
        return e;
    }

    // A non-ENV line inside a block cannot happen with a sane openvpn (blocks
    // are written at once); if it does, the pending block is kept.
    auto after = [&](QLatin1String prefix) { return line.mid(prefix.size()); };
    if (line.startsWith(QLatin1String(">STATE:"))) {
        e.text = after(QLatin1String(">STATE:"));
        const QStringList f = e.text.split(QLatin1Char(','));
        e.time = f.value(0).toLongLong();
        e.state = f.value(1);
        e.kind = e.state == QLatin1String("CONNECTED") && f.value(2) == QLatin1String("SUCCESS") ? Kind::Connected
                                                                                                   : Kind::State;
        return e;
    }
    if (line.startsWith(QLatin1String(">LOG:"))) {
        e.text = after(QLatin1String(">LOG:"));
        const QStringList f = e.text.split(QLatin1Char(','));
        e.time = f.value(0).toLongLong();
        // time,flags,message (message may contain commas)
        const qsizetype second = e.text.indexOf(QLatin1Char(','), e.text.indexOf(QLatin1Char(',')) + 1);
        const QString message = second < 0 ? QString() : e.text.mid(second + 1);
        static const QString push = QStringLiteral("PUSH: Received control message: '");
        if (message.startsWith(push) && message.mid(push.size()).startsWith(QLatin1String("PUSH_REPLY,"))) {
            e.kind = Kind::PushReply;
            QString reply = message.mid(push.size());
            if (reply.endsWith(QLatin1Char('\''))) reply.chop(1);
            e.externalIp = pushedExternalIp(reply);
        } else {
            e.kind = Kind::Log;
        }
        return e;
    }
    if (line.startsWith(QLatin1String(">BYTECOUNT_CLI:"))) {
        // Per-client traffic of a server (management interface `bytecount`).
        const QStringList f = after(QLatin1String(">BYTECOUNT_CLI:")).split(QLatin1Char(','));
        bool a = false, b = false, c = false;
        if (f.size() == 3) {
            e.clientId = f[0].toInt(&a);
            e.bytesIn = f[1].toULongLong(&b);
            e.bytesOut = f[2].toULongLong(&c);
        }
        if (a && b && c) {
            e.kind = Kind::ByteCount;
            return e;
        }
        e.clientId = -1;
        e.bytesIn = e.bytesOut = 0;
        e.kind = Kind::Other, e.text = line;
        return e;
    }
    if (line.startsWith(QLatin1String(">HOLD:"))) e.kind = Kind::Hold, e.text = after(QLatin1String(">HOLD:"));
    else if (line.startsWith(QLatin1String(">INFO:"))) e.kind = Kind::Info, e.text = after(QLatin1String(">INFO:"));
    else if (line.startsWith(QLatin1String("SUCCESS:"))) e.kind = Kind::Success, e.text = after(QLatin1String("SUCCESS:")).trimmed();
    else if (line.startsWith(QLatin1String("ERROR:"))) e.kind = Kind::Error, e.text = after(QLatin1String("ERROR:")).trimmed();
    else e.kind = Kind::Other, e.text = line;
    return e;
}

QByteArray OpenVpnEvents::clientAuth(int clientId, int keyId, const QString &externalIp)
{
    // §3.5: the push every re6st client (upstream's route-up) relies on.
    return QStringLiteral("client-auth %1 %2\npush \"setenv-safe external_ip %3\"\nEND\n")
        .arg(clientId)
        .arg(keyId)
        .arg(safeAddress(externalIp))
        .toUtf8();
}

QByteArray OpenVpnEvents::clientAuthNoPush(int clientId, int keyId)
{
    return QStringLiteral("client-auth-nt %1 %2\n").arg(clientId).arg(keyId).toUtf8();
}

QByteArray OpenVpnEvents::clientDeny(int clientId, int keyId, const QString &reason)
{
    QString r = reason;
    r.remove(QLatin1Char('"')).remove(QLatin1Char('\\')).remove(QLatin1Char('\n')).remove(QLatin1Char('\r'));
    return QStringLiteral("client-deny %1 %2 \"%3\"\n").arg(clientId).arg(keyId).arg(r).toUtf8();
}

QByteArray OpenVpnEvents::startCommands(bool client)
{
    // Servers report each client's traffic every 5 s (re6stctl tunnels, metrics).
    return client ? QByteArrayLiteral("state on\nlog on\nhold release\n")
                  : QByteArrayLiteral("bytecount 5\nhold release\n");
}

QStringList OpenVpnEvents::serverArguments(const QString &socketPath)
{
    return {QStringLiteral("--management"), socketPath, QStringLiteral("unix"), QStringLiteral("--management-client"),
            QStringLiteral("--management-hold"), QStringLiteral("--management-client-auth"),
            QStringLiteral("--auth-user-pass-optional")};
}

QStringList OpenVpnEvents::clientArguments(const QString &socketPath)
{
    return {QStringLiteral("--management"), socketPath, QStringLiteral("unix"), QStringLiteral("--management-client"),
            QStringLiteral("--management-hold"), QStringLiteral("--verb"), QStringLiteral("3")};
}

} // namespace re6st
