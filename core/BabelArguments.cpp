// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/BabelArguments.h"

#include <QHostAddress>

namespace re6st {

namespace {

bool fail(QString *error, const QString &message)
{
    if (error) *error = message;
    return false;
}

bool hasControlCharacters(const QString &s)
{
    for (const QChar c : s)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f) return true;
    return false;
}

// babeld splits -C statements on blanks: an interface name must be one token,
// and Linux limits names to IFNAMSIZ - 1 = 15 bytes.
bool validInterfaceName(const QString &name)
{
    if (name.isEmpty() || name.toUtf8().size() > 15 || hasControlCharacters(name)) return false;
    for (const QChar c : name)
        if (c.isSpace() || c == QLatin1Char('"') || c == QLatin1Char('#') || c == QLatin1Char('/'))
            return false;
    return true;
}

bool validate(const BabelArguments::Options &o, QString *error)
{
    if (!addressing::isBitString(o.network) || !addressing::isBitString(o.prefix))
        return fail(error, QStringLiteral("network and prefix must be bit strings; check the CA and certificate"));
    if (o.network.size() + o.prefix.size() > 128)
        return fail(error, QStringLiteral("subnet longer than 128 bits; the certificate does not belong to this network"));
    if (o.hello <= 0)
        return fail(error, QStringLiteral("Babel hello interval must be positive; fix the network parameter 'hello'"));
    if (o.logFile.isEmpty() || o.stateFile.isEmpty())
        return fail(error, QStringLiteral("babeld needs a log file and a state file; check --log and --state"));
    if (!o.controlSocket.startsWith(QLatin1Char('/')) || hasControlCharacters(o.controlSocket))
        // babeld reads a value not starting with '/' as a TCP port number.
        return fail(error, QStringLiteral("babeld control socket must be an absolute path; check --run"));
    if (hasControlCharacters(o.babelDefault))
        return fail(error, QStringLiteral("network parameter 'babel_default' contains control characters; fix it on the registry"));
    if (o.ipv4) {
        const QHostAddress a(o.ipv4->address);
        if (a.protocol() != QAbstractSocket::IPv4Protocol || o.ipv4->prefixLength < 1 || o.ipv4->prefixLength > 32)
            return fail(error, QStringLiteral("invalid IPv4 payload address %1/%2; check network parameters ipv4/ipv4_sublen")
                                   .arg(o.ipv4->address).arg(o.ipv4->prefixLength));
    }
    for (const QStringList *list : {&o.lanInterfaces, &o.tunnelInterfaces})
        for (const QString &name : *list)
            if (!validInterfaceName(name))
                return fail(error, QStringLiteral("invalid interface name '%1'; use a Linux interface name without blanks").arg(name));
    return true;
}

} // namespace

std::optional<QStringList> BabelArguments::build(const Options &o, QString *error)
{
    if (!validate(o, error)) return std::nullopt;

    const QByteArray subnet = o.network + o.prefix;
    const QString subnetLength = QString::number(subnet.size());
    const QString myIp = addressing::ipv6FromBits(subnet, true).value();
    const QString myNetwork = addressing::cidrFromBits(o.network);
    const QString networkLength = QString::number(o.network.size());

    QStringList a;
    // §4.5: stock babeld has no -X; its text local interface replaces it. Placed
    // first, as in the stock_babeld_argv vector.
    a << (o.controlAccess == ControlAccess::ReadWrite ? QStringLiteral("-G") : QStringLiteral("-g"))
      << o.controlSocket;
    const QString hello = QString::number(o.hello);
    a << QStringLiteral("-h") << hello << QStringLiteral("-H") << hello
      << QStringLiteral("-L") << o.logFile << QStringLiteral("-S") << o.stateFile
      << QStringLiteral("-I") << QString() << QStringLiteral("-s");

    const auto statement = [&a](const QString &s) { a << QStringLiteral("-C") << s; };
    statement(QStringLiteral("redistribute local deny"));
    statement(QStringLiteral("redistribute ip %1/%2 eq %2").arg(myIp, subnetLength));

    QString defaults = o.babelDefault.trimmed();
    const auto appendDefault = [&defaults](const QString &s) {
        if (!defaults.isEmpty()) defaults += QLatin1Char(' ');
        defaults += s;
    };
    if (!o.hmacSign.isEmpty()) {
        // §4.2: HMAC keys, blake2s128 (RFC 8967), hex in the statement.
        statement(QStringLiteral("key type blake2s128 id sign value %1").arg(QString::fromLatin1(o.hmacSign.toHex())));
        appendDefault(QStringLiteral("key sign"));
        if (o.hmacAccept) {
            if (o.hmacAccept->isEmpty()) {
                appendDefault(QStringLiteral("accept-bad-signatures true"));
            } else {
                statement(QStringLiteral("key type blake2s128 id accept value %1")
                              .arg(QString::fromLatin1(o.hmacAccept->toHex())));
                // §4.5: stock babeld cannot verify with this second key.
                if (o.acceptBadSignaturesDuringRotation) appendDefault(QStringLiteral("accept-bad-signatures true"));
            }
        }
    }
    if (!defaults.isEmpty()) statement(QStringLiteral("default ") + defaults);

    QString ipv4Address, ipv4Length;
    if (o.ipv4) {
        // §2.5: the node's IPv4 and its mask length (not the network base).
        ipv4Address = o.ipv4->address;
        ipv4Length = QString::number(o.ipv4->prefixLength);
        statement(QStringLiteral("redistribute ip %1/%2 eq %2").arg(ipv4Address, ipv4Length));
    }

    // §4.2 default-route block.
    if (o.gateway) {
        statement(QStringLiteral("redistribute ip ::/0 eq 0 src-prefix %1").arg(myNetwork));
        if (!o.ipv6Subtrees) {
            statement(QStringLiteral("in ip %1 ge %2").arg(myNetwork, networkLength));
            statement(QStringLiteral("in ip ::/0 deny"));
        }
    } else if (o.ipv6Subtrees) {
        if (o.legacyDefaultRoute == LegacyDefaultRoute::Deny)
            statement(QStringLiteral("in ip ::/0 eq 0 src-ip ::/0 src-eq 0 deny"));
        else
            statement(QStringLiteral("install ip ::/0 eq 0 src-ip ::/0 src-eq 0 src-prefix %1").arg(myNetwork));
    } else {
        statement(QStringLiteral("ipv6-subtrees false"));
        statement(QStringLiteral("in ip ::/0 eq 0 src-ip %1 src-eq %2").arg(myNetwork, networkLength));
        statement(QStringLiteral("in ip ::/0 eq 0 src-ip ::/0 src-ge 1 deny"));
        statement(QStringLiteral("out ip ::/0 eq 0 deny"));
    }

    statement(QStringLiteral("redistribute deny"));
    statement(QStringLiteral("install pref-src %1").arg(myIp));
    if (o.ipv4) statement(QStringLiteral("install pref-src %1").arg(ipv4Address));

    // Tail order of §4.2: -B args, tunnel statements, then positional names.
    a << o.extraArguments;
    for (const QString &name : o.tunnelInterfaces)
        statement(QStringLiteral("interface %1 type tunnel").arg(name));
    a << o.lanInterfaces << o.tunnelInterfaces;
    return a;
}

} // namespace re6st
