// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/NetworkConfig.h"
#include "core/NetworkVersion.h"
#include "core/Zlib.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

namespace re6st {

QList<qint64> NetworkConfig::crl() const
{
    QList<qint64> out;
    for (const QVariant &v : values.value(QStringLiteral("crl")).toList()) out.append(v.toLongLong());
    return out;
}

std::optional<NetworkConfig> NetworkConfig::decode(const QByteArray &zlibBody,
                                                   const crypto::RsaKey &nodeKey,
                                                   const crypto::RsaKey &caPublicKey, QString *error)
{
    auto fail = [error](const QString &why) -> std::optional<NetworkConfig> {
        if (error) *error = why;
        return std::nullopt;
    };
    // registry-protocol.md §9.2: zlib-decompress, JSON-parse.
    const auto json = zlib::decompress(zlibBody, 4 << 20);
    if (!json) return fail(QStringLiteral("network config is not valid zlib data"));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(*json, &parseError);
    if (!doc.isObject()) return fail(QStringLiteral("network config is not a JSON object: %1").arg(parseError.errorString()));
    QJsonObject object = doc.object();

    QSet<QString> base64Keys;
    for (const QJsonValue &k : object.take(QString()).toArray()) base64Keys.insert(k.toString());

    NetworkConfig config;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString &key = it.key();
        if (key.startsWith(QLatin1String("babel_hmac"))) {
            // Encrypted to our certificate; "" stays "" (accept unsigned packets).
            const QByteArray encoded = it.value().toString().toLatin1();
            if (encoded.isEmpty()) {
                config.values.insert(key, QByteArray(""));
                continue;
            }
            const auto plain = nodeKey.decrypt(QByteArray::fromBase64(encoded));
            if (!plain) return fail(QStringLiteral("cannot decrypt %1 with our key").arg(key));
            config.values.insert(key, *plain);
        } else if (base64Keys.contains(key)) {
            // Old registries wrapped base64 with newlines: fromBase64 skips them.
            config.values.insert(key, QByteArray::fromBase64(it.value().toString().toLatin1()));
        } else {
            config.values.insert(key, it.value().toVariant());
        }
    }
    if (!caPublicKey.isNull()) config.versionCounter = networkversion::verify(config.version(), caPublicKey);
    return config;
}

} // namespace re6st
