// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/NetworkConfigBuilder.h"

#include "core/PythonJson.h"

#include <QJsonArray>
#include <QLocale>

namespace re6st::registry {

namespace {

// Insertion order of upstream's network_config dict (registry-protocol.md
// §9.1 example and registry-http/getNetworkConfig.json).
constexpr const char *kStaticOrder[] = {
    "babel_default", "crl",          "protocol", "registry_prefix", "ipv4",        "ipv4_sublen",
    "same_country",  "client_count", "encrypt",  "hello",           "max_clients", "min_protocol",
    "tunnel_refresh",
};

QByteArray quoted(const QString &key)
{
    return pythonJsonDumps(QJsonValue(key));
}

// Python repr() of a float in the magnitudes used for Unix times.
QByteArray pythonFloat(double value)
{
    QByteArray text = QByteArray::number(value, 'f', QLocale::FloatingPointShortest);
    if (!text.contains('.') && !text.contains('e') && !text.contains("inf") && !text.contains("nan"))
        text += ".0";
    return text;
}

} // namespace

std::optional<QByteArray> BabelHmacKeys::sign() const
{
    for (const auto *k : {&h0, &h1, &h2}) {
        if (k->has_value())
            return *k;
    }
    return std::nullopt;
}

std::optional<QByteArray> BabelHmacKeys::accept() const
{
    bool first = true;
    for (const auto *k : {&h0, &h1, &h2}) {
        if (!k->has_value())
            continue;
        if (!first)
            return *k;
        first = false;
    }
    return std::nullopt;
}

QJsonObject NetworkConfigBuilder::staticConfig(const NetworkConfigOptions &options,
                                               const QByteArray &registryPrefix, const QList<qint64> &crl)
{
    QJsonObject o;
    o.insert(QStringLiteral("babel_default"), QString::fromLatin1(BabelDefault));
    QJsonArray crlArray;
    for (qint64 serial : crl)
        crlArray.append(serial);
    o.insert(QStringLiteral("crl"), crlArray);
    o.insert(QStringLiteral("protocol"), options.protocol);
    o.insert(QStringLiteral("registry_prefix"), QString::fromLatin1(registryPrefix));
    if (!options.ipv4.isEmpty()) {
        o.insert(QStringLiteral("ipv4"), options.ipv4);
        o.insert(QStringLiteral("ipv4_sublen"), options.ipv4Sublen);
    }
    if (!options.sameCountry.isEmpty())
        o.insert(QStringLiteral("same_country"), QJsonArray::fromStringList(options.sameCountry));
    o.insert(QStringLiteral("client_count"), options.clientCount);
    o.insert(QStringLiteral("encrypt"), options.encrypt);
    o.insert(QStringLiteral("hello"), options.hello);
    o.insert(QStringLiteral("max_clients"), options.maxClients);
    o.insert(QStringLiteral("min_protocol"), options.minProtocol);
    o.insert(QStringLiteral("tunnel_refresh"), options.tunnelRefresh);
    return o;
}

QByteArray NetworkConfigBuilder::lastConfigText(const QJsonObject &staticConfig)
{
    return pythonJsonDumps(QJsonValue(staticConfig)); // sort_keys=True (§9.3)
}

std::optional<QByteArray> NetworkConfigBuilder::clientConfigJson(const QJsonObject &staticConfig,
                                                                 const QByteArray &versionBlob,
                                                                 std::optional<double> validUntil,
                                                                 const BabelHmacKeys &keys,
                                                                 const crypto::RsaKey &nodeKey, QString *error)
{
    QList<QByteArray> items;
    auto add = [&](const QString &key, const QByteArray &valueText) {
        items.append(quoted(key) + ": " + valueText);
    };
    QStringList done;
    for (const char *k : kStaticOrder) {
        const QString key = QString::fromLatin1(k);
        if (staticConfig.contains(key)) {
            add(key, pythonJsonDumps(staticConfig.value(key)));
            done.append(key);
        }
    }
    for (auto it = staticConfig.begin(); it != staticConfig.end(); ++it) { // unknown extra keys
        if (!done.contains(it.key()))
            add(it.key(), pythonJsonDumps(it.value()));
    }
    add(QString(), QByteArrayLiteral("[\"version\"]"));
    add(QStringLiteral("version"), quoted(QString::fromLatin1(versionBlob.toBase64())));
    if (validUntil)
        add(QStringLiteral("valid_until"), pythonFloat(*validUntil));

    // §9.1: each Babel key RSA-encrypted to the caller; an empty stored key
    // (accept unsigned packets) is sent as "" (upstream py3 BUG note).
    auto addKey = [&](const QString &name, const std::optional<QByteArray> &value) {
        if (!value)
            return true;
        if (value->isEmpty()) {
            add(name, QByteArrayLiteral("\"\""));
            return true;
        }
        const std::optional<QByteArray> cipher = nodeKey.encrypt(*value);
        if (!cipher) {
            if (error)
                *error = QStringLiteral("Cannot encrypt %1 to the node certificate key; the node must "
                                        "re-enroll with an RSA key").arg(name);
            return false;
        }
        add(name, quoted(QString::fromLatin1(cipher->toBase64())));
        return true;
    };
    if (!addKey(QStringLiteral("babel_hmac_sign"), keys.sign())
        || !addKey(QStringLiteral("babel_hmac_accept"), keys.accept()))
        return std::nullopt;
    return "{" + items.join(", ") + "}";
}

NetworkConfigBuilder::HmacRotation NetworkConfigBuilder::rotateHmac(const BabelHmacKeys &current, double now,
                                                                    const QByteArray &newKey)
{
    // §9.5 state table.
    HmacRotation next;
    if (current.h0) {
        if (!current.h1) {
            next.keys = {current.h0, newKey, std::nullopt}; // start: sign K, also accept N
            next.validUntil = now + HmacTemporaryValidity;
        } else {
            next.keys = {std::nullopt, current.h1, current.h0}; // sign N, still accept K
        }
    } else if (current.h1) {
        next.keys = {current.h1, std::nullopt, std::nullopt}; // N only
    } else {
        next.keys = {std::nullopt, newKey, QByteArray("", 0)}; // first key, accept unsigned
    }
    return next;
}

} // namespace re6st::registry
